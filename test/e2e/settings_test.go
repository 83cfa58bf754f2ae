package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// helmControllerDeployment is helm-controller as Flux installs it, with the
// two flags that change predictions. Nothing runs it: only its spec is read.
func helmControllerDeployment(args ...string) *appsv1.Deployment {
	labels := map[string]string{"app": "helm-controller"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "helm-controller", Namespace: "flux-system", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "manager",
					Image: "ghcr.io/fluxcd/helm-controller:v1.6.4",
					Args:  append([]string{"--events-addr=http://notification-controller.flux-system.svc.cluster.local./", "--watch-all-namespaces=true"}, args...),
				}}},
			},
		},
	}
}

// TestControllerSettingsFromDeployment: with --interval-jitter-percentage=20
// and DefaultToRetryOnFailure on, a release without a strategy is predicted
// under RetryOnFailure (source featureGate), the install→upgrade trap
// warning goes away, and the retry window widens to ±20 %.
//
// The Deployment is removed at the end; other tests expect none. This test
// is not parallel, so no other test runs while it exists.
func TestControllerSettingsFromDeployment(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	if err := fixtures.EnsureNamespace(ctx, h.admin, "flux-system"); err != nil {
		t.Fatal(err)
	}
	dep := helmControllerDeployment("--interval-jitter-percentage=20", "--feature-gates=DefaultToRetryOnFailure=true")
	if err := h.admin.Create(ctx, dep); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.admin.Delete(context.Background(), dep); err != nil {
			t.Errorf("removing the Deployment: %v", err)
		}
	})

	r := h.run(t, userAdmin, "status", "-A", "-o", "json").mustSucceed(t)
	if strings.Contains(r.stderr, "note:") {
		t.Errorf("the Deployment is readable, yet: %s", r.stderr)
	}
	docs := decodeList(t, r.stdout)

	if s := docs["shop/frontend"].Strategy; s.Name != "RetryOnFailure" || s.Source != "featureGate" {
		t.Errorf("frontend (no strategy set) under DefaultToRetryOnFailure: %+v, want RetryOnFailure from featureGate", s)
	}
	if hasWarning(docs["platform/cert-manager"], "InstallRetryUpgradeRemediate") {
		t.Errorf("cert-manager: the upgrade defaults to RetryOnFailure under the gate, but the trap warning remains")
	}
	checkWindow(t, "checkout", docs["shop/checkout"], 5*time.Minute, 20)
	checkWindow(t, "redis", docs["data/redis"], 3*time.Minute, 20)

	// The detail view says the same in words.
	r = h.run(t, userAdmin, "status", "frontend", "-n", "shop").mustSucceed(t)
	if !strings.Contains(r.stdout, "RetryOnFailure") {
		t.Errorf("detail view of frontend does not mention RetryOnFailure:\n%s", r.stdout)
	}
}
