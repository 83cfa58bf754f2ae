package inspect

import (
	"fmt"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// correctingDriftMessage is what CorrectClusterDrift.Reconcile writes on
// Ready before it applies the correction; nothing replaces it when the
// correction fails, since the action always returns nil and only reports.
const correctingDriftMessage = "correcting cluster drift"

// drifted: the controller found the cluster state drifted from the release
// (AtomicRelease.actionForState, ReleaseStatusDrifted).
func (o *observation) drifted() bool {
	return apimeta.IsStatusConditionTrue(o.hr.Status.Conditions, v2.DriftedCondition)
}

// correctingDrift: the drift correction ran in this reconcile and the
// drift is still there, so the loop stopped before running it a second
// time (cleanReleaseStrategy.MustContinue) and the strategy requeues.
func (o *observation) correctingDrift() bool {
	return o.drifted() && o.hr.GetDriftDetection().GetMode() == v2.DriftDetectionEnabled &&
		o.ready != nil && o.ready.Status == metav1.ConditionUnknown && o.ready.Message == correctingDriftMessage
}

// driftCorrectionGaveUp: as correctingDrift, but the remediation retries
// were exhausted, so the loop deleted Reconciling and returned nil: the
// next try is the periodic reconcile.
func (o *observation) driftCorrectionGaveUp() bool {
	return o.reconciling == nil && o.correctingDrift()
}

// driftNext: the correction again. Under RetryOnFailure after the retry
// interval; under RemediateOnFailure after the work queue's backoff
// (ErrMustRequeue → Requeue; no cache wait, the history did not change),
// whose exponent grows with every failed correction and is never forgotten
// while the drift stays.
func (o *observation) driftNext(st *RetryState, c *metav1.Condition) (Phase, Next) {
	at := timeOf(c.LastTransitionTime)
	if d, ok := retryAfter(c.Message); ok {
		n := o.retryNext(st, c, d)
		n.Action, n.Rule = ActionCorrectDrift, RuleDriftRetry
		n.Why = fmt.Sprintf("the drift correction failed; RetryOnFailure: the controller corrects the drift again %s later (±%d%% jitter)", d, o.s.JitterPercent)
		return PhaseRetrying, n
	}
	n := Next{Action: ActionCorrectDrift, Rule: RuleDriftRetry, Bound: boundDriftExponent, Anchor: &Anchor{Condition: c.Type, Reason: c.Reason, Time: at},
		Why: fmt.Sprintf("the drift correction failed; the controller corrects the drift again after its backoff (%s doubling with every failed correction, at most %s)",
			o.s.MinRetryDelay, o.s.MaxRetryDelay)}
	return PhaseFailed, window{earliest: at, latest: at.Add(o.s.MaxRetryDelay.D() + 2*lttResolution), anchored: true}.toNext(n, o.now)
}

// driftPeriodicNext: the correction at the next periodic reconcile.
func (o *observation) driftPeriodicNext() Next {
	return o.periodicNext(timeOf(o.ready.LastTransitionTime), ActionCorrectDrift,
		"the drift correction failed and the remediation retries are exhausted: the controller corrects the drift again at the next periodic reconcile")
}

// driftWarning says what happens to a detected drift.
func (o *observation) driftWarning() (string, bool) {
	if !o.drifted() {
		return "", false
	}
	if o.hr.GetDriftDetection().GetMode() == v2.DriftDetectionEnabled {
		return "the cluster state has drifted from the release; the controller corrects it (driftDetection.mode: enabled)", true
	}
	return "the cluster state has drifted from the release and will not be corrected (driftDetection.mode: warn)", true
}
