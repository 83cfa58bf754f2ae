package groundtruth

import (
	"fmt"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// The drift scenarios (issue 11, 7). The release's ConfigMap is changed
// behind the controller's back; the next periodic reconcile finds it
// (DetermineReleaseState: Drifted, a server-side dry-run apply).
// With driftDetection.mode enabled, the correction (CorrectClusterDrift, a
// JSON patch as the release's service account) is denied by a
// ValidatingAdmissionPolicy that refuses that account's non-dry-run updates
// of ConfigMaps, so the dry run that detects the drift still works.
// CorrectClusterDrift.Reconcile returns nil whatever happens; AtomicRelease
// then finds the release drifted again, may not run the correction twice
// (cleanReleaseStrategy.MustContinue) and stops: under RetryOnFailure with
// "retrying after <retryInterval>" (ErrRetryAfterInterval), under
// RemediateOnFailure with ProgressingWithRetry and ErrMustRequeue (the
// error backoff). The next attempt is the correction again, never an upgrade.
func driftScenarios() []scenario {
	return []scenario{
		{"23-drift-correction-retry", func(s *stage) { driftCorrectionFails(s, true) }},
		{"24-drift-correction-remediate", func(s *stage) { driftCorrectionFails(s, false) }},
		{"25-drift-warn", driftWarn},
	}
}

// driftInterval is spec.interval of the drift scenarios: drift is found by
// the periodic reconcile.
const driftInterval = "15s"

func driftCorrectionFails(s *stage, retry bool) {
	strategy := remediateBoth
	if retry {
		strategy = retryBoth
	}
	rec := s.driftedRelease("enabled", strategy)
	s.waitFor(rec, "three drift corrections", attemptTimeout(3), func(hr *v2.HelmRelease, a []attempt) bool {
		return started(4)(hr, a)
	})
	s.hold(2 * time.Second)
	s.wantActions(rec, "install", "correct-drift", "correct-drift", "correct-drift")
	failedCorrection := func(hr *v2.HelmRelease) bool { return retrying(hr) && driftedCondition(hr) }
	if retry {
		s.finish(expectReadyOutOfBand(), expectation{Desc: "drift correction failed (RetryOnFailure)", Match: failedCorrection,
			Phase: inspect.PhaseRetrying, Action: correctDrift})
		return
	}
	s.finish(expectReadyOutOfBand(), expectation{Desc: "drift correction failed (RemediateOnFailure)", Match: failedCorrection,
		Phase: inspect.PhaseFailed, Action: correctDrift})
}

// correctDrift is the plugin's name for CorrectClusterDrift.
const correctDrift = inspect.ActionCorrectDrift

// expectReadyOutOfBand: ready, with the drift made behind the controller's
// back; the periodic reconcile then corrects it (the check accepts that: the
// intervention is out of band).
func expectReadyOutOfBand() expectation {
	e := expectReady()
	e.Match = func(hr *v2.HelmRelease) bool { return ready(hr) && reconciling(hr) == nil && !driftedCondition(hr) }
	return e
}

// 25: driftDetection.mode warn: Drifted=True, nothing corrected
// (actionForState: Drifted, no action unless enabled); the release stays
// Ready and is reconciled every interval.
func driftWarn(s *stage) {
	rec := s.driftedRelease("warn", "")
	s.waitFor(rec, "two reconciles after the drift", attemptTimeout(3), func(hr *v2.HelmRelease, a []attempt) bool {
		return started(3)(hr, a) && driftedCondition(hr) && reconciling(hr) == nil
	})
	s.wantActions(rec, "install", "reconcile", "reconcile")
	s.finish(expectReadyOutOfBand(), expectation{Desc: "drifted, mode warn",
		Match: func(hr *v2.HelmRelease) bool { return driftedCondition(hr) && reconciling(hr) == nil },
		Phase: inspect.PhaseReady, Action: inspect.ActionReconcile, Warning: inspect.WarnDrifted})
}

// driftedRelease installs the ok chart as the service account deployer with
// drift detection in mode, then changes its ConfigMap. In mode enabled, the
// correction is denied first.
func (s *stage) driftedRelease(mode, strategy string) *recorder {
	s.t.Helper()
	s.serviceAccount("deployer", []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets", "configmaps"}, Verbs: []string{"*"}}})
	s.publish("app", "ok", "0.1.0")
	rec := s.release("app", spec("app", driftInterval, "serviceAccountName: deployer\ndriftDetection: {mode: "+mode+"}\n"+strategy))
	s.waitFor(rec, "the install", attemptTimeout(1), func(hr *v2.HelmRelease, _ []attempt) bool { return ready(hr) })
	if mode == "enabled" {
		s.denyUpdates("deployer")
	}
	err := rec.interveneWith(intervention{What: "ConfigMap changed (drift)", OutOfBand: true}, func() error {
		cm := &corev1.ConfigMap{}
		if err := s.w.cl.c.Get(s.ctx, client.ObjectKey{Namespace: s.ns, Name: "app-config"}, cm); err != nil {
			return err
		}
		cm.Data["message"] = "drifted"
		return s.w.cl.c.Update(s.ctx, cm)
	})
	if err != nil {
		s.t.Fatalf("changing the ConfigMap: %v", err)
	}
	return rec
}

// denyUpdates makes the API server refuse the service account's
// non-dry-run updates of ConfigMaps in the stage's namespace, and waits a
// little for the policy to be in force.
func (s *stage) denyUpdates(sa string) {
	s.t.Helper()
	name := "gt-deny-" + s.ns
	match := fmt.Sprintf("request.namespace == %q && request.userInfo.username == %q && !request.dryRun",
		s.ns, "system:serviceaccount:"+s.ns+":"+sa)
	fail := admissionv1.Fail
	s.w.cl.create(s.ctx, s.t,
		&admissionv1.ValidatingAdmissionPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: admissionv1.ValidatingAdmissionPolicySpec{
				FailurePolicy: &fail,
				MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionv1.RuleWithOperations{
						Operations: []admissionv1.OperationType{admissionv1.Update},
						Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"},
							Resources: []string{"configmaps"}},
					}}}},
				MatchConditions: []admissionv1.MatchCondition{{Name: "drift-correction", Expression: match}},
				Validations:     []admissionv1.Validation{{Expression: "false", Message: "ground truth: drift correction denied"}},
			},
		},
		&admissionv1.ValidatingAdmissionPolicyBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: name,
				ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny}},
		})
	s.hold(2 * time.Second)
}
