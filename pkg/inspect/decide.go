package inspect

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition reasons the state machine reads (fluxcd/pkg/apis/meta and
// helm-controller's own).
const (
	reasonProgressing          = "Progressing"
	reasonProgressingWithRetry = "ProgressingWithRetry"
	reasonRetryAfterInterval   = "RetryAfterInterval" // v1.4.0-v1.4.2
	reasonRetriesExceeded      = "RetriesExceeded"
	reasonMissingRollback      = "MissingRollbackTarget"
	reasonAccessDenied         = "AccessDenied"
	reasonInvalidCEL           = "InvalidCELExpression"
	reasonSourceNotReady       = "SourceNotReady"
)

// helmFailure reasons on Ready mean a Helm action ran and failed; any other
// False reason is an error before Helm was reached (values, chart, client).
var helmFailure = map[string]bool{
	v2.InstallFailedReason: true, v2.UpgradeFailedReason: true, v2.TestFailedReason: true,
	v2.RollbackFailedReason: true, v2.UninstallFailedReason: true,
	v2.RollbackSucceededReason: true, v2.UninstallSucceededReason: true,
}

// decide is the state machine. The order of the rules is the order in which
// the controller's Reconcile short-circuits: deletion, suspension, then what
// the last reconcile left behind.
func (o *observation) decide(st *RetryState) (Phase, Next) {
	hr := o.hr
	switch {
	case hr.DeletionTimestamp != nil:
		n := Next{Action: ActionNone, Why: "being deleted: the controller removes its finalizer"}
		if !hr.Spec.Suspend && hr.Status.StorageNamespace != "" {
			n = Next{Action: ActionUninstall, Why: "being deleted: the controller uninstalls the release, then removes its finalizer"}
		}
		return PhaseDeleting, n
	case hr.Spec.Suspend:
		return PhaseSuspended, Next{Action: ActionNone, Why: "suspended: the controller ignores this object until it is resumed"}
	case o.ready == nil && o.reconciling == nil && o.stall == nil && hr.Status.ObservedGeneration <= 0:
		// The CRD defaults observedGeneration to -1; the controller writes
		// conditions on its first reconcile.
		return PhasePending, Next{Action: ActionReconcile, Rule: RuleImmediate,
			Why: "not reconciled yet: the controller acts as soon as it sees the object"}
	case o.newGenerationUnseen():
		// A new generation is reconciled at once (GenerationChangedPredicate
		// in HelmReleaseReconciler.SetupWithManager), even when stalled.
		return PhaseProgressing, Next{Action: ActionReconcile, Rule: RuleImmediate,
			Why: fmt.Sprintf("the spec changed (generation %d, last attempted %d): the controller tries the new spec now, and clears its failure counters once the dependencies, source, values and chart are ready",
				hr.Generation, hr.Status.LastAttemptedGeneration)}
	case o.stall != nil && o.stall.Status == metav1.ConditionTrue:
		st.StallReason = o.stall.Reason
		return PhaseStalled, Next{Action: ActionNone, Why: stalledWhy(o.stall.Reason, st)}
	case o.reconciling != nil && o.reconciling.Status == metav1.ConditionTrue && !o.endedBeforeHelm():
		return o.fromReconciling(st)
	case o.driftCorrectionGaveUp():
		return PhaseFailed, o.driftPeriodicNext()
	case o.ready == nil || o.ready.Status == metav1.ConditionUnknown:
		return PhaseProgressing, Next{Action: ActionReconcile, Why: "the controller is working on it"}
	case o.ready.Status == metav1.ConditionFalse:
		return o.fromNotReady(st)
	}
	return o.fromReady()
}

func stalledWhy(reason string, st *RetryState) string {
	switch reason {
	case reasonRetriesExceeded:
		failed := fmt.Sprintf("%d attempt(s) failed", st.Failures.Count)
		if st.Failures.Allowed >= 0 {
			failed = fmt.Sprintf("%d of %d attempt(s) failed", st.Failures.Count, st.Failures.Allowed)
		}
		return "stalled: " + failed + "; the controller will not try again until the spec changes or a force or reset is requested"
	case reasonMissingRollback:
		return "stalled: the rollback remediation has no earlier release to roll back to"
	case reasonAccessDenied:
		return "stalled: the chart source is in a namespace this release may not read"
	case reasonInvalidCEL:
		return "stalled: a CEL expression in the spec is invalid"
	}
	return "stalled (" + reason + "): nothing happens until the object changes"
}

// endedBeforeHelm: the reconcile marks Reconciling "Fulfilling
// prerequisites" first and leaves it in place when it stops at a dependency,
// the source, the values or the chart (HelmReleaseReconciler.reconcileRelease
// returns before the atomic release deletes it). Ready then says why, with a
// reason that is not a Helm action's. With a Helm failure on Ready instead,
// the prerequisites are being checked for a new attempt: in progress.
func (o *observation) endedBeforeHelm() bool {
	c := o.reconciling
	if c.Reason != reasonProgressing || isRunningMessage(c.Message) {
		return false
	}
	return o.ready != nil && o.ready.Status == metav1.ConditionFalse && beforeHelm(o.ready.Reason)
}

// beforeHelm: a Ready=False reason that says the reconcile stopped before
// any Helm action. HealthCheckCanceled is neither that nor a failure: the
// action ran and a new request cut its health checks short
// (HelmReleaseReconciler.reconcileRelease, CancelHealthCheckOnNewRevision).
func beforeHelm(reason string) bool {
	return !helmFailure[reason] && reason != reasonHealthCheckCanceled
}

// newGenerationUnseen: the spec changed since the last attempt and no
// reconcile of the new generation has ended yet. One that stopped before
// Helm (a dependency, the source, the values or the chart) leaves Ready
// False with its reason, stamped with the generation (fluxcd/pkg/runtime
// conditions.Set records it on every write), and lastAttemptedGeneration
// behind: HelmReleaseReconciler.reconcileRelease sets that only after the
// prerequisites. Such a release waits or backs off like any other.
func (o *observation) newGenerationUnseen() bool {
	hr := o.hr
	if hr.Generation <= hr.Status.ObservedGeneration || hr.Status.LastAttemptedGeneration <= 0 ||
		hr.Generation <= hr.Status.LastAttemptedGeneration {
		return false
	}
	return !o.stoppedBeforeHelm()
}

// stoppedBeforeHelm: the last reconcile of the current generation ended
// before any Helm action.
func (o *observation) stoppedBeforeHelm() bool {
	return o.ready != nil && o.ready.ObservedGeneration >= o.hr.Generation &&
		o.ready.Status == metav1.ConditionFalse && beforeHelm(o.ready.Reason)
}

// fromReconciling reads the Reconciling condition the last reconcile left.
func (o *observation) fromReconciling(st *RetryState) (Phase, Next) {
	c := o.reconciling
	switch c.Reason {
	case reasonProgressingWithRetry:
		if o.correctingDrift() {
			return o.driftNext(st, c)
		}
		if d, ok := retryAfter(c.Message); ok {
			// AtomicRelease: "retrying after <retryInterval>", then the
			// reconciler requeues after the jittered retryInterval.
			return PhaseRetrying, o.retryNext(st, c, d)
		}
		// Same reason without an interval: ErrMustRequeue, an immediate
		// requeue after a remediation while retries are left.
		return PhaseRemediating, o.remediatingNext(st, c)
	case reasonProgressing:
		if r, ok := o.runningAction(); ok {
			switch o.runningOutcome(r) {
			case outcomeErrored:
				return PhaseFailed, o.failedActionNext(st, r)
			case outcomeFailedInStorage:
				// Between the failure and the remediation of one reconcile.
				return o.afterHelmFailure(st)
			}
			return PhaseProgressing, o.runningNext(r)
		}
	}
	return PhaseProgressing, Next{Action: ActionReconcile, Why: "the controller is reconciling it: " + c.Message}
}

// retryNext is the RetryOnFailure wait, anchored on the condition that
// announced it.
func (o *observation) retryNext(st *RetryState, c *metav1.Condition, d time.Duration) Next {
	n := Next{Action: o.retryAction(), Rule: RuleRetryInterval,
		Anchor: &Anchor{Condition: c.Type, Reason: c.Reason, Time: timeOf(c.LastTransitionTime), Interval: Duration(d)},
		Why: fmt.Sprintf("RetryOnFailure: the controller tries again %s after the failure (±%d%% jitter)",
			d, o.s.JitterPercent)}
	return jittered(timeOf(c.LastTransitionTime), d, o.s.JitterPercent, retrySlack).toNext(n, o.now)
}

// remediatingNext is the new attempt after a remediation: the controller
// requeues at once (ErrMustRequeue → Requeue), after its cache wait and
// backoff.
func (o *observation) remediatingNext(st *RetryState, c *metav1.Condition) Next {
	action := o.retryAction()
	f := st.Failures
	if o.absentAfterUpgrade() {
		f = failures(o.hr, v2.ReleaseActionInstall, strategyFor(o.hr, v2.ReleaseActionInstall, o.s))
	}
	why := fmt.Sprintf("RemediateOnFailure: %s attempt %d of %s follows within seconds",
		action, f.Count+1, f.AllowedText())
	switch {
	case st.Remediation.Next != ActionNone && !st.Remediation.Done:
		action = st.Remediation.Next
		why = fmt.Sprintf("RemediateOnFailure: %s first, then attempt %d of %s", action, f.Count+1, f.AllowedText())
	case f.Exhausted:
		action = ActionReconcile
		why = fmt.Sprintf("RemediateOnFailure: the %s retries are exhausted (%d of %s failed): the next reconcile stalls the release", action, f.Count, f.AllowedText())
	}
	e := o.backoffExponent(st)
	n := Next{Action: action, Rule: RuleRemediationBackoff, Bound: e.bound(),
		Anchor: &Anchor{Condition: c.Type, Reason: c.Reason, Time: timeOf(c.LastTransitionTime)}, Why: why + e.note(o.s)}
	w := backoff(timeOf(c.LastTransitionTime), e, o.s)
	if action == st.Remediation.Next {
		// The remediation is this reconcile's next step: AtomicRelease
		// loops to actionForState right after the failed action, with no
		// requeue and no cache wait between (ground truth: 0.0-1.2 s
		// after the failure was written).
		n.Bound = ""
		w = window{earliest: timeOf(c.LastTransitionTime),
			latest: timeOf(c.LastTransitionTime).Add(lttResolution + retrySlack), anchored: true}
	}
	return w.toNext(n, o.now)
}

// absentAfterUpgrade: an uninstall remediated the upgrade, so the release
// is absent and the install that follows is guarded by install.remediation
// (AtomicRelease.actionForState, ReleaseStatusAbsent). The mutant
// MutantUpgradeBudget judges it by the upgrade's retries instead.
func (o *observation) absentAfterUpgrade() bool {
	return o.absent() && newest(o.history) != nil &&
		activeAction(o.hr) == v2.ReleaseActionUpgrade && o.s.Mutant != MutantUpgradeBudget
}

// absent: an uninstall emptied Helm storage. The snapshot says so
// ("uninstalling", "uninstalled"), or, before the snapshot is written, the
// Remediated condition the uninstall remediation set (the real controller
// writes the two in separate patches: 1.2 s apart on a loaded machine in
// ground truth 12 under the cancel setting); a new attempt deletes it.
func (o *observation) absent() bool {
	if latest := newest(o.history); latest != nil && (latest.Status == "uninstalled" || latest.Status == "uninstalling") {
		return true
	}
	c := apimeta.FindStatusCondition(o.hr.Status.Conditions, v2.RemediatedCondition)
	return c != nil && c.Status == metav1.ConditionTrue && c.Reason == v2.UninstallSucceededReason
}

// retryAction is the Helm action of the next attempt after a failure
// (DetermineReleaseState, then actionForState): an install when nothing is
// in Helm storage (absent), otherwise an upgrade of what is there. An
// empty history after an upgrade was attempted means the release is in
// storage but unmanaged (adopted, or its history cleared): upgraded too.
func (o *observation) retryAction() Action {
	latest := newest(o.history)
	switch {
	case latest == nil && o.hr.Status.LastAttemptedReleaseAction == v2.ReleaseActionUpgrade && o.hr.Status.StorageNamespace != "":
		return ActionUpgrade
	case latest == nil || o.absent():
		return ActionInstall
	}
	return ActionUpgrade
}

// fromNotReady handles Ready=False with no Reconciling condition: the
// reconcile ended with an error or a wait.
func (o *observation) fromNotReady(st *RetryState) (Phase, Next) {
	c := o.ready
	switch {
	case c.Reason == reasonRetryAfterInterval:
		if d, ok := retryAfter(c.Message); ok {
			return PhaseRetrying, o.retryNext(st, c, d)
		}
	case c.Reason == v2.DependencyNotReadyReason:
		// RequeueAfter the dependency interval, not jittered.
		return PhaseWaiting, o.dependencyNext()
	case c.Reason == reasonSourceNotReady || (c.Reason == v2.ArtifactFailedReason && retryInSource(c.Message)):
		d := time.Duration(float64(o.s.DependencyRequeue) * (1 + float64(o.s.JitterPercent)/100))
		n := Next{Action: ActionRecheck, Rule: RuleSource, Bound: boundNoCheckTime,
			Why: fmt.Sprintf("waiting for the chart source; checked again every %s", o.s.DependencyRequeue)}
		return PhaseWaiting, unanchored(o.now, d).toNext(n, o.now)
	case helmFailure[c.Reason]:
		return o.afterHelmFailure(st)
	}
	return o.beforeHelmNext()
}

// retryInSource: "Source not ready: artifact not found. Retrying in 30s".
func retryInSource(msg string) bool { return strings.Contains(msg, "artifact not found") }

// afterHelmFailure: a Helm action failed and the controller wrote no
// Reconciling condition (older versions, or a half-written status).
func (o *observation) afterHelmFailure(st *RetryState) (Phase, Next) {
	c := o.ready
	if st.Strategy.Name == RetryOnFailure {
		return PhaseRetrying, o.retryNext(st, c, st.Strategy.RetryInterval.D())
	}
	if c.Reason == v2.TestFailedReason && o.testFailuresIgnored() {
		return PhaseFailed, o.periodicNext(timeOf(c.LastTransitionTime), ActionReconcile,
			"the tests failed, but the remediation ignores test failures: the controller takes the release as in sync and does nothing until the next periodic reconcile")
	}
	// Out of retries, the last failure is still remediated when
	// remediateLastFailure says so (actionForState, ReleaseStatusFailed);
	// the stall follows the remediation (ground-truth scenario 32).
	if st.Failures.Exhausted && st.Remediation.Next == ActionNone {
		st.StallReason = reasonRetriesExceeded
		return PhaseStalled, Next{Action: ActionNone, Why: stalledWhy(reasonRetriesExceeded, st)}
	}
	return PhaseRemediating, o.remediatingNext(st, c)
}

// testFailuresIgnored: the active remediation ignores test failures
// (remediation.ignoreTestFailures, else test.ignoreFailures), so a failed
// test does not make the release Failed (DetermineReleaseState).
func (o *observation) testFailuresIgnored() bool {
	return remediationFor(o.hr, activeAction(o.hr)).MustIgnoreTestFailures(o.hr.GetTest().IgnoreFailures)
}

// fromReady: the last reconcile succeeded; the next one is periodic.
func (o *observation) fromReady() (Phase, Next) {
	hr := o.hr
	if hr.Generation > hr.Status.ObservedGeneration && hr.Status.ObservedGeneration > 0 {
		return PhaseProgressing, Next{Action: ActionReconcile,
			Why: fmt.Sprintf("the spec changed (generation %d, observed %d); the controller reconciles it now", hr.Generation, hr.Status.ObservedGeneration)}
	}
	if hr.Spec.Interval.Duration <= 0 {
		return PhaseReady, Next{Action: ActionNone, Why: "ready; no spec.interval, so no periodic reconcile"}
	}
	return PhaseReady, o.periodicNext(timeOf(o.ready.LastTransitionTime), ActionReconcile,
		// Concatenated, not Sprintf'd: most of a fleet is ready, and this
		// sentence was the listing's costliest (issue 26).
		"ready; reconciled again every "+hr.Spec.Interval.Duration.String()+" (±"+strconv.Itoa(o.s.JitterPercent)+"%), or when the source or spec changes")
}

// periodicNext is the reconcile spec.interval after a successful one
// (jitter.JitteredRequeueInterval(spec.interval) in reconcileRelease).
// The anchor is the last time a condition moved, which is the last
// reconcile only if none happened since (a reconcile that changes nothing
// keeps the old times), so the window is a bound, not an anchored
// prediction.
func (o *observation) periodicNext(anchor time.Time, action Action, why string) Next {
	interval := o.hr.Spec.Interval.Duration
	if interval <= 0 {
		return Next{Action: ActionNone, Why: why + "; no spec.interval, so no periodic reconcile"}
	}
	n := Next{Action: action, Rule: RulePeriodic, Why: why}
	// The timer starts when the reconcile returns, which may be seconds
	// after its last condition write (drift detection, the final patch and
	// its cache wait: ground-truth scenarios 23 and 24 at jitter 0).
	w := jittered(anchor, interval, o.s.JitterPercent, cacheSyncWait+lttResolution)
	if !o.now.Before(w.earliest) {
		// The periodic reconcile may have run already, leaving no trace (an
		// in-sync reconcile moves no condition): the next one is due within
		// an interval from now (ground-truth scenarios 25 and 26).
		w = unanchored(o.now, time.Duration(float64(interval)*(1+float64(o.s.JitterPercent)/100))+cacheSyncWait+lttResolution)
		n.Bound = boundNoPeriodicTrace
	}
	w.anchored = false
	if w.earliest.Before(o.now) {
		w.earliest = o.now
	}
	return w.toNext(n, o.now)
}
