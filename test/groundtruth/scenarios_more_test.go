package groundtruth

import (
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// quiet is how long a scenario watches a release the plugin says nothing
// will happen to (two retry intervals and more).
const quiet = 25 * time.Second

// 6: install RetryOnFailure, upgrade left at the default: the retry of the
// failed install is an upgrade. Gate off, the default is RemediateOnFailure
// (0 retries) and its failure stalls the release; with the
// DefaultToRetryOnFailure gate on, the default is RetryOnFailure every 5m
// (HelmRelease Upgrade.GetRetry): retrying, no stall.
func stallTrap(s *stage) {
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "1m", `
install:
  strategy: {name: RetryOnFailure, retryInterval: 10s}
`))
	if defaultToRetry() {
		s.waitFor(rec, "the failed upgrade", attemptTimeout(2), func(hr *v2.HelmRelease, a []attempt) bool {
			return started(2)(hr, a) && retrying(hr) && hr.Status.LastAttemptedReleaseAction == v2.ReleaseActionUpgrade
		})
		s.hold(quiet)
		s.wantActions(rec, "install", "upgrade")
		s.finish(expectation{Desc: "retrying the failed install", Match: retryingAfter(v2.ReleaseActionInstall),
			Phase: inspect.PhaseRetrying, Action: inspect.ActionUpgrade},
			expectation{Desc: "retrying the failed upgrade (gate: RetryOnFailure every 5m)", Match: retryingAfter(v2.ReleaseActionUpgrade),
				Phase: inspect.PhaseRetrying, Action: inspect.ActionUpgrade})
		return
	}
	s.waitFor(rec, "the stall", attemptTimeout(2), func(hr *v2.HelmRelease, _ []attempt) bool { return stalled(hr) })
	s.hold(quiet)
	s.wantActions(rec, "install", "upgrade")
	s.finish(expectStalled(), expectation{Desc: "retrying the failed install", Match: retrying,
		Phase: inspect.PhaseRetrying, Action: inspect.ActionUpgrade, Warning: inspect.WarnStallTrap})
}

// retryingAfter: retrying after a failed action.
func retryingAfter(action v2.ReleaseAction) func(*v2.HelmRelease) bool {
	return func(hr *v2.HelmRelease) bool { return retrying(hr) && hr.Status.LastAttemptedReleaseAction == action }
}

// 7: RemediateOnFailure, 2 retries: install and uninstall three times
// (the last failure is not remediated), then stalled. The strategy is
// explicit (as in 11, 12, 15): the DefaultToRetryOnFailure gate changes
// nothing.
func remediateRetries(s *stage) {
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "1m", `
install:
  strategy: {name: RemediateOnFailure}
  remediation: {retries: 2}
`))
	s.waitFor(rec, "the stall", attemptTimeout(3), func(hr *v2.HelmRelease, _ []attempt) bool { return stalled(hr) })
	s.hold(quiet)
	s.wantActions(rec, "install", "install", "install")
	s.finish(expectStalled(), expectation{Desc: "remediated, retries left", Match: retrying,
		Phase: inspect.PhaseRemediating, Action: inspect.ActionInstall})
}

// 12: as 7 with 4 retries, so that the workqueue backoff after each
// remediation (doubling from 0.75s) outgrows the processing allowance.
func remediateBackoff(s *stage) {
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "1m", `
install:
  strategy: {name: RemediateOnFailure}
  remediation: {retries: 4}
`))
	s.waitFor(rec, "5 attempts", attemptTimeout(5)+60*time.Second, started(5))
	s.wantActions(rec, "install", "install", "install", "install", "install")
	s.finish(expectation{Desc: "remediated, retries left", Match: retrying,
		Phase: inspect.PhaseRemediating, Action: inspect.ActionInstall})
}

// 8: a retrying release is suspended: the retry that was due does nothing.
func suspended(s *stage) {
	s.publish("app", "template-error", "0.1.0")
	rec := s.release("app", spec("app", "1m", retryBoth))
	s.waitFor(rec, "the first retry wait", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return retrying(hr) })
	s.update(rec, "suspended", func(hr *v2.HelmRelease) { hr.Spec.Suspend = true })
	s.hold(quiet)
	s.wantActions(rec, "install")
	s.finish(expectation{Desc: "suspended", Match: func(hr *v2.HelmRelease) bool { return hr.Spec.Suspend },
		Phase: inspect.PhaseSuspended, Action: inspect.ActionNone})
}

// 9: a release waits for a dependency that fails; once the dependency is
// fixed, the next dependency check lets it install.
func dependsOn(s *stage) {
	s.publish("base", "template-error", "0.1.0")
	s.publish("app", "ok", "0.1.0")
	base := s.release("base", spec("base", "1m", retryBoth))
	app := s.release("app", spec("app", "1m", "dependsOn: [{name: base}]"))
	s.waitFor(app, "3 dependency checks", attemptTimeout(1), started(3))
	// base's first retry before the fix: the retrying state it predicts is
	// then resolved, not superseded.
	s.waitFor(base, "base's first retry", attemptTimeout(1), func(hr *v2.HelmRelease, a []attempt) bool {
		// ended too: a fix served while a reconcile runs is picked up
		// after it, so the state that reconcile leaves would not be
		// superseded.
		return started(2)(hr, a) && retrying(hr)
	})
	err := base.intervene("base: chart 0.2.0 fixed", true, func() error {
		return s.w.charts.publish(s.ctx, s.w.cl.c, s.ns, "base", "ok", "0.2.0")
	})
	if err != nil {
		s.t.Fatal(err)
	}
	s.waitFor(app, "the install after the dependency", attemptTimeout(2), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.wantActions(base, "install", "install")
	s.wantActions(app, "recheck", "recheck", "recheck")
	s.finish(expectRetry(inspect.ActionInstall), expectation{Desc: "dependency not ready",
		Match: func(hr *v2.HelmRelease) bool { return readyReason(hr) == v2.DependencyNotReadyReason },
		Phase: inspect.PhaseWaiting, Action: inspect.ActionRecheck})
}

// 10: an upgrade keeps failing; serving a good chart version makes the
// release converge by itself, then it is reconciled every interval.
func fixed(s *stage) {
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "20s", retryBoth))
	s.waitFor(rec, "the first upgrade retry", attemptTimeout(2), started(2))
	s.waitFor(rec, "its failure", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return retrying(hr) })
	err := rec.intervene("chart 0.2.0 fixed", true, func() error {
		return s.w.charts.publish(s.ctx, s.w.cl.c, s.ns, "app", "ok", "0.2.0")
	})
	if err != nil {
		s.t.Fatal(err)
	}
	s.waitFor(rec, "the periodic reconcile after converging", attemptTimeout(2), func(hr *v2.HelmRelease, a []attempt) bool {
		return started(4)(hr, a) && ready(hr)
	})
	s.wantActions(rec, "install", "upgrade", "upgrade", "reconcile")
	s.finish(expectRetry(inspect.ActionUpgrade), expectReady())
}

// 11: the template error of 1 under the default strategy
// (RemediateOnFailure): nothing reached Helm storage, so there is nothing to
// remediate; the reconcile returns the error and the controller retries the
// install with its exponential error backoff. Reconciling keeps the
// "Running 'install'" message of the failed attempt.
func templateErrorDefault(s *stage) {
	s.publish("app", "template-error", "0.1.0")
	rec := s.release("app", spec("app", "1m", "install: {strategy: {name: RemediateOnFailure}}"))
	s.waitFor(rec, "4 attempts", attemptTimeout(4), started(4))
	s.wantActions(rec, "install", "install", "install", "install")
	s.finish(expectation{Desc: "install failed before Helm storage, retried with backoff",
		Match: func(hr *v2.HelmRelease) bool {
			c := reconciling(hr)
			return progressing(c) && c.Message != prerequisites && readyReason(hr) == v2.InstallFailedReason
		},
		Phase: inspect.PhaseFailed, Action: inspect.ActionInstall})
}

func readyReason(hr *v2.HelmRelease) string {
	for _, c := range hr.Status.Conditions {
		if c.Type == "Ready" {
			return c.Reason
		}
	}
	return ""
}

// serviceAccount creates name with a Role of rules in the stage's namespace.
func (s *stage) serviceAccount(name string, rules []rbacv1.PolicyRule) {
	meta := metav1.ObjectMeta{Name: name, Namespace: s.ns}
	s.w.cl.create(s.ctx, s.t,
		&corev1.ServiceAccount{ObjectMeta: meta},
		&rbacv1.Role{ObjectMeta: meta, Rules: rules},
		&rbacv1.RoleBinding{ObjectMeta: meta,
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: s.ns}}})
}

// deleteStorage deletes the release's Helm storage Secrets. The controller
// does not watch them, so this supersedes no prediction; it is out of band:
// the next reconcile installs again.
func (s *stage) deleteStorage(rec *recorder) {
	err := rec.interveneWith(intervention{What: "Helm storage deleted", OutOfBand: true}, func() error {
		return s.w.cl.c.DeleteAllOf(s.ctx, &corev1.Secret{}, client.InNamespace(s.ns),
			client.MatchingLabels{"owner": "helm", "name": rec.name})
	})
	if err != nil {
		s.t.Fatalf("deleting the Helm storage of %s: %v", rec.name, err)
	}
}
