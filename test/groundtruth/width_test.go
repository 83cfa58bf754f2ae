package groundtruth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// A window that always holds but spans fifteen minutes answers nothing:
// each rule (next.rule) gets a width budget, the controller's own
// uncertainty for that behaviour, derived from helm-controller v1.6.4's code
// and the measurements (/work/shared/helm-controller-facts.md), never from
// pkg/inspect. An agreeing window wider than its rule's budget is a
// disagreement unless the plugin marked it a bound (next.bound) and said why.
//
// The uncertainties the budgets are made of:
const (
	// lttResolution: lastTransitionTime is truncated to the second
	// (fluxcd/pkg/runtime conditions.Set: metav1.Now, serialised in
	// seconds), so a window anchored on it is one second wide from that
	// alone.
	lttResolution = time.Second
	// cachePoll: HelmReleaseReconciler.Reconcile's deferred
	// waitForHistoryCacheSync polls every second: a reconcile ends up to
	// one poll after its last status patch.
	cachePoll = time.Second
)

// budget is the widest window rule may give for the prediction p, made on
// state s, whose next step was next (after prev, the attempt before it,
// nil if none); and how it was derived. ok is false when the rule is not
// one the ground truth knows.
func (r *recorder) budget(p prediction, s state, prev, next *attempt) (d time.Duration, how string, ok bool) {
	j := float64(r.jitter) / 100
	switch p.RS.Next.Rule {
	case inspect.RuleRetryInterval:
		// JitteredRequeueInterval: d·(1±j), anchored on a truncated LTT,
		// plus the measured processing (attempts came up to 2.2 s after
		// LTT + d(1+j): the verdict's allowance).
		iv := r.retryInterval(s.HR)
		return time.Duration(2*j*float64(iv)) + lttResolution + allowance,
			fmt.Sprintf("2·%d%%·%s + 1 s LTT + %s processing", r.jitter, iv, allowance), true
	case inspect.RuleRemediationBackoff:
		// ErrMustRequeue → Requeue: the 10 s cache wait (exact: a timeout,
		// polled each second) after a truncated LTT, then AddRateLimited's
		// step base·2^k, k within one of the failures the status counts
		// (the finalizer's Requeue counts too): the step's range is one
		// step.
		step := r.backoffStep(s.HR.Status.Failures)
		d, how := lttResolution+cachePoll+step+allowance, fmt.Sprintf("1 s LTT + 1 s cache poll + step %s + %s processing", step, allowance)
		if r.sinceCreation(s) {
			d, how = d+step, how+fmt.Sprintf(" + one step more (%s: failing since creation)", step)
		}
		return d, how, true
	case inspect.RuleErrorBackoff, inspect.RuleDriftRetry:
		if p.RS.Next.Rule == inspect.RuleDriftRetry && r.retrying(s.HR) {
			iv := r.retryInterval(s.HR)
			return time.Duration(2*j*float64(iv)) + lttResolution + allowance,
				fmt.Sprintf("RetryOnFailure: 2·%d%%·%s + 1 s LTT + %s processing", r.jitter, iv, allowance), true
		}
		// AddRateLimited: base·2^k exactly, but k is read from evidence
		// (Events, counters) that may lag one failure: half the real
		// step (the gap the controller actually waited) + 5 s (issue 21's
		// "done when").
		if prev == nil || next == nil {
			return 0, "real step not observed", false
		}
		step := next.At.Sub(prev.At)
		d, how := step/2+5*time.Second, fmt.Sprintf("half the real step (%s) + 5 s", step.Round(100*time.Millisecond))
		if more := r.backoffStep(s.HR.Status.Failures); r.sinceCreation(s) {
			d, how = d+more, how+fmt.Sprintf(" + one step more (%s: failing since creation)", more)
		}
		return d, how, true
	case inspect.RulePeriodic:
		// JitteredRequeueInterval(spec.interval) from the end of the
		// reconcile, which is up to the 10 s cache wait (and a poll) after
		// the Ready condition's truncated LTT.
		iv := s.HR.Spec.Interval.Duration
		return time.Duration(2*j*float64(iv)) + lttResolution + cacheSyncWait + cachePoll + allowance,
			fmt.Sprintf("2·%d%%·%s + 1 s LTT + 10 s cache wait + 1 s poll + %s processing", r.jitter, iv, allowance), true
	case inspect.RuleDependency:
		// RequeueAfter: --requeue-dependency, not jittered; the last check
		// is not on the object, so anywhere in one period.
		return requeueDependency + allowance, fmt.Sprintf("--requeue-dependency %s + %s processing", requeueDependency, allowance), true
	case inspect.RuleSource:
		d := time.Duration(float64(requeueDependency) * (1 + j))
		return d + allowance, fmt.Sprintf("--requeue-dependency·(1+%d%%) + %s processing", r.jitter, allowance), true
	case inspect.RuleRequest:
		// The watch sees the annotation and the queue hands the item out at
		// once, unless a reconcile is still running or in its 10 s cache
		// wait (the queue never hands out an item being processed).
		return cacheSyncWait + cachePoll + allowance, fmt.Sprintf("10 s cache wait + 1 s poll + %s processing", allowance), true
	case inspect.RuleImmediate:
		return lttResolution + allowance, fmt.Sprintf("1 s + %s processing", allowance), true
	case inspect.RuleRunning:
		// Helm waits up to the timeout; the end is seen at the next status
		// patch. Hook phases make it longer: only a bound says so.
		t := s.HR.Spec.Timeout
		if t == nil {
			return 5*time.Minute + lttResolution + allowance, "timeout 5m + 1 s LTT + processing", true
		}
		return t.Duration + lttResolution + allowance, fmt.Sprintf("timeout %s + 1 s LTT + %s processing", t.Duration, allowance), true
	}
	return 0, "no rule", false
}

// retryingAfterRE is RetryOnFailure's message (AtomicRelease: "retrying after <d>").
var retryingAfterRE = regexp.MustCompile(`^retrying after (\S+)`)

// retryInterval is the wait the controller announced ("retrying after
// d"), or else the active strategy's retryInterval (0 if none).
func (r *recorder) retryInterval(hr *v2.HelmRelease) time.Duration {
	if c := reconciling(hr); c != nil {
		if m := retryingAfterRE.FindStringSubmatch(c.Message); m != nil {
			if d, err := time.ParseDuration(m[1]); err == nil {
				return d
			}
		}
	}
	if rt := hr.GetActiveRetry(r.defaultRetry); rt != nil {
		return rt.GetRetryInterval()
	}
	return 0
}

// retrying: RetryOnFailure is the active strategy (GetActiveRetry, with
// the DefaultToRetryOnFailure gate as the controller runs).
func (r *recorder) retrying(hr *v2.HelmRelease) bool { return hr.GetActiveRetry(r.defaultRetry) != nil }

// backoffStep is the work queue's step after n requeues: base·2^n, capped
// at --max-retry-delay (client-go ItemExponentialFailureRateLimiter.When;
// the base is --min-retry-delay: fluxcd/pkg/runtime controller.GetRateLimiter).
// sinceCreation: the release was never ready before s, so the work
// queue's count may hold the finalizer's requeue twice: a loaded
// controller's next reconcile read the object from a cache that had not
// seen the finalizer and added it again, one more rate-limited requeue.
// Seen in the cancel set's CI run of 2026-12-07 (kept as
// recording-cancel): finalizer to first reconcile 3.0 and 3.5 s (0.75 +
// 1.5 s of backoff, against 1.1-1.4 s in every run before), and every
// remediation backoff of those two releases one step longer than their
// failures. Neither the object nor the controller's log shows it, so a
// window holds both steps: the budget allows one more.
func (r *recorder) sinceCreation(s state) bool {
	for _, st := range r.states {
		if st.At.After(s.At) {
			return true
		}
		if ready(st.HR) {
			return false
		}
	}
	return true
}

func (r *recorder) backoffStep(n int64) time.Duration {
	d := r.minDelay << uint(min(max(n, 0), 30))
	if d <= 0 || d > r.maxDelay {
		return r.maxDelay
	}
	return d
}

// widthCheck adds the window's width and slack to an agreeing row x, and
// turns it into a disagreement when the window is wider than its rule's
// budget and not marked a bound. A queued window (the busy set) whose end
// moved to when a worker is free at the latest is wider by the reconciles
// ahead, each counted at its longest: it must say it is a bound (the
// queue-unbound mutant does not).
func (r *recorder) widthCheck(x row, s state, p prediction, prev, next *attempt, end time.Time) row {
	n := p.RS.Next
	if n.Earliest == nil || n.Latest == nil {
		return x
	}
	x.Rule, x.Bound, x.Queued = n.Rule, n.Bound, n.Queued
	x.Width = n.Latest.Sub(*n.Earliest)
	if n.Or != nil {
		// Two windows (the attempt due may have run unseen): each is held
		// to the budget.
		x.Width = max(x.Width, n.Or.Latest.Sub(n.Or.Earliest))
	}
	x.SlackEarly, x.SlackLate = end.Sub(*n.Earliest), n.Latest.Sub(end)
	x.HasWidth = true
	if x.Verdict != agree {
		return x
	}
	x.Observed += fmt.Sprintf("; width %.1fs, slack %+.1fs/%+.1fs", x.Width.Seconds(), x.SlackEarly.Seconds(), x.SlackLate.Seconds())
	if n.Rule == "" {
		x.Observed += ": a window without next.rule"
		return r.disagreement(x, s, p)
	}
	b, how, ok := r.budget(p, s, prev, next)
	if !ok {
		return x
	}
	x.Budget = b
	switch {
	case x.Width <= b:
	case n.Bound == "":
		x.Observed += fmt.Sprintf(": wider than the %s budget %.1fs (%s) and not marked a bound", n.Rule, b.Seconds(), how)
		if n.Queued {
			x.Observed += " (queued)"
		}
		return r.disagreement(x, s, p)
	case n.Queued:
		// The queue's bound (or the rule's own, kept): the reconciles
		// ahead make it wider than the rule alone.
	case (n.Rule == inspect.RuleErrorBackoff || n.Rule == inspect.RuleRemediationBackoff) && !r.backoffHidden(s):
		// A bound excuses the width only when the evidence really hides
		// the step.
		x.Observed += fmt.Sprintf(": wider than the %s budget %.1fs (%s); a bound (%q), but nothing hid the backoff step: no change cleared the failure counters since the streak began, and they count every failure",
			n.Rule, b.Seconds(), how, n.Bound)
		return r.disagreement(x, s, p)
	}
	return x
}

// previousAttempt is the last attempt that started at or before t.
func previousAttempt(attempts []attempt, t time.Time) *attempt {
	var prev *attempt
	for i := range attempts {
		if !attempts[i].At.After(t) {
			prev = &attempts[i]
		}
	}
	return prev
}

// widthTable is, per rule, the agreeing rows' window widths (median, p90,
// max), how many were bounds (next.bound) or queued, and the widest that
// was neither, beside the widest budget such a row had.
func widthTable(rows []row) string {
	type stats struct {
		widths               []time.Duration
		bound, queued        int
		maxSharp, maxBudget  time.Duration
		offline, binaryViews int
	}
	by := map[string]*stats{}
	var rules []string
	for _, x := range rows {
		if !x.HasWidth || x.Verdict != agree {
			continue
		}
		st := by[x.Rule]
		if st == nil {
			st = &stats{}
			by[x.Rule] = st
			rules = append(rules, x.Rule)
		}
		st.widths = append(st.widths, x.Width)
		switch {
		case x.Offline:
			st.offline++
		default:
			st.binaryViews++
		}
		switch {
		case x.Queued: // queued windows are bounds where the queue moved their end
			st.queued++
		case x.Bound != "":
			st.bound++
		default:
			st.maxSharp = max(st.maxSharp, x.Width)
			st.maxBudget = max(st.maxBudget, x.Budget)
		}
	}
	slices.Sort(rules)
	var b strings.Builder
	b.WriteString("| rule | agreeing rows (binary / inspect.Analyze) | bound | queued | width median | p90 | max | widest not bound | its budget (widest) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rules {
		st := by[r]
		slices.Sort(st.widths)
		q := func(f float64) string {
			return fmt.Sprintf("%.1fs", st.widths[min(len(st.widths)-1, int(f*float64(len(st.widths))))].Seconds())
		}
		name := r
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(&b, "| %s | %d (%d / %d) | %d | %d | %s | %s | %.1fs | %.1fs | %.1fs |\n", name, len(st.widths), st.binaryViews, st.offline,
			st.bound, st.queued, q(0.5), q(0.9), st.widths[len(st.widths)-1].Seconds(), st.maxSharp.Seconds(), st.maxBudget.Seconds())
	}
	return b.String()
}

// backoffHidden: the work queue's exponent for the backoff after s cannot
// be read from the object, so a bound is the honest window. The exponent
// counts the rate-limited requeues since the item was last forgotten (a
// success or a RequeueAfter: controller-runtime's reconcileHandler); the
// failure counters count the same failures unless something cleared them
// during the streak: a spec, chart or values change or a reset
// (action.MustResetFailures), which the recording shows as a change the
// test made since the release was last Ready. A reconcile that stops before
// Helm (values, chart, source errors) counts in no counter at all: only the
// release's Events say how many there were.
func (r *recorder) backoffHidden(s state) bool {
	if preHelmErrors[readyReason(s.HR)] {
		return true
	}
	start := time.Time{}
	for _, st := range r.states {
		if st.At.After(s.At) {
			break
		}
		if ready(st.HR) {
			start = st.At
		}
	}
	for _, iv := range r.interventions {
		if iv.Supersedes && iv.At.After(start) && !iv.At.After(s.At) {
			return true
		}
	}
	return false
}
