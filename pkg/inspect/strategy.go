package inspect

import (
	v2 "github.com/fluxcd/helm-controller/api/v2"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
)

// activeAction is the spec block whose strategy rules now. The controller
// picks it from status.lastAttemptedReleaseAction (HelmRelease.GetActiveRetry
// and GetActiveRemediation); before any attempt the first one is an install.
func activeAction(hr *v2.HelmRelease) v2.ReleaseAction {
	if hr.Status.LastAttemptedReleaseAction == v2.ReleaseActionUpgrade {
		return v2.ReleaseActionUpgrade
	}
	return v2.ReleaseActionInstall
}

// strategyFor reports the strategy in force for an action, with the same
// defaulting as Install.GetRetry / Upgrade.GetRetry: an unset strategy is
// RemediateOnFailure unless the DefaultToRetryOnFailure gate is on.
func strategyFor(hr *v2.HelmRelease, action v2.ReleaseAction, s Settings) Strategy {
	out := Strategy{Action: string(action), Name: RemediateOnFailure, Source: SourceDefault}
	var retry v2.Retry
	var set bool
	switch action {
	case v2.ReleaseActionUpgrade:
		set = hr.Spec.Upgrade != nil && hr.Spec.Upgrade.Strategy != nil
		retry = hr.GetUpgrade().GetRetry(s.DefaultToRetryOnFailure)
	default:
		set = hr.Spec.Install != nil && hr.Spec.Install.Strategy != nil
		retry = hr.GetInstall().GetRetry(s.DefaultToRetryOnFailure)
	}
	switch {
	case set:
		out.Source = SourceSpec
	case s.DefaultToRetryOnFailure:
		out.Source = SourceFeatureGate
	}
	if isNil(retry) {
		return out
	}
	out.Name = RetryOnFailure
	out.RetryInterval = Duration(retry.GetRetryInterval())
	return out
}

// isNil sees through the typed-nil pointers GetRetry can return.
func isNil(r v2.Retry) bool {
	switch v := r.(type) {
	case nil:
		return true
	case *v2.InstallStrategy:
		return v == nil
	case *v2.UpgradeStrategy:
		return v == nil
	}
	return false
}

// failures mirrors Remediation.GetFailureCount and RetriesExhausted.
func failures(hr *v2.HelmRelease, action v2.ReleaseAction, strategy Strategy) Failures {
	rem := remediationFor(hr, action)
	f := Failures{
		Count:     rem.GetFailureCount(hr),
		Total:     hr.Status.Failures,
		Exhausted: rem.RetriesExhausted(hr),
		Allowed:   int64(rem.GetRetries()) + 1,
	}
	if rem.GetRetries() < 0 {
		f.Allowed = -1
	}
	if strategy.Name == RetryOnFailure {
		// RetryOnFailure ignores the remediation counters: it never stalls.
		f.Allowed, f.Exhausted = -1, false
	}
	return f
}

func remediationFor(hr *v2.HelmRelease, action v2.ReleaseAction) v2.Remediation {
	if action == v2.ReleaseActionUpgrade {
		return hr.GetUpgrade().GetRemediation()
	}
	return hr.GetInstall().GetRemediation()
}

// remediation predicts what RemediateOnFailure runs after the last failure,
// following AtomicRelease.actionForState for ReleaseStatusFailed.
func remediation(hr *v2.HelmRelease, action v2.ReleaseAction, strategy Strategy, f Failures) Remediation {
	rem := remediationFor(hr, action)
	out := Remediation{
		Strategy: string(rem.GetStrategy()),
		Next:     ActionNone,
		Done:     apimeta.IsStatusConditionTrue(hr.Status.Conditions, v2.RemediatedCondition),
	}
	if strategy.Name == RetryOnFailure {
		// No remediation: the failed release stays and is upgraded again.
		out.Strategy = ""
		return out
	}
	// Remediation follows a failed release: once the latest snapshot is no
	// longer "failed" (rolled back, uninstalled, superseded) it has run.
	latest := newest(cleanHistory(hr.Status.History))
	if f.Count <= 0 || out.Done || latest == nil || latest.Status != "failed" {
		return out
	}
	// Once retries are exhausted the last failure is remediated only when
	// remediateLastFailure says so (upgrade: defaults to retries > 0;
	// install: defaults to false).
	if f.Exhausted && !rem.MustRemediateLastFailure() {
		return out
	}
	switch rem.GetStrategy() {
	case v2.RollbackRemediationStrategy:
		out.Next = ActionRollback
		ignore := rem.MustIgnoreTestFailures(hr.GetTest().IgnoreFailures)
		if prev := cleanHistory(hr.Status.History).Previous(ignore); prev != nil {
			out.ToRevision = prev.Version
		}
	case v2.UninstallRemediationStrategy:
		out.Next = ActionUninstall
	}
	return out
}
