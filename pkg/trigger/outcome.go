package trigger

import (
	"slices"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apimeta "k8s.io/apimachinery/pkg/api/meta"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Outcome is what became of one object's request.
type Outcome string

// Outcomes, from best to worst.
const (
	OutcomePatched     Outcome = "patched"      // --wait=false: written, not waited for
	OutcomeDryRun      Outcome = "dry-run"      // nothing written
	OutcomeReady       Outcome = "ready"        // handled, and the release is Ready
	OutcomeNotHonoured Outcome = "not-honoured" // handled as a reconcile, force/reset ignored
	OutcomeFailed      Outcome = "failed"       // handled, and the attempt failed again
	OutcomeStalled     Outcome = "stalled"      // handled, and the release stalled
	OutcomeTimedOut    Outcome = "timed-out"    // not handled (or not finished) in time
	OutcomeBlocked     Outcome = "blocked"      // patched, but no controller can handle it now (down, or none watches it)
	OutcomeRefused     Outcome = "refused"      // not patched (suspended, deleting)
	OutcomeError       Outcome = "error"        // the API request failed
)

// Result is the outcome for one object, with what was read last.
type Result struct {
	Namespace, Name string
	Outcome         Outcome
	Message         string
	State           *inspect.RetryState
	Err             error
}

// Evaluate reads one observed object (decoded by inspect.Read, so its state
// carries the same warnings status shows) and says whether the request carrying
// token has been handled, and with which outcome. It is pure.
//
// helm-controller copies the requestedAt token into
// status.lastHandledReconcileAt when the reconcile that saw it ends (a
// deferred patch), and the force/reset tokens into lastHandledForceAt /
// lastHandledResetAt only when that reconcile got as far as choosing a Helm
// action (meta.HandleAnnotationRequest). So once the reconcile token is
// handled, the status is that reconcile's final word.
func Evaluate(d inspect.Decoded, req Request, now time.Time, s inspect.Settings) (Result, bool) {
	hr := d.Object
	res := Result{Namespace: hr.Namespace, Name: hr.Name}
	if hr.Status.LastHandledReconcileAt != req.Token {
		return res, false
	}
	if !slices.Contains(hr.Finalizers, v2.HelmReleaseFinalizer) && hr.DeletionTimestamp == nil {
		// The first reconcile of a new object only adds the finalizer and
		// requeues at once (HelmReleaseReconciler.Reconcile); it records the
		// token but not the force: the next reconcile honours it.
		return res, false
	}
	st := d.Analyze(now, s)
	res.State = &st
	ready := apimeta.FindStatusCondition(hr.Status.Conditions, "Ready")
	switch {
	case req.Force && hr.Status.LastHandledForceAt != req.Token,
		req.Reset && hr.Status.LastHandledResetAt != req.Token:
		res.Outcome = OutcomeNotHonoured
		res.Message = "handled as a plain reconcile, but the controller stopped before choosing a Helm action: " + reason(st)
	case st.Phase == inspect.PhaseProgressing:
		// A Helm action is still running inside the reconcile that handled
		// the token (the token is written at its end, but a requeue can
		// start the next one at once): keep watching.
		return res, false
	case ready != nil && ready.Status == "True":
		res.Outcome = OutcomeReady
		res.Message = ready.Message
	case st.Phase == inspect.PhaseStalled:
		res.Outcome = OutcomeStalled
		res.Message = reason(st) + "; " + st.Next.Why
	case st.Phase == inspect.PhaseWaiting && !req.Force && !req.Reset:
		res.Outcome = OutcomeNotHonoured
		res.Message = "handled, but the release is waiting: " + reason(st)
	default:
		res.Outcome = OutcomeFailed
		res.Message = reason(st) // render adds the next attempt from State
	}
	return res, true
}

func reason(st inspect.RetryState) string {
	if st.Message == "" {
		return st.Reason
	}
	return st.Message
}
