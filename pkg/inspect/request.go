package inspect

import "time"

// requestGrace is how soon a controller that is up handles a reconcile
// request: it watches the annotation (ReconcileRequestedPredicate); measured
// on v1.6.4, the forced attempt started 0.6 s after the patch.
const requestGrace = 10 * time.Second

// reasonHealthCheckCanceled is meta.HealthCheckCanceledReason: the Ready
// reason of a reconcile whose health checks a new request cancelled.
const reasonHealthCheckCanceled = "HealthCheckCanceled"

// pendingRequest: a reconcile.fluxcd.io/requestedAt token the controller has
// not handled yet overrides the schedule: it reconciles as soon as it sees
// the annotation, whatever the phase (a suspended or deleted object aside).
// flux and this tool write the request time as the token, which anchors the
// window; an overdue one means the controller is not handling requests.
func (o *observation) pendingRequest(st *RetryState) (Next, bool) {
	ann := o.hr.GetAnnotations()
	token := ann[AnnotationRequestedAt]
	if token == "" || token == o.hr.Status.LastHandledReconcileAt || st.Phase == PhaseSuspended || st.Phase == PhaseDeleting {
		return Next{}, false
	}
	forced := ann[AnnotationForceAt] == token
	if forced && o.hr.Status.LastHandledForceAt == token {
		// The reconcile that consumed the force is under way
		// (AtomicRelease.actionForState records lastHandledForceAt and
		// patches; lastHandledReconcileAt comes with its final patch):
		// what it left says what comes next.
		return Next{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, token)
	if r, ok := o.runningAction(); ok && err == nil && st.Phase == PhaseProgressing {
		return o.requestWhileRunning(r, st, token, at, forced), true
	}
	n := Next{Action: ActionReconcile, Rule: RuleRequest, Why: "a reconcile request (" + token + ") is pending: the controller acts on it as soon as it sees it"}
	switch {
	case st.Phase == PhaseWaiting:
		// The reconcile stops where the last one did, before any Helm
		// action: the force is handled as a plain reconcile.
		n.Action = ActionRecheck
	case st.Phase == PhaseFailed && !helmFailure[st.Reason] && !o.correctingDrift():
	case st.Phase == PhaseStalled && (st.StallReason == reasonAccessDenied || st.StallReason == reasonInvalidCEL):
		// HelmReleaseReconciler.Reconcile stops at the CEL expressions and
		// reconcileRelease at the source access check, before any Helm
		// action: a force changes nothing there.
		n.Why = "a reconcile request (" + token + ") is pending: the controller acts on it at once, and stops before Helm again (" + st.StallReason + ")"
	case forced:
		// A forced request runs a Helm action even in sync or out of retries.
		n.Action = o.retryAction()
		n.Why = "a forced reconcile (" + token + ") is pending: the controller runs " + string(n.Action) + " as soon as it sees it"
	}
	if err != nil {
		n.Bound = "the request token is not a time, so when it was made is unknown"
		return unanchored(o.now, requestGrace).toNext(n, o.now), true
	}
	n.Anchor = &Anchor{Condition: "metadata.annotations", Reason: AnnotationRequestedAt, Time: at}
	w := window{earliest: at, latest: at.Add(requestGrace), anchored: true}
	if busy := o.lastWrite(); busy.After(at) {
		// The controller wrote the status after the request: a reconcile
		// was under way when it came, and the work queue hands the request
		// out only when that reconcile returns (its final patch and cache
		// wait follow the last write). A reconcile that ended waiting for
		// its retryInterval, or ready, round-tripped its object
		// (WithStatusObservedGeneration) and waits for no cache.
		// A reconcile whose health checks the request cancelled
		// (CancelHealthCheckOnNewRevision: Ready HealthCheckCanceled,
		// Requeue) waits for the cache whatever its Reconciling says: the
		// cancelled action wrote a snapshot (measured: the next reconcile
		// 12.4 s after the cancellation).
		wait := o.s.cacheWait()
		cancelled := st.Phase == PhaseRetrying && o.cancelsHealthChecks(at)
		if (st.Phase == PhaseRetrying || st.Phase == PhaseReady) && !cancelled {
			wait = 0
		}
		w = window{earliest: busy, latest: busy.Add(wait + requestGrace), anchored: true}
		if cancelled {
			w.earliest = busy.Add(wait)
		}
		n.Why += "; it came while a reconcile was under way, which ends first"
	}
	return w.toNext(n, o.now), true
}

// lastWrite is the newest lastTransitionTime among the conditions: the
// latest moment the object shows the controller at work.
func (o *observation) lastWrite() time.Time {
	var t time.Time
	for _, c := range o.hr.Status.Conditions {
		if c.LastTransitionTime.After(t) {
			t = c.LastTransitionTime.Time
		}
	}
	return t
}

// cancelsHealthChecks: the reconcile that left the release retrying returns
// through the gate's cancellation, not its retryInterval: Ready says
// HealthCheckCanceled, or the request came while that reconcile ran (its
// Helm action failed after it), so IsObjectEnqueued holds when the error
// returns (HelmReleaseReconciler.reconcileRelease: it checks on any error).
func (o *observation) cancelsHealthChecks(at time.Time) bool {
	c := o.ready
	switch {
	case c == nil:
		return false
	case c.Reason == reasonHealthCheckCanceled:
		return true
	}
	return o.s.CancelHealthCheckOnNewRevision && helmFailure[c.Reason] && at.Before(timeOf(c.LastTransitionTime).Add(lttResolution))
}
