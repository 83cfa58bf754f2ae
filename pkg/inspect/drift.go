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

// reasonDriftCorrectionFailed is the Event CorrectClusterDrift.report
// records for every failed correction.
const reasonDriftCorrectionFailed = "DriftCorrectionFailed"

// reasonDriftDetected is the Event each reconcile that finds the drift
// records before it corrects it (AtomicRelease.actionForState).
const reasonDriftDetected = "DriftDetected"

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
// while the drift stays. The Reconciling condition's LTT is the requeue
// (the reconcile's last patch, ProgressingWithRetry); no counter shows the
// exponent, but every failed correction records a DriftCorrectionFailed
// Event (CorrectClusterDrift.report) with the same message, whose count
// and first time give it as for a failure before Helm.
func (o *observation) driftNext(st *RetryState, c *metav1.Condition) (Phase, Next) {
	at := timeOf(c.LastTransitionTime)
	if d, ok := retryAfter(c.Message); ok {
		n := o.retryNext(st, c, d)
		n.Action, n.Rule = ActionCorrectDrift, RuleDriftRetry
		n.Why = fmt.Sprintf("the drift correction failed; RetryOnFailure: the controller corrects the drift again %s later (±%d%% jitter)", d, o.s.JitterPercent)
		return PhaseRetrying, n
	}
	n := Next{Action: ActionCorrectDrift, Rule: RuleDriftRetry, Anchor: &Anchor{Condition: c.Type, Reason: c.Reason, Time: at},
		Why: fmt.Sprintf("the drift correction failed; the controller corrects the drift again after its backoff (%s doubling with every failed correction, at most %s)",
			o.s.MinRetryDelay, o.s.MaxRetryDelay)}
	e, ok := o.ev.latestFor(reasonDriftCorrectionFailed, "")
	if !ok || e.Last.Before(at.Add(-lttResolution-stepAllowance)) {
		// No Event, or one older than this requeue: an earlier streak's.
		n.Bound = boundDriftExponent
		if o.ev.EventsRead {
			n.Bound += " (no DriftCorrectionFailed Event of this correction)"
		} else {
			n.Bound += " (" + o.ev.missingNote() + ")"
		}
		return PhaseFailed, window{earliest: at, latest: at.Add(o.s.MaxRetryDelay.D() + 2*lttResolution), anchored: true}.toNext(n, o.now)
	}
	lo, hi, why := o.streakBase(e, reasonDriftDetected)
	count := int64(e.Count)
	n.Bound = why
	if why == "" {
		n.Bound = stepsBound(o.s, lo, hi, count)
	}
	n.Why += fmt.Sprintf("; its DriftCorrectionFailed Event says %d failed correction(s) in a row, so the next wait is %s",
		count, stepRange(o.s, lo+count-1, hi+count-1))
	w := window{earliest: at.Add(backoffStep(lo+count-1, o.s)),
		latest: at.Add(lttResolution + backoffStep(hi+count-1, o.s) + retrySlack), anchored: true}
	return PhaseFailed, w.toNext(n, o.now)
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
