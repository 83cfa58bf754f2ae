package inspect

import (
	"fmt"
	"slices"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
)

// exponent is what the object tells of the work queue's backoff exponent k
// for this release. helm-controller's rate limiter is
// client-go's ItemExponentialFailureRateLimiter(--min-retry-delay,
// --max-retry-delay) (fluxcd/pkg/runtime controller.GetRateLimiter): the
// delay is base·2^k, where k counts the rate-limited requeues (errors and
// Requeue results) since the item was last forgotten. controller-runtime
// forgets it only on a plain success or a RequeueAfter result
// (pkg/internal/controller.reconcileHandler): not on a TerminalError
// (a stall), and not when helm-controller clears its failure counters
// (action.MustResetFailures on a spec, chart or values change, a handled
// resetAt; HelmReleaseReconciler.reconcileRelease).
type exponent struct {
	// k is the exponent when known, else the lower bound the counters give.
	k int64
	// known is false when the counters may have been cleared during the
	// streak: k may then be anything up to the cap.
	known bool
	// why says what hides k, when it is not known.
	why string
	// extra is how many requeues the work queue may have counted beyond
	// k when k is known: one for a release failing since its creation
	// (sinceCreation).
	extra int64
}

// upper is the longest backoff the exponent allows.
func (e exponent) upper(s Settings) time.Duration {
	if !e.known {
		return s.MaxRetryDelay.D()
	}
	return errorBackoff(e.k+e.extra, s)
}

// bound is Next.Bound for a backoff window of this exponent: empty when k
// is known.
func (e exponent) bound() string {
	if e.known {
		return ""
	}
	return "backoff step unknown: the work queue's count survived " + e.why
}

// note is the sentence a Why adds when k is not known, or may be one more.
func (e exponent) note(s Settings) string {
	if e.known && e.extra > 0 {
		return fmt.Sprintf("; the work queue may count one requeue more than the failures (a loaded controller repeats the requeue that added the finalizer), so the wait is %s or %s",
			errorBackoff(e.k, s), errorBackoff(e.k+e.extra, s))
	}
	if e.known {
		return ""
	}
	return fmt.Sprintf("; the work queue's backoff survived %s, so the wait may be anything up to --max-retry-delay (%s)", e.why, s.MaxRetryDelay)
}

// errorBackoff is the work queue's delay after the n-th consecutive
// rate-limited requeue: base·2^n, capped at --max-retry-delay. Measured on
// v1.6.4 for a release failing since its creation: the requeue that added
// the finalizer counts too, so n = the failures so far (at least 1).
func errorBackoff(n int64, s Settings) time.Duration {
	n = min(max(n, 1), 30)
	d := s.MinRetryDelay.D() << uint(n)
	if d <= 0 || d > s.MaxRetryDelay.D() {
		return s.MaxRetryDelay.D()
	}
	return d
}

// backoffExponent reads k from the failure counters when they can be shown
// to cover the whole streak of requeues; otherwise it says why not.
func (o *observation) backoffExponent(st *RetryState) exponent {
	e := exponent{k: max(st.Failures.Count, st.Failures.Total), known: true}
	hr := o.hr
	switch {
	case o.s.Mutant == MutantExponentUnknown:
		e.known, e.why = false, "nothing (mutant "+string(o.s.Mutant)+")"
	case hr.Status.LastHandledResetAt != "" && !o.succeededSince(hr.Status.LastHandledResetAt):
		e.known, e.why = false, "the reset of the failure counters ("+hr.Status.LastHandledResetAt+")"
	case hr.Status.ObservedGeneration >= 1 && hr.Status.LastAttemptedGeneration > hr.Status.ObservedGeneration &&
		!o.streakSinceSuccess(st):
		// observedGeneration is written on success, a RequeueAfter or a
		// stall, never on a requeue or an error: a newer generation
		// attempted since means the counters were cleared while the queue
		// kept counting.
		e.known, e.why = false, fmt.Sprintf("the spec change to generation %d, which cleared the failure counters", hr.Status.LastAttemptedGeneration)
	case o.failedWithOtherSpec():
		e.known, e.why = false, "a chart or values change, which cleared the failure counters"
	case o.sinceCreation() && o.s.Mutant != MutantCreationRequeueIgnored:
		e.extra = 1
	}
	return e
}

// sinceCreation: nothing in the history succeeded, so the streak may go
// back to the release's creation, when the work queue counted the requeue
// that added the finalizer (HelmReleaseReconciler.Reconcile: AddFinalizer,
// Requeue) beside the failures. A loaded controller may count it twice:
// the next reconcile reads the object from a cache that has not seen the
// finalizer yet and adds it again. Measured on v1.6.4 (the ground truth's
// cancel set, CI of 2026-12-07): finalizer to first reconcile 3.0 and 3.5 s
// (0.75 + 1.5 s of backoff) against 1.1-1.4 s in the runs before, and every
// remediation backoff of those releases one step longer than the failures
// say. The object keeps no trace of it: the first attempt's snapshot is
// gone after an uninstall remediation, and while it is there its start
// cannot tell either (1.7-3.5 s after the creation in the kept runs, to
// the second either way, against the 2.25 s the extra requeue adds). So the window
// holds both steps, and its Why says so (note).
func (o *observation) sinceCreation() bool {
	return !slices.ContainsFunc(o.history, succeeded)
}

// streakSinceSuccess: the history shows a successful install or upgrade
// before the failures of this streak, and no failure between the two that
// the counters do not hold. That success returned a RequeueAfter (the
// periodic reconcile: HelmReleaseReconciler.reconcileRelease), and
// controller-runtime forgot the release's backoff then
// (reconcileHandler: Forget on RequeueAfter); the failures since, each a
// rate-limited requeue (ErrMustRequeue after a remediation), are the ones
// the counters count from the spec change on. The default strategy's
// commonest path: installed, upgraded to a failing version, rolled back.
func (o *observation) streakSinceSuccess(st *RetryState) bool {
	failed := int64(0)
	for _, h := range o.history {
		if succeeded(h) {
			return failed >= 1 && failed == st.Failures.Count
		}
		if releaseAction(h.Action) && h.Status == "failed" {
			failed++
		}
	}
	return false
}

// succeededSince: an install or upgrade succeeded after the RFC 3339 time
// token (the work queue forgot the release then).
func (o *observation) succeededSince(token string) bool {
	t, err := time.Parse(time.RFC3339Nano, token)
	if err != nil {
		return false
	}
	for _, h := range o.history {
		if releaseAction(h.Action) && h.Status != "failed" && h.LastDeployed.After(t) {
			return true
		}
	}
	return false
}

// failedWithOtherSpec: among the failures since the last successful
// install or upgrade, one was of another chart version or values than the
// last attempt.
func (o *observation) failedWithOtherSpec() bool {
	st := o.hr.Status
	for _, h := range o.history {
		if releaseAction(h.Action) && h.Status != "failed" {
			return false
		}
		if h.Status == "failed" && ((st.LastAttemptedConfigDigest != "" && h.ConfigDigest != st.LastAttemptedConfigDigest) ||
			(st.LastAttemptedRevision != "" && h.ChartVersion != st.LastAttemptedRevision)) {
			return true
		}
	}
	return false
}

// succeeded: the snapshot is of an install or upgrade that succeeded.
// The action a snapshot carries is the one that last observed it: on the
// real controller an install's revision 1 shows no action, or "rollback"
// once a rollback superseded it (ground-truth 28, 29). Helm's revision 1 is
// always the install, so a deployed or superseded revision 1 is a
// successful one whatever it says.
func succeeded(h *v2.Snapshot) bool {
	if h.Version == 1 && (h.Status == "deployed" || h.Status == "superseded") {
		return true
	}
	return releaseAction(h.Action) && h.Status != "failed"
}

func releaseAction(a v2.ReleaseAction) bool {
	return a == v2.ReleaseActionInstall || a == v2.ReleaseActionUpgrade
}
