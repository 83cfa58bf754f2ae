package inspect

import (
	"fmt"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// How an action the Reconciling condition still calls running has ended.
type outcome int

const (
	outcomeRunning outcome = iota
	// outcomeErrored: the action returned an error without changing Helm
	// storage, and the reconcile ended there: AtomicRelease.Reconcile
	// returns the error (no retry strategy), which goes to the work
	// queue's backoff, and the same state leads to the same action.
	outcomeErrored
	// outcomeFailedInStorage: the install or upgrade failed after writing
	// a failed release; the strategy's next step follows in the same
	// reconcile.
	outcomeFailedInStorage
)

// runningOutcome tells a running action from one that has ended: Ready
// False at or after the "Running" transition was written by the action
// (an install or upgrade first marks Ready Unknown; the others leave Ready
// alone until they fail). What storage shows then tells the two endings
// apart: a failed snapshot deployed during this attempt, a tested
// snapshot, a rollback or uninstall recorded.
func (o *observation) runningOutcome(r running) outcome {
	c := o.ready
	if c == nil || c.Status != metav1.ConditionFalse {
		return outcomeRunning
	}
	// An install or upgrade marks Ready Unknown when it starts, so a False
	// written before "Running" is an earlier attempt's. The others leave
	// Ready alone, and a second failure with the same message keeps the
	// first one's lastTransitionTime (conditions.Set): their failure
	// reason decides, whatever its time (seen on the real controller in
	// ground-truth scenario 28).
	older := c.LastTransitionTime.Before(&o.reconciling.LastTransitionTime)
	latest := newest(o.history)
	if older && (r.action == ActionInstall || r.action == ActionUpgrade || r.action == ActionUnlock) {
		return outcomeRunning
	}
	switch r.action {
	case ActionInstall, ActionUpgrade:
		// Helm stamps the release it writes with the time the action
		// began, so a failed snapshot older than "Running" is an earlier
		// attempt's: this one failed before reaching storage (a chart
		// that does not render, a pre-flight error).
		if latest != nil && latest.Status == "failed" && !latest.LastDeployed.Time.Before(r.since) {
			return outcomeFailedInStorage
		}
		return outcomeErrored
	case ActionTest:
		// Test.Reconcile returns the error only when no result was observed.
		if c.Reason == v2.TestFailedReason && latest != nil && !latest.HasBeenTested() {
			return outcomeErrored
		}
	case ActionRollback:
		if c.Reason == v2.RollbackFailedReason && latest != nil && latest.Status == "failed" {
			return outcomeErrored
		}
	case ActionUninstall:
		if c.Reason == v2.UninstallFailedReason && latest != nil && latest.Status != "uninstalled" && latest.Status != "uninstalling" {
			return outcomeErrored
		}
	case ActionUnlock:
		return outcomeErrored
	}
	return outcomeRunning
}

// remediationErrors counts the failed remediations of this streak when the
// object shows all of them: the history shows the streak began after a
// successful install or upgrade (streakSinceSuccess: the queue forgot the
// release then) and no remediation has succeeded since, so every failure
// status.failures counts beyond the install or upgrade counter is one of
// these (RollbackRemediation.failure and UninstallRemediation.failure
// count them there), each one rate-limited requeue.
func (o *observation) remediationErrors(st *RetryState, action Action) (int64, bool) {
	if action != ActionRollback && action != ActionUninstall || o.s.Mutant == MutantExponentUnknown ||
		!o.streakSinceSuccess(st) {
		return 0, false
	}
	for _, h := range o.history {
		if succeeded(h) {
			break
		}
		if h.Action == v2.ReleaseActionRollback || h.Status == "uninstalled" || h.Status == "uninstalling" {
			return 0, false // a remediation succeeded: its requeue is not counted
		}
	}
	r := st.Failures.Total - st.Failures.Count
	return r, r >= 1
}

// failedActionNext: the same step again after the error backoff. A
// remediation truncates the history before it runs
// (AtomicRelease.actionForState), so its error may also cost the 10 s
// cache wait.
func (o *observation) failedActionNext(st *RetryState, r running) Next {
	action := r.action
	if action == ActionUpgrade && o.retryAction() == ActionInstall {
		action = ActionInstall
	}
	e := o.backoffExponent(st)
	at := timeOf(o.ready.LastTransitionTime)
	if r.since.After(at) {
		at = r.since // the same failure again, with the first one's time
	}
	n := Next{Action: action, Rule: RuleErrorBackoff, Bound: e.bound(), Anchor: &Anchor{Condition: o.ready.Type, Reason: o.ready.Reason, Time: at},
		Why: fmt.Sprintf("the %s failed with an error before anything reached Helm storage; the controller tries it again with exponential backoff (%s doubling, at most %s)%s",
			action, o.s.MinRetryDelay, o.s.MaxRetryDelay, e.note(o.s))}
	if ev, ok := o.ev.latestFor(o.ready.Reason, o.ready.Message); ok && ev.Count >= 2 && !ev.Last.Before(at.Add(-lttResolution)) {
		// The same error again and again: its Event counts the failures in
		// a row (each one rate-limited requeue), as for a failure before
		// Helm. Only the first of them waited for the cache (the history
		// changed once, before the first remediation), so the Event's span
		// may hold one cache wait.
		if lo, hi, why := o.streakBaseWithin(ev, o.s.cacheWait()); why == "" {
			count := int64(ev.Count)
			if top := e.k + e.extra; e.known && top-(count-1) >= lo {
				// The failure counters bound the step from above (each
				// failure is one AddRateLimited of controller-runtime's
				// reconcileHandler, and client-go's
				// ItemExponentialFailureRateLimiter.When doubles per call:
				// exponent.go), with the one requeue more a release failing
				// since its creation may have (sinceCreation). The Event's
				// times have a second's resolution: two failures 2 s apart
				// fit three bases, more than the counters allow when they
				// are low; what is left past one step is marked a bound.
				hi = min(hi, top-(count-1))
			}
			n.Anchor = &Anchor{Condition: "Event", Reason: ev.Reason, Time: ev.Last}
			n.Bound = stepsBound(o.s, lo, hi, count)
			n.Why += fmt.Sprintf("; its Event says %d failure(s) in a row, the last at %s, so the next wait is %s",
				count, ev.Last.UTC().Format(time.RFC3339), stepRange(o.s, lo+count-1, hi+count-1))
			w := window{earliest: ev.Last.Add(backoffStep(lo+count-1, o.s)),
				latest: ev.Last.Add(lttResolution + backoffStep(hi+count-1, o.s) + retrySlack), anchored: true}
			n = w.toNext(n, o.now)
			// The same error again leaves the object as it was: only
			// its Event, recorded asynchronously, shows the attempt.
			n.Or = o.ranUnseen(w, action, backoffStep(lo+count, o.s), backoffStep(hi+count, o.s))
			return n
		}
	}
	if r, ok := o.remediationErrors(st, action); ok {
		// Each failed remediation was one rate-limited requeue since the
		// queue forgot the release at its last success: the next waits
		// min-retry-delay·2^(r-1), after the cache wait for the first
		// only (its reconcile wrote the failed release's snapshot).
		wait := time.Duration(0)
		if r == 1 {
			wait = o.s.cacheWait()
		}
		step := backoffStep(r-1, o.s)
		n.Bound = ""
		n.Why += fmt.Sprintf("; %d failed %s(s) since the last success, so the next wait is %s", r, action, step)
		return window{earliest: at.Add(wait + step), latest: at.Add(lttResolution + wait + step + retrySlack), anchored: true}.toNext(n, o.now)
	}
	w := errorRetry(at, e, o.s)
	if action == ActionRollback || action == ActionUninstall {
		w.latest = w.latest.Add(o.s.cacheWait())
	}
	if n.Bound == "" {
		// The counters bound the step from above only: the earliest is the
		// failure itself.
		n.Bound = "backoff step bounded by the failure counters; no Event counts this error's repeats"
	}
	return w.toNext(n, o.now)
}
