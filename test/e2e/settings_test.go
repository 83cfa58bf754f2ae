package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

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
	dep := fixtures.HelmControllerDeployment("--interval-jitter-percentage=20", "--feature-gates=DefaultToRetryOnFailure=true")
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
