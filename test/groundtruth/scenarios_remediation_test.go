package groundtruth

import (
	"fmt"
	"strings"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

func remediationScenarios() []scenario {
	return []scenario{
		{"26-ignore-test-failures", ignoreTestFailures},
		{"27-upgrade-uninstall-remediation", upgradeUninstallRemediation},
		{"28-rollback-error", rollbackError},
		{"29-upgrade-rollback", upgradeRollback},
		{"30-pre-upgrade-hook", preUpgradeHook},
		{"31-default-strategy", defaultStrategy},
	}
}

// remediateBoth is RemediateOnFailure for both actions, explicit so that
// the DefaultToRetryOnFailure gate changes nothing.
const remediateBoth = `
install:
  strategy: {name: RemediateOnFailure}
upgrade:
  strategy: {name: RemediateOnFailure}
`

// 26 (issue 11, 8): <action>.remediation.ignoreTestFailures true and
// test.ignoreFailures unset: the failed test is not counted
// (Test.failure: MustIgnoreTestFailures) and not acted on
// (DetermineReleaseState: no Failed for an ignored test failure, so
// InSync): nothing happens until spec.interval, every interval.
func ignoreTestFailures(s *stage) {
	s.publish("app", "test-hook", "0.1.0")
	rec := s.release("app", spec("app", "20s", `
test: {enable: true, timeout: 5s}
install:
  strategy: {name: RemediateOnFailure}
  remediation: {ignoreTestFailures: true}
upgrade:
  strategy: {name: RemediateOnFailure}
  remediation: {ignoreTestFailures: true}
`))
	s.waitFor(rec, "two periodic reconciles", attemptTimeout(3), started(3))
	s.wantActions(rec, "install", "reconcile", "reconcile")
	if hr := s.get(rec); hr.Status.InstallFailures != 0 {
		s.t.Errorf("installFailures %d: an ignored test failure was counted", hr.Status.InstallFailures)
	}
	s.finish(expectation{Desc: "test failed, failures ignored by the remediation",
		Match: func(hr *v2.HelmRelease) bool {
			return apimeta.IsStatusConditionFalse(hr.Status.Conditions, v2.TestSuccessCondition) && reconciling(hr) == nil
		},
		// Ready stays False/TestFailed while the controller waits for the
		// interval: failing, nothing due before it.
		Phase: inspect.PhaseFailed, Action: inspect.ActionReconcile})
}

// 27 (issue 11, 9): an upgrade failure remediated by uninstall
// (upgrade.remediation.strategy uninstall, 1 retry). After the uninstall the
// release is Absent: the next action is an install, guarded by
// install.remediation (actionForState: Absent), here 0 retries: it fails
// and stalls at once ("Failed to install after 1 attempt(s)").
func upgradeUninstallRemediation(s *stage) {
	s.publish("app", "ok", "0.1.0")
	rec := s.release("app", spec("app", "1h", `
install:
  strategy: {name: RemediateOnFailure}
  remediation: {retries: 0}
upgrade:
  strategy: {name: RemediateOnFailure}
  remediation: {retries: 1, strategy: uninstall}
`))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.publishFix(rec, "app", "wait-timeout", "0.2.0")
	s.waitFor(rec, "the stall", attemptTimeout(3), func(hr *v2.HelmRelease, _ []attempt) bool { return stalled(hr) })
	s.hold(quiet)
	s.wantActions(rec, "install", "upgrade", "install")
	s.finish(expectUninstalledUpgrade()...)
}

// expectUninstalledUpgrade: 27's expectations (also replayed offline by the
// mutation check). After the uninstall the release is Absent, and the install
// that follows is refused once install.remediation's retries are exhausted
// (AtomicRelease.actionForState, ReleaseStatusAbsent), whatever the upgrade's
// budget: the failures the plugin shows are the install's.
func expectUninstalledUpgrade() []expectation {
	return []expectation{expectStalled(), {Desc: "upgrade failure remediated by uninstall", Match: retrying,
		Phase: inspect.PhaseRemediating, Action: inspect.ActionInstall,
		Check: func(hr *v2.HelmRelease, p prediction) string {
			rem := hr.GetInstall().GetRemediation()
			count, allowed := rem.GetFailureCount(hr), int64(rem.GetRetries())+1
			if f := p.RS.Failures; f.Count != count || f.Allowed != allowed {
				return fmt.Sprintf("failures %d/%d, judged by install.remediation (it says %d/%d)", count, allowed, f.Count, f.Allowed)
			}
			return ""
		}}}
}

// 29: an upgrade failure remediated by rollback, 1 retry: upgrade,
// rollback, upgrade, rollback (remediateLastFailure defaults to true when
// retries > 0), then stalled. After each rollback with retries left the
// controller requeues (ErrMustRequeue: the 10 s cache wait, then the
// backoff) and upgrades again (OutOfSync).
func upgradeRollback(s *stage) {
	s.publish("app", "ok", "0.1.0")
	rec := s.release("app", spec("app", "1h", `
install:
  strategy: {name: RemediateOnFailure}
upgrade:
  strategy: {name: RemediateOnFailure}
  remediation: {retries: 1}
`))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.publishFix(rec, "app", "wait-timeout", "0.2.0")
	s.waitFor(rec, "the stall", attemptTimeout(3), func(hr *v2.HelmRelease, _ []attempt) bool { return stalled(hr) })
	s.hold(quiet)
	s.wantActions(rec, "install", "upgrade", "upgrade")
	if hr := s.get(rec); hr.Status.History.Latest() == nil || !strings.HasPrefix(hr.Status.History.Latest().ChartVersion, "0.1.0+") {
		s.t.Errorf("the latest snapshot is %+v; want the rollback to 0.1.0", hr.Status.History.Latest())
	}
	s.finish(expectStalled(), expectation{Desc: "upgrade failure rolled back, retries left", Match: retrying,
		Phase: inspect.PhaseRemediating, Action: inspect.ActionUpgrade})
}

// 28 (issue 11, 10): a rollback that errors without a storage change. The
// release's service account may no longer create Secrets once the failing
// upgrade has written its release (it may still update it): Helm's rollback
// creates the new release Secret first, which is refused, so
// RollbackRemediation.Reconcile returns the error (no new snapshot) and the
// controller retries the rollback with its error backoff.
func rollbackError(s *stage) {
	rules := func(secretVerbs ...string) []rbacv1.PolicyRule {
		return []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: secretVerbs},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"*"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"*"}},
		}
	}
	s.serviceAccount("deployer", rules("*"))
	s.publish("app", "ok", "0.1.0")
	rec := s.release("app", spec("app", "1h", "serviceAccountName: deployer\n"+`
install:
  strategy: {name: RemediateOnFailure}
upgrade:
  strategy: {name: RemediateOnFailure}
  remediation: {retries: 1}
`))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.publishFix(rec, "app", "wait-timeout", "0.2.0")
	s.waitFor(rec, "the running upgrade", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return runningAction(hr, "upgrade") })
	s.waitForSecret("sh.helm.release.v1.app.v2")
	err := rec.interveneWith(intervention{What: "deployer may not create Secrets", OutOfBand: true}, func() error {
		role := &rbacv1.Role{}
		if err := s.w.cl.c.Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: "deployer"}, role); err != nil {
			return err
		}
		role.Rules = rules("get", "list", "watch", "update", "patch", "delete")
		return s.w.cl.c.Update(s.ctx, role)
	})
	if err != nil {
		s.t.Fatal(err)
	}
	s.waitFor(rec, "three rollbacks", attemptTimeout(4), started(5))
	s.hold(2 * time.Second)
	s.wantActions(rec, "install", "upgrade", "rollback", "rollback", "rollback")
	if hr := s.get(rec); hr.Status.History.Latest() == nil || hr.Status.History.Latest().Version != 2 {
		s.t.Errorf("the latest snapshot is %+v; want the failed upgrade (v2): the rollbacks stored nothing", hr.Status.History.Latest())
	}
	s.finish(expectation{Desc: "rollback failed without a storage change",
		Match: func(hr *v2.HelmRelease) bool {
			return runningAction(hr, "rollback") && apimeta.IsStatusConditionFalse(hr.Status.Conditions, v2.RemediatedCondition)
		},
		Phase: inspect.PhaseFailed, Action: inspect.ActionRollback})
}

// waitForSecret waits for a Secret of the stage's namespace to exist.
func (s *stage) waitForSecret(name string) {
	s.t.Helper()
	for deadline := time.Now().Add(attemptTimeout(1)); ; time.Sleep(50 * time.Millisecond) {
		if s.w.cl.c.Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: name}, &corev1.Secret{}) == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("Secret %s never appeared", name)
		}
	}
}

// hookTimeout is spec.timeout of 30: Helm gives the pre-upgrade hook and
// then the resources' wait each this long (helm v4 pkg/action/upgrade.go,
// hooks.go: WatchUntilReady(timeout) per hook).
const hookTimeout = 6 * time.Second

// 30 (issue 11, 5): an upgrade with a pre-upgrade hook. The test marks the
// hook Pod Succeeded shortly before the timeout; Helm then applies the
// Deployment and waits for it, up to the timeout again: the running upgrade
// outlives spec.timeout. While it runs the plugin must not call it overdue.
func preUpgradeHook(s *stage) {
	s.publish("app", "ok", "0.1.0")
	rec := s.release("app", specTimeout("app", "1h", hookTimeout.String(), retryHourly))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	s.publishFix(rec, "app", "hook-wait", "0.2.0")
	s.waitFor(rec, "the running upgrade", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return runningAction(hr, "upgrade") })
	running := firstStateAfter(rec, time.Time{}, func(hr *v2.HelmRelease) bool { return runningAction(hr, "upgrade") })
	pod := s.waitForPod("app-pre-upgrade")
	s.hold(time.Until(running.Add(hookTimeout - 1500*time.Millisecond)))
	if err := s.w.cl.c.Get(s.ctx, client.ObjectKeyFromObject(pod), pod); err != nil {
		s.t.Fatal(err)
	}
	pod.Status.Phase = corev1.PodSucceeded
	if err := s.w.cl.c.Status().Update(s.ctx, pod); err != nil {
		s.t.Fatalf("marking the hook Pod Succeeded: %v", err)
	}
	hookDone := time.Now()
	// Past "started + timeout", while the upgrade still waits for the
	// Deployment: a poll the recorder keeps only if no newer state arrived.
	s.hold(time.Until(running.Add(hookTimeout + 1500*time.Millisecond)))
	if !rec.runPlugin(s.ctx, true) {
		s.t.Errorf("the upgrade ended before %s after it started: the hook phase did not outlive the timeout", hookTimeout+1500*time.Millisecond)
	}
	s.waitFor(rec, "the upgrade's end", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return retrying(hr) })
	ended := firstStateAfter(rec, running, func(hr *v2.HelmRelease) bool { return !runningAction(hr, "upgrade") })
	applied := "never"
	dep := &appsv1.Deployment{}
	if s.w.cl.c.Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: "app-app"}, dep) == nil {
		applied = offset(dep.CreationTimestamp.Time, running.Truncate(time.Second))
	}
	s.note("the upgrade with a pre-upgrade hook ran %.1fs with spec.timeout %s (hook Pod marked Succeeded at +%.1fs, Deployment created at %s (1 s resolution), then its wait)",
		ended.Sub(running).Seconds(), hookTimeout, hookDone.Sub(running).Seconds(), applied)
	s.wantActions(rec, "install", "upgrade")
	s.finish(expectation{Desc: "upgrade running its hook phases",
		Match: func(hr *v2.HelmRelease) bool {
			// Ready is Unknown/Progressing while a release action runs
			// (AtomicRelease.Reconcile); once it failed, it is not running.
			return runningAction(hr, "upgrade") && strings.HasPrefix(hr.Status.LastAttemptedRevision, "0.2.0+") &&
				readyReason(hr) == "Progressing"
		},
		Phase: inspect.PhaseProgressing,
		Check: func(_ *v2.HelmRelease, p prediction) string {
			if p.RS.Next.Overdue {
				return fmt.Sprintf("not overdue while the upgrade runs (run %s)", p.Ran.Format(time.RFC3339Nano))
			}
			return ""
		}})
}

// waitForPod waits for a Pod of the stage's namespace.
func (s *stage) waitForPod(name string) *corev1.Pod {
	s.t.Helper()
	pod := &corev1.Pod{}
	for deadline := time.Now().Add(attemptTimeout(1)); ; time.Sleep(50 * time.Millisecond) {
		if s.w.cl.c.Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: name}, pod) == nil {
			return pod
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("Pod %s never appeared", name)
		}
	}
}

// 31 (the DefaultToRetryOnFailure gate): no strategy set, an install that
// fails in storage. Gate off: RemediateOnFailure with 0 retries, the last
// failure not remediated (install remediateLastFailure defaults to false):
// stalled at once. Gate on: RetryOnFailure with the default retryInterval
// (5m): retrying, next an upgrade (HelmRelease Install.GetRetry).
func defaultStrategy(s *stage) {
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "1h", ""))
	if defaultToRetry() {
		s.waitFor(rec, "the retry wait", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return retrying(hr) })
		s.hold(5 * time.Second)
		s.wantActions(rec, "install")
		s.finish(expectation{Desc: "no strategy, gate on: retrying", Match: retrying,
			Phase: inspect.PhaseRetrying, Action: inspect.ActionUpgrade})
		return
	}
	s.waitFor(rec, "the stall", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return stalled(hr) })
	s.hold(quiet)
	s.wantActions(rec, "install")
	s.finish(expectStalled())
}
