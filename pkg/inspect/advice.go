package inspect

import (
	"fmt"
	"strconv"

	v2 "github.com/fluxcd/helm-controller/api/v2"
)

// Warning codes, stable for scripts.
const (
	WarnStallTrap       = "InstallRetryUpgradeRemediate"
	WarnForceIgnored    = "ForceNotHonoured"
	WarnResetIgnored    = "ResetNotHonoured"
	WarnRequestPending  = "RequestNotHandled"
	WarnSpecChanged     = "SpecChangedSinceLastAttempt"
	WarnRollbackNotData = "RollbackRevertsManifestsNotData"
	WarnDrifted         = "Drifted"
)

// Annotation keys the controller reads (fluxcd/pkg/apis/meta, api/v2).
const (
	AnnotationRequestedAt = "reconcile.fluxcd.io/requestedAt"
	AnnotationForceAt     = "reconcile.fluxcd.io/forceAt"
	AnnotationResetAt     = "reconcile.fluxcd.io/resetAt"
)

// summary is one sentence on what happened.
func summary(st *RetryState) string {
	what := st.LastAction
	if what == "" {
		what = "release"
	}
	switch st.Phase {
	case PhaseReady:
		return "ready" + revisionText(st)
	case PhaseSuspended, PhaseDeleting, PhasePending, PhaseProgressing, PhaseWaiting:
		return string(st.Phase)
	case PhaseFailed:
		if !helmFailure[st.Reason] {
			return fmt.Sprintf("the reconcile failed before Helm ran (%s)", st.Reason)
		}
	}
	s := "the last " + string(what) + " failed"
	switch f := st.Failures; {
	case f.Allowed >= 0 && f.Count > 0:
		s += " (" + itoa(f.Count) + " of " + itoa(f.Allowed) + " allowed attempt(s) failed)"
	case max(f.Count, f.Total) > 0:
		s += " (" + itoa(max(f.Count, f.Total)) + " failure(s) in a row)"
	}
	if st.Remediation.Done {
		s += "; remediated by " + st.Remediation.Strategy
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func revisionText(st *RetryState) string {
	if st.Release.Chart == "" {
		return ""
	}
	return ": " + st.Release.Chart + "@" + st.Release.Version + ", revision " + strconv.Itoa(st.Release.Revision)
}

// nextSteps lists what the user can do, best first: the actions and what
// they do. The command lines and sentences are render's.
func nextSteps(hr *v2.HelmRelease, o *observation, st *RetryState) []Step {
	switch st.Phase {
	case PhaseStalled:
		return stalledSteps(st, attemptsAfterReset(hr, o))
	case PhaseRetrying:
		return []Step{
			{Kind: StepFix, Effect: "fix the cause in the message", Note: "the controller picks the fix up on its next attempt"},
			forceStep("try now instead of waiting out the retry interval"),
		}
	case PhaseRemediating:
		return []Step{
			{Kind: StepWait, Effect: "nothing to do yet", Note: "the controller tries again on its own"},
			forceStep("give RemediateOnFailure all its retries back", "--reset"),
		}
	case PhaseFailed:
		return []Step{{Kind: StepFix, Effect: "fix the cause in the message"}, forceStep("retry now instead of after the backoff")}
	case PhaseWaiting:
		return []Step{{Kind: StepFix, Effect: "make the dependency or chart source Ready", Note: "this release follows on its next check"}}
	case PhaseSuspended:
		return []Step{forceStep("unsuspend and reconcile now", "--resume")}
	case PhasePending:
		return []Step{{Kind: StepCheck, Effect: "check that helm-controller is running and watches this namespace", Note: "if it stays pending"}}
	}
	return nil
}

func forceStep(effect string, flags ...string) Step {
	return Step{Kind: StepForce, Flags: flags, Effect: effect}
}

// attemptsAfterReset is what a reset buys: the attempts allowed by the
// strategy of the action the controller runs next (a failed install in Helm
// storage is upgraded, under the upgrade's strategy), not of the one that
// stalled.
func attemptsAfterReset(hr *v2.HelmRelease, o *observation) string {
	action := v2.ReleaseActionInstall
	if o.retryAction() == ActionUpgrade {
		action = v2.ReleaseActionUpgrade
	}
	strategy := strategyFor(hr, action, o.s)
	allowed := failures(hr, action, strategy).AllowedText()
	return fmt.Sprintf("%s attempt(s) of %s under %s", allowed, action, strategy.Name)
}

func stalledSteps(st *RetryState, afterReset string) []Step {
	const noForce = "force will not help"
	switch st.StallReason {
	case reasonAccessDenied:
		return []Step{{Kind: StepFix, Effect: "allow the cross-namespace reference (or move the source into this namespace)", Note: noForce}}
	case reasonInvalidCEL:
		return []Step{{Kind: StepFix, Effect: "fix the CEL expression in spec.healthCheckExprs or spec.dependsOn", Note: noForce}}
	case reasonMissingRollback:
		return []Step{forceStep("forces an upgrade instead of the impossible rollback")}
	}
	out := []Step{forceStep("one more attempt, despite the exhausted retries")}
	if st.Strategy.Name == RemediateOnFailure {
		reset := forceStep("reset the failure counters", "--reset")
		reset.Note = afterReset
		out = append(out, reset)
	}
	return append(out, Step{Kind: StepChange, Effect: "change the chart version or values", Note: "the controller resets the counters itself"})
}

// warnings are the things a careful operator wants to know.
func warnings(hr *v2.HelmRelease, o *observation, st *RetryState) []Warning {
	var out []Warning
	add := func(code, format string, args ...any) {
		out = append(out, Warning{Code: code, Message: fmt.Sprintf(format, args...)})
	}
	install := strategyFor(hr, v2.ReleaseActionInstall, o.s)
	upgrade := strategyFor(hr, v2.ReleaseActionUpgrade, o.s)
	if install.Name == RetryOnFailure && upgrade.Name == RemediateOnFailure {
		// Once a failed install is in Helm storage the retry is an upgrade
		// and the upgrade strategy rules (GetActiveRetry).
		when := "once a failed install is in Helm storage, the retry is an upgrade"
		if hr.Status.LastAttemptedReleaseAction == v2.ReleaseActionInstall && newest(o.history) != nil && st.Phase == PhaseRetrying {
			when = "the next attempt is an upgrade of the failed install"
		}
		add(WarnStallTrap, "install uses RetryOnFailure but upgrade uses RemediateOnFailure: %s, and its failure will stall the release. Set .spec.upgrade.strategy.name: RetryOnFailure", when)
	}
	ann := hr.GetAnnotations()
	token, handled := ann[AnnotationRequestedAt], hr.Status.LastHandledReconcileAt
	switch {
	case token != "" && token != handled:
		if r, ok := o.runningAction(); ok && st.Phase == PhaseProgressing {
			add(WarnRequestPending, "a reconcile request (%s) has not been handled by the controller yet: it waits until the running %s and its reconcile end", token, r.action)
			break
		}
		add(WarnRequestPending, "a reconcile request (%s) has not been handled by the controller yet", token)
	case token != "":
		// HandleAnnotationRequest records lastHandledForceAt/ResetAt only when
		// the reconcile reached the Helm action; earlier exits leave them.
		if ann[AnnotationForceAt] == token && hr.Status.LastHandledForceAt != token {
			add(WarnForceIgnored, "the force request %s was handled as a plain reconcile but not honoured: the controller stopped before choosing a Helm action (dependency, source, values or chart not ready)", token)
		}
		if ann[AnnotationResetAt] == token && hr.Status.LastHandledResetAt != token {
			add(WarnResetIgnored, "the reset request %s was handled as a plain reconcile but not honoured: the failure counters were not reset", token)
		}
	}
	if last := hr.Status.LastAttemptedGeneration; last != 0 && last != hr.Generation {
		if o.stoppedBeforeHelm() {
			// action.MustResetFailures runs after the prerequisites.
			add(WarnSpecChanged, "the spec changed since the last attempt (generation %d, last attempted %d), but its reconcile stopped before Helm (%s): the failure counters are cleared only once the dependencies, source, values and chart are ready", hr.Generation, last, o.ready.Reason)
		} else {
			add(WarnSpecChanged, "the spec changed since the last attempt (generation %d, last attempted %d): the next reconcile resets the failure counters and tries the new spec", hr.Generation, last)
		}
	}
	if msg, ok := o.driftWarning(); ok {
		add(WarnDrifted, "%s", msg)
	}
	if st.Strategy.Name == RemediateOnFailure && st.Remediation.Strategy == string(v2.RollbackRemediationStrategy) && rolledBack(o, st) {
		add(WarnRollbackNotData, "a rollback reverts the release's manifests, not its data: migrations, volumes and queues stay where the failed release left them; status or history with --helm-storage lists the concrete hooks, volumes, CRDs and changes")
	}
	return out
}

// rolledBack: a rollback is next, or the last remediation was one.
func rolledBack(o *observation, st *RetryState) bool {
	if st.Remediation.Next == ActionRollback || st.Next.Action == ActionRollback || st.Reason == v2.RollbackSucceededReason {
		return true
	}
	latest := newest(o.history)
	return latest != nil && latest.Action == v2.ReleaseActionRollback
}
