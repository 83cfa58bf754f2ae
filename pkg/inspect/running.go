package inspect

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// driftCorrectionName is CorrectClusterDrift.Name(), as the Reconciling
// message shows it.
const driftCorrectionName = "correct cluster drift"

// hookPhases is how many extra full timeouts a release action may take on
// top of its own wait: Helm runs the pre- and post- hooks of install,
// upgrade, rollback and uninstall each with WatchUntilReady(timeout)
// (helm v4 pkg/action/hooks.go execHook), so "timeout" bounds each phase,
// not the action. One hook per phase is the common chart; each further
// hook weight adds another timeout, which the object does not show.
const hookPhases = 2

// testHookWork is Helm's work around each test hook's wait, which the
// timeout does not cover (helm v4 pkg/action/hooks.go
// execHookWithDelayedShutdown): the before-hook-creation delete of the last
// run's Pod and its wait, Build with schema validation (the OpenAPI
// document fetched and parsed by a client made for this reconcile), the
// create; then the release written back to storage and the status patch.
// The ground truth measured 0.5 s on a quiet machine and up to 5.4 s while
// the controller started 13 releases on 2 cores (and 3.6 s on a slower CI
// machine), so the end of a test run is a bound.
const testHookWork = 6 * time.Second

// running is an action the Reconciling condition says is under way.
type running struct {
	action  Action
	timeout time.Duration
	since   time.Time
}

// runningAction reads "Running '<action>' action with timeout of <t>".
func (o *observation) runningAction() (running, bool) {
	c := o.reconciling
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != reasonProgressing {
		return running{}, false
	}
	action, timeout, ok := parseRunning(c.Message)
	return running{action: action, timeout: timeout, since: timeOf(c.LastTransitionTime)}, ok
}

// bound is how long the action may run: its timeout for each phase it has.
func (r running) bound(o *observation) time.Duration {
	switch r.action {
	case ActionInstall, ActionUpgrade, ActionRollback, ActionUninstall:
		if o.s.Mutant == MutantNoHookPhases {
			return r.timeout
		}
		return r.timeout * (1 + hookPhases)
	case ActionTest:
		// Helm runs the test hooks one after another, each with the timeout.
		n := 1
		if latest := newest(o.history); latest != nil && len(latest.GetTestHooks()) > 1 {
			n = len(latest.GetTestHooks())
		}
		return (r.timeout + testHookWork) * time.Duration(n)
	}
	return r.timeout
}

// runningNext is the end of the action under way. It is never called
// overdue: a chart with more hooks than one per phase runs longer than any
// bound the object shows.
func (o *observation) runningNext(r running) Next {
	c := o.reconciling
	n := Next{Action: r.action, Rule: RuleRunning, Bound: boundHookPhases,
		Anchor: &Anchor{Condition: c.Type, Reason: c.Reason, Time: r.since, Interval: Duration(r.timeout)},
		Why: fmt.Sprintf("running %s since %s with a timeout of %s; Helm gives its pre- and post-hooks a timeout each, so it ends by +%s (longer if the chart has several hook weights)",
			r.action, r.since.UTC().Format(time.RFC3339), r.timeout, r.bound(o))}
	if r.action == ActionTest {
		n.Why = fmt.Sprintf("running the tests since %s; each test hook has a timeout of %s, and Helm's work around it (deleting the last run's Pod, validating and creating the hook, saving the result) adds up to %s", r.since.UTC().Format(time.RFC3339), r.timeout, testHookWork)
	}
	n = window{earliest: r.since, latest: r.since.Add(r.bound(o) + lttResolution), anchored: true}.toNext(n, o.now)
	n.Overdue = false
	return n
}

// reconcileEnd bounds when the reconcile that runs r ends (holdFor).
func (o *observation) reconcileEnd(r running, st *RetryState) time.Time {
	return r.since.Add(o.holdFor(r.action, r.bound(o), st))
}

// afterRunning is the Helm action a forced reconcile runs once r is over,
// whether r succeeds or fails: an upgrade of what is then in storage
// (actionForState: in sync, failed or out of sync, forced), or an install
// once an uninstall emptied it.
func afterRunning(r running) Action {
	if r.action == ActionUninstall {
		return ActionInstall
	}
	return ActionUpgrade
}

// requestWhileRunning: the work queue never hands out an item that is being
// processed (controller-runtime's priority queue keeps it until Done), so
// a request made during an action is handled when the reconcile that runs
// it returns. With CancelHealthCheckOnNewRevision the request cancels the
// action's health checks instead (helper.IsObjectEnqueued in
// HelmReleaseReconciler.reconcileRelease): the reconcile returns at once
// with Ready HealthCheckCanceled and a requeue, which waits for the cache
// and the backoff.
func (o *observation) requestWhileRunning(r running, st *RetryState, token string, at time.Time, forced bool) Next {
	n := Next{Action: ActionReconcile, Rule: RuleRequest, Bound: boundHookPhases,
		Anchor: &Anchor{Condition: "metadata.annotations", Reason: AnnotationRequestedAt, Time: at},
		Why:    fmt.Sprintf("a reconcile request (%s) is pending while %s runs: the controller handles it once that reconcile ends, whether it succeeds or fails", token, r.action)}
	if forced {
		n.Action = afterRunning(r)
		n.Why = fmt.Sprintf("a forced reconcile (%s) is pending while %s runs: the controller runs %s once that reconcile ends, whether it succeeds or fails", token, r.action, n.Action)
	}
	end := o.reconcileEnd(r, st)
	if o.s.CancelHealthCheckOnNewRevision && (r.action == ActionInstall || r.action == ActionUpgrade) {
		// Only the health checks take the interrupt context (the waiter's
		// Wait and WaitWithJobs: controller.GetInterruptContext); the
		// hooks (WatchUntilReady) and the apply before the wait do not.
		// A request made before the wait began, or after it ended, waits
		// for the reconcile as without the gate; which of the phases runs
		// now is not on the object, so the window holds both paths (a
		// request 6.8 s into an install under load was cancelled 10.9 s
		// later, when its wait began).
		e := o.backoffExponent(st)
		end = latestOf(end, at.Add(cacheSyncWait+e.upper(o.s)+retrySlack))
		n.Why += fmt.Sprintf("; with CancelHealthCheckOnNewRevision on, a request during the %s's health checks cancels them: it ends with HealthCheckCanceled and the controller reconciles again after its 10 s cache wait and backoff%s (the hooks and the apply before the checks are not cancelled)",
			r.action, e.note(o.s))
	}
	return window{earliest: at, latest: end, anchored: true}.toNext(n, o.now)
}

// latestOf is the later of a and b.
func latestOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
