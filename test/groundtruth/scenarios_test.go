package groundtruth

import (
	"slices"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	rbacv1 "k8s.io/api/rbac/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// scenario is one way a release fails, run in its own namespace.
type scenario struct {
	name string
	run  func(s *stage)
}

func scenarios() []scenario {
	return append([]scenario{
		{"01-template-error", templateError},
		{"02-apply-denied", applyDenied},
		{"03-wait-timeout", waitTimeout},
		{"04-test-timeout", testTimeout},
		{"05-storage-deleted", storageDeleted},
		{"06-install-retry-upgrade-remediate", stallTrap},
		{"07-remediate-retries-2", remediateRetries},
		{"08-suspended", suspended},
		{"09-depends-on", dependsOn},
		{"10-fixed", fixed},
		{"11-template-error-remediate", templateErrorDefault},
		{"12-remediate-backoff", remediateBackoff},
	}, slices.Concat(forceScenarios(), wave2Scenarios(), driftScenarios(), remediationScenarios(), historyScenarios(), waitScenarios(), wave3Scenarios())...)
}

// attemptTimeout bounds a step that waits for n attempts: generous, as a
// slow step is not what is tested.
func attemptTimeout(n int) time.Duration { return time.Duration(n)*25*time.Second + 30*time.Second }

// The states a scenario waits for, and expects a phase in.
func retrying(hr *v2.HelmRelease) bool {
	c := reconciling(hr)
	return c != nil && c.Status == metav1.ConditionTrue && c.Reason == "ProgressingWithRetry"
}

func stalled(hr *v2.HelmRelease) bool {
	return apimeta.IsStatusConditionTrue(hr.Status.Conditions, "Stalled")
}

func ready(hr *v2.HelmRelease) bool {
	return apimeta.IsStatusConditionTrue(hr.Status.Conditions, "Ready") && hr.Status.ObservedGeneration == hr.Generation
}

// started: n attempts have started and shown what they do.
func started(n int) func(*v2.HelmRelease, []attempt) bool {
	return func(_ *v2.HelmRelease, a []attempt) bool {
		return len(a) > n || (len(a) == n && !a[n-1].Open)
	}
}

func expectStalled() expectation {
	return expectation{Desc: "stalled", Match: stalled, Phase: inspect.PhaseStalled, Action: inspect.ActionNone}
}

// expectReady: ready and not reconciling at the moment.
func expectReady() expectation {
	return expectation{Desc: "ready", Match: func(hr *v2.HelmRelease) bool { return ready(hr) && reconciling(hr) == nil },
		Phase: inspect.PhaseReady, Action: inspect.ActionReconcile}
}

func expectRetry(action inspect.Action) expectation {
	return expectation{Desc: "retrying after a failed " + string(action), Match: retrying,
		Phase: inspect.PhaseRetrying, Action: action}
}

// wantActions: the controller did what the scenario is about (else the
// scenario, not the plugin, is wrong).
func (s *stage) wantActions(rec *recorder, want ...string) {
	s.t.Helper()
	got := actions(rec.attempts())
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		s.t.Errorf("%s: the controller's attempts were %v, the scenario expects them to begin with %v", rec.name, got, want)
	}
}

// 1: rendering fails before anything reaches Helm storage: the retry is an
// install, forever.
func templateError(s *stage) {
	s.publish("app", "template-error", "0.1.0")
	rec := s.release("app", spec("app", "1m", retryBoth))
	s.waitFor(rec, "4 attempts", attemptTimeout(4), started(4))
	s.wantActions(rec, "install", "install", "install", "install")
	s.finish(expectRetry(inspect.ActionInstall))
}

// 2: the release's service account may read Services but not create them:
// the failed install is stored, then upgrades follow.
func applyDenied(s *stage) {
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets", "configmaps"}, Verbs: []string{"*"}},
		{APIGroups: []string{""}, Resources: []string{"services"}, Verbs: []string{"get", "list", "watch"}},
	}
	s.serviceAccount("deployer", rules)
	s.publish("app", "apply-denied", "0.1.0")
	rec := s.release("app", spec("app", "1m", "serviceAccountName: deployer\n"+retryBoth))
	s.waitFor(rec, "4 attempts", attemptTimeout(4), started(4))
	s.wantActions(rec, "install", "upgrade", "upgrade", "upgrade")
	s.finish(expectation{Desc: "retrying after a failed install in storage", Match: retrying,
		Phase: inspect.PhaseRetrying, Action: inspect.ActionUpgrade})
}

// 3: a Deployment that never becomes ready (no kubelet): the wait times out.
func waitTimeout(s *stage) {
	s.publish("app", "wait-timeout", "0.1.0")
	rec := s.release("app", spec("app", "1m", retryBoth))
	s.waitFor(rec, "4 attempts", attemptTimeout(4), started(4))
	s.wantActions(rec, "install", "upgrade", "upgrade", "upgrade")
	s.finish(expectRetry(inspect.ActionUpgrade))
}

// 4: the chart installs, its test Pod never runs: `helm test` times out.
func testTimeout(s *stage) {
	s.publish("app", "test-hook", "0.1.0")
	rec := s.release("app", spec("app", "1m", "test: {enable: true, timeout: 5s}\n"+retryBoth))
	s.waitFor(rec, "4 attempts", attemptTimeout(4), started(4))
	s.wantActions(rec, "install", "upgrade", "upgrade", "upgrade")
	s.finish(expectRetry(inspect.ActionUpgrade))
}

// 5: a good install, then its Helm storage Secret is deleted. The
// controller does not watch it: the next periodic reconcile installs again.
func storageDeleted(s *stage) {
	s.publish("app", "ok", "0.1.0")
	rec := s.release("app", spec("app", "20s", ""))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, a []attempt) bool { return ready(hr) && len(a) == 1 })
	s.deleteStorage(rec)
	s.waitFor(rec, "two periodic reconciles", attemptTimeout(3), started(3))
	s.wantActions(rec, "install", "install", "reconcile")
	s.finish(expectReady())
}
