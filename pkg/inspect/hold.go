package inspect

import (
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// workerHeld is until when the reconcile st shows holds its worker, at
// the latest (nil: none runs), and the attempt a running action's failure
// leads to. Each case is one stretch of a reconcile the object shows.
func (o *observation) workerHeld(st *RetryState) (*time.Time, *followUp) {
	if r, ok := o.runningAction(); ok {
		if o.runningOutcome(r) != outcomeRunning {
			until, held := o.failureUntil(r, st)
			return ptrIf(until, held), nil
		}
		if st.Phase == PhaseProgressing {
			until := o.reconcileEnd(r, st)
			return &until, o.runningFollowUp(r, st, until)
		}
	}
	for _, held := range []func(*RetryState) (time.Time, bool){o.cacheWaitUntil, o.prologueUntil, o.epilogueUntil} {
		if until, ok := held(st); ok {
			return &until, nil
		}
	}
	return nil, nil
}

// ptrIf is &t when ok, else nil.
func ptrIf(t time.Time, ok bool) *time.Time {
	if !ok {
		return nil
	}
	return &t
}

// queueHint is what ApplyLoad needs of one release beyond its Next: how
// long the reconcile that runs Next holds a worker at the latest, and,
// while an action runs, the attempt that may follow it once it fails.
type queueHint struct {
	hold     time.Duration
	followUp *followUp
}

// followUp is the attempt a failing running action leads to: it falls due
// in [earliest, latest] and holds a worker for up to hold.
type followUp struct {
	earliest, latest time.Time
	hold             time.Duration
}

// holdFor bounds how long a reconcile that runs action holds its worker:
// the action (bound: its timeout for each phase it has), what
// AtomicRelease.Reconcile may still run in the same reconcile (the tests
// after a release action; the remediation after a failure under
// RemediateOnFailure), then the final status patch and the 10 s cache
// wait of the deferred patch (HelmReleaseReconciler.Reconcile).
func (o *observation) holdFor(action Action, bound time.Duration, st *RetryState) time.Duration {
	hr := o.hr
	d := bound
	if (action == ActionInstall || action == ActionUpgrade) && hr.GetTest().Enable {
		d += hr.GetTest().GetTimeout(hr.GetTimeout()).Duration
	}
	return d + o.afterFailure(action, st)
}

// afterFailure bounds what the reconcile still runs once action has
// failed: under RemediateOnFailure the remediation (a release action's
// failure is remediated in the same reconcile, AtomicRelease.Reconcile;
// a remediation's own failure is not), then the final patch and the 10 s
// cache wait (HelmReleaseReconciler.Reconcile's defer).
func (o *observation) afterFailure(action Action, st *RetryState) time.Duration {
	hr := o.hr
	var d time.Duration
	if action != ActionRollback && action != ActionUninstall && st.Strategy.Name == RemediateOnFailure {
		rem := remediationFor(hr, activeAction(hr))
		if rem.GetStrategy() == v2.UninstallRemediationStrategy {
			d += hr.GetUninstall().GetTimeout(hr.GetTimeout()).Duration * (1 + hookPhases)
		} else {
			d += hr.GetRollback().GetTimeout(hr.GetTimeout()).Duration * (1 + hookPhases)
		}
	}
	return d + cacheSyncWait + retrySlack
}

// failureUntil: the action Reconciling still calls running has failed
// (Ready False, its failure recorded: runningOutcome), and the reconcile
// that ran it is still on. The action's failure is written in a patch of
// its own (the failed snapshot and counters); Reconciling changes only in
// the next one: under RetryOnFailure the reconcile marks it
// ProgressingWithRetry and returns (ErrRetryAfterInterval, the epilogue);
// under RemediateOnFailure it runs the remediation first ("Running
// 'uninstall'"), or stalls once the retries are used up (AtomicRelease.
// Reconcile). A listing made in between (20-30 ms on this machine, longer
// on a loaded one) saw the worker free: in one CI run of the busy set, one
// `status -A` called five releases overdue while both workers were held.
// The failure's time is Ready's lastTransitionTime (an install or upgrade
// turned it Unknown when it began, so False is a new transition); a
// rollback, uninstall or test leaves Ready alone, so it may be older than
// the action: the action's start is the earliest the failure can be.
// The remediation Next names runs in this same reconcile, yet stays in
// the queue's line as an attempt of its own: the line is then longer than
// the controller's, never shorter (windows behind it end later, not before
// their attempts), for a state that lasts milliseconds.
func (o *observation) failureUntil(r running, st *RetryState) (time.Time, bool) {
	if o.s.Mutant == MutantNoFailureHold || o.ready == nil {
		return time.Time{}, false
	}
	rest := lttResolution + retrySlack // as the epilogue
	if st.Strategy.Name == RemediateOnFailure {
		rest = lttResolution + o.afterFailure(r.action, st)
	}
	until := latestOf(timeOf(o.ready.LastTransitionTime), r.since).Add(rest)
	return until, o.now.Before(until)
}

// nextHold is holdFor the action Next will run. A reconcile that runs no
// Helm action holds its worker for milliseconds (its prologue and patch;
// 0.1-0.2 s measured): 0. One of a release never reconciled installs it.
func (o *observation) nextHold(st *RetryState) time.Duration {
	hr := o.hr
	action := st.Next.Action
	if st.Phase == PhasePending {
		action = ActionInstall
	}
	var timeout time.Duration
	switch action {
	case ActionInstall:
		timeout = hr.GetInstall().GetTimeout(hr.GetTimeout()).Duration
	case ActionUpgrade:
		timeout = hr.GetUpgrade().GetTimeout(hr.GetTimeout()).Duration
	case ActionRollback:
		timeout = hr.GetRollback().GetTimeout(hr.GetTimeout()).Duration
	case ActionUninstall:
		timeout = hr.GetUninstall().GetTimeout(hr.GetTimeout()).Duration
	case ActionTest:
		timeout = hr.GetTest().GetTimeout(hr.GetTimeout()).Duration
	case ActionCorrectDrift, ActionUnlock:
		return hr.GetTimeout().Duration + cacheSyncWait + retrySlack
	default:
		return 0
	}
	return o.holdFor(action, running{action: action, timeout: timeout}.bound(o), st)
}

// runningFollowUp is the attempt after a running action that fails: under
// RetryOnFailure the retry, retryInterval after the reconcile returns
// (ErrRetryAfterInterval → RequeueAfter); under RemediateOnFailure with
// retries left the next try, after the cache wait and the work queue's
// backoff (ErrMustRequeue → Requeue). None once the retries are used up.
func (o *observation) runningFollowUp(r running, st *RetryState, until time.Time) *followUp {
	hold := o.holdFor(r.action, r.bound(o), st)
	switch {
	case st.Strategy.Name == RetryOnFailure:
		w := jittered(r.since, st.Strategy.RetryInterval.D(), o.s.JitterPercent, retrySlack)
		return &followUp{earliest: w.earliest, latest: until.Add(w.latest.Sub(r.since)), hold: hold}
	case st.Strategy.Name == RemediateOnFailure && (st.Failures.Allowed < 0 || st.Failures.Count+1 < st.Failures.Allowed):
		e := o.backoffExponent(st)
		e.k++
		return &followUp{earliest: r.since.Add(cacheSyncWait), latest: until.Add(e.upper(o.s) + lttResolution), hold: hold}
	}
	return nil
}

// cacheWaitUntil: the reconcile that just remediated a failure has
// written its last status (Reconciling ProgressingWithRetry, the failure
// remediated) and now polls its cache for 10 s, holding its worker
// (HelmReleaseReconciler.Reconcile's defer, waitForHistoryCacheSync; its
// log line "failed to wait for object to sync in-cache after patching"
// came 10.0-10.7 s after the condition's lastTransitionTime on v1.6.4).
// Measured by test/groundtruth's busy set: without it the plugin counted
// one worker free that was not.
func (o *observation) cacheWaitUntil(st *RetryState) (time.Time, bool) {
	c := o.reconciling
	if st.Phase != PhaseRemediating || !st.Remediation.Done || c == nil || c.Status != metav1.ConditionTrue ||
		c.Reason != reasonProgressingWithRetry {
		return time.Time{}, false
	}
	until := timeOf(c.LastTransitionTime).Add(cacheSyncWait + lttResolution)
	return until, o.now.Before(until)
}

// prologueUntil: a reconcile has just begun (Reconciling turned
// Progressing "Fulfilling prerequisites" at its start) and runs no Helm
// action yet: it holds a worker for the prologue, which ends within
// seconds, in a Helm action (the message changes) or in nothing (an in-sync
// release). Measured by test/groundtruth's busy set: a listing made during
// a ready release's 0.1 s reconcile saw a worker free that was not, and
// called the release the queue handed it to next overdue. A prologue that
// goes on to a Helm action holds the worker through it (prologueHold).
func (o *observation) prologueUntil(st *RetryState) (time.Time, bool) {
	c := o.reconciling
	if st.Phase != PhaseProgressing || c == nil || c.Status != metav1.ConditionTrue || c.Reason != reasonProgressing ||
		isRunningMessage(c.Message) {
		return time.Time{}, false
	}
	until := timeOf(c.LastTransitionTime).Add(lttResolution + retrySlack + o.prologueHold(st))
	return until, o.now.Before(until)
}

// prologueHold is how long the reconcile whose prologue st shows holds its
// worker after the prologue. A release ready for its spec (Ready True,
// observedGeneration = generation) has nothing to do: its reconcile ends in
// the prologue, 0. Any other goes on to the Helm action
// AtomicRelease.Reconcile chooses (actionForState: an install, an upgrade,
// or the remediation of the last failure first), holding the worker through
// it (holdFor, which counts the remediation, tests and cache wait), at the
// longer of install and upgrade: either may follow (a RetryOnFailure install
// that failed retries as an upgrade). It is an upper bound: the reconcile
// may also end before Helm (a dependency not ready, values missing). Read
// from v1.6.4 in the kept recordings (TestProloguesLeadToActions,
// test/groundtruth): of 331 prologues of releases not ready, 312 led to
// "Running '<action>'" within 0.1 s, 19 ended before Helm, none did
// anything else; in each of the 284 whose action the recording shows
// whole, the action ended within this hold (the prologue-short mutant
// fails 190 of them). Without it a listing made during such a prologue counted
// the worker free seconds later, and gave the release the queue hands it to
// next a window ending before its attempt could start. A ready release
// whose source has a new chart (or whose storage or resources changed) is
// upgraded all the same: the object does not show that, and its prologue
// counts as in sync (14 of the 41 recorded ran no action).
func (o *observation) prologueHold(st *RetryState) time.Duration {
	hr := o.hr
	if o.s.Mutant == MutantShortPrologue ||
		o.ready != nil && o.ready.Status == metav1.ConditionTrue && hr.Status.ObservedGeneration == hr.Generation {
		return 0
	}
	hold := func(a Action, timeout time.Duration) time.Duration {
		return o.holdFor(a, running{action: a, timeout: timeout}.bound(o), st)
	}
	return max(hold(ActionInstall, hr.GetInstall().GetTimeout(hr.GetTimeout()).Duration),
		hold(ActionUpgrade, hr.GetUpgrade().GetTimeout(hr.GetTimeout()).Duration))
}

// epilogueUntil: a RetryOnFailure attempt has just failed (Reconciling
// turned ProgressingWithRetry "retrying after" in its last patch); the
// reconcile returns within milliseconds and the work queue hands its
// worker to the next ready release, whose first status patch follows
// within about 0.1 s. A listing made in between sees a worker free that
// is not (measured by test/groundtruth's busy set): counting the ended
// reconcile for as long as its lastTransitionTime may hide (1 s) plus the
// retry margin keeps the release first in line queued, not overdue. An
// idle or stopped controller ends no reconcile, so this never hides a
// late one.
func (o *observation) epilogueUntil(st *RetryState) (time.Time, bool) {
	c := o.reconciling
	if st.Phase != PhaseRetrying || c == nil || c.Status != metav1.ConditionTrue || c.Reason != reasonProgressingWithRetry {
		return time.Time{}, false
	}
	until := timeOf(c.LastTransitionTime).Add(lttResolution + retrySlack)
	return until, o.now.Before(until)
}
