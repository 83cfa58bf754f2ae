package inspect

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// actionFailed: a release action (install, upgrade) marks Ready Unknown
// when it starts; Ready False beside "Running" means the action returned an
// error and the reconcile ended without updating Reconciling (AtomicRelease:
// no retry strategy, so the error goes to the workqueue's backoff). Seen on
// v1.6.4 when a chart fails to render under RemediateOnFailure: nothing
// reached Helm storage, so there is nothing to remediate.
//
// When the failed attempt did reach storage (the latest snapshot is
// "failed"), the remediation follows in the same reconcile: that is a
// moment of a running reconcile, not an error backoff.
func (o *observation) actionFailed(action Action) bool {
	if latest := o.history.Latest(); latest != nil && latest.Status == "failed" {
		return false
	}
	return (action == ActionInstall || action == ActionUpgrade) && o.ready != nil &&
		o.ready.Status == metav1.ConditionFalse && !o.ready.LastTransitionTime.Before(&o.reconciling.LastTransitionTime)
}

// actionFailedInStorage: the release action failed after writing a failed
// release (Ready False, newer than "Running"): the strategy decides next.
func (o *observation) actionFailedInStorage(action Action) bool {
	latest := o.history.Latest()
	return (action == ActionInstall || action == ActionUpgrade) && latest != nil && latest.Status == "failed" &&
		o.ready != nil && o.ready.Status == metav1.ConditionFalse && o.ready.LastTransitionTime.After(o.reconciling.LastTransitionTime.Time)
}

// failedActionNext: the same attempt again after the error backoff.
func (o *observation) failedActionNext(st *RetryState, action Action) Next {
	if action == ActionUpgrade && o.retryAction() == ActionInstall {
		action = ActionInstall
	}
	failures := max(st.Failures.Count, st.Failures.Total)
	n := Next{Action: action, Anchor: &Anchor{Condition: o.ready.Type, Reason: o.ready.Reason, Time: timeOf(o.ready.LastTransitionTime)},
		Why: fmt.Sprintf("the %s failed with an error before anything reached Helm storage; the controller retries it with exponential backoff (0.75s doubling, at most %s)",
			action, o.s.MaxRetryDelay)}
	return errorRetry(timeOf(o.ready.LastTransitionTime), failures, o.s.MaxRetryDelay.D()).toNext(n, o.now)
}
