package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// The controller's Deployment says no replica is available, as
// kube-controller-manager writes it after an OOM kill: every prediction
// says the controller is down, status --check reports it, wait fails at
// once with the reason, and so does one begun while it was up; force
// patches and says nothing handles the request now; back to one replica,
// nothing says so. A user who
// may not read the Deployment hears once that its health is unknown. The
// Deployment lives in a namespace of its own (--controller-namespace), so
// the other tests see none.
func TestControllerDown(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	const ns = "hc-e2e"
	if err := fixtures.EnsureNamespace(ctx, h.admin, ns); err != nil {
		t.Fatal(err)
	}
	dep := fixtures.HelmControllerDeployment()
	dep.Namespace = ns
	if err := h.admin.Create(ctx, dep); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.admin.Delete(context.Background(), dep) })
	setAvailable := func(n int32) {
		t.Helper()
		dep.Status = appsv1.DeploymentStatus{ObservedGeneration: dep.Generation, Replicas: 1, ReadyReplicas: n, UpdatedReplicas: 1, AvailableReplicas: n,
			Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: "False", Reason: "MinimumReplicasUnavailable",
				LastTransitionTime: metav1.NewTime(time.Now().Add(-2 * time.Minute).Truncate(time.Second)), LastUpdateTime: metav1.Now()}}}
		if n > 0 {
			dep.Status.Conditions[0].Status, dep.Status.Conditions[0].Reason = "True", "MinimumReplicasAvailable"
		}
		if err := h.admin.Status().Update(ctx, dep); err != nil {
			t.Fatal(err)
		}
	}
	setAvailable(0)
	hc := []string{"--controller-namespace", ns}

	r := h.run(t, userAdmin, append([]string{"status", "-A"}, hc...)...).mustSucceed(t)
	t.Logf("stdout:\n%s", r.stdout)
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.Contains(l, "shop ") && strings.Contains(l, "checkout") && !strings.Contains(l, "(controller down)") {
			t.Errorf("checkout's NEXT does not say the controller is down: %q", l)
		}
	}
	r = h.run(t, userAdmin, append([]string{"status", "checkout", "-n", "shop"}, hc...)...).mustSucceed(t)
	t.Logf("stdout:\n%s", r.stdout)
	if !strings.Contains(r.stdout, "controller down since ") || !strings.Contains(r.stdout, "nothing happens until it is back") {
		t.Errorf("the detail view does not say it:\n%s", r.stdout)
	}

	r = h.run(t, userAdmin, append([]string{"status", "-A", "--check", "-o", "json"}, hc...)...)
	var doc struct {
		Items []struct {
			Namespace, Name, StuckReason string
			Stuck                        bool
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	down := 0
	for _, it := range doc.Items {
		if it.Stuck && strings.HasPrefix(it.StuckReason, "controller down since ") {
			down++
		}
	}
	if r.code != 5 || down == 0 {
		t.Errorf("status --check: exit %d, %d stuck because the controller is down; want 5 and some", r.code, down)
	}

	r = h.run(t, userAdmin, append([]string{"wait", "checkout", "-n", "shop", "--timeout", "10m"}, hc...)...)
	t.Logf("stderr:\n%s", r.stderr)
	if r.code != 1 || !strings.Contains(r.stderr, "controller down since ") ||
		!strings.Contains(r.stderr, "The way out:\n    bring helm-controller back first") {
		t.Errorf("wait: exit %d, want 1 at once with the reason, the way out starting with the controller\n%s", r.code, r.stderr)
	}
	t.Logf("wait with the controller down: exit %d after %.2fs", r.code, r.took.Seconds())

	// force patches (the request stays for when the controller is back)
	// and says at once that nothing handles it now, instead of waiting out
	// --timeout.
	// A release of its own: the request stays on it, and the other tests
	// read the fleet's.
	h.createRelease(t, fixtures.Release{Name: "forced", Namespace: ns, State: fixtures.Retrying})
	r = h.run(t, userAdmin, append([]string{"force", "forced", "-n", ns, "--yes", "--timeout", "2m"}, hc...)...)
	if r.code != 1 || !strings.Contains(r.stdout, ns+"/forced  blocked  patched, but no controller handles it now: controller down since ") {
		t.Errorf("force: exit %d, want 1 at once, blocked\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("force with the controller down: exit %d after %.2fs", r.code, r.took.Seconds())

	setAvailable(1)
	r = h.run(t, userAdmin, append([]string{"status", "-A"}, hc...)...).mustSucceed(t)
	if strings.Contains(r.stdout, "controller down") {
		t.Errorf("one replica available, yet:\n%s", r.stdout)
	}

	// Up when a wait begins, down during it: the wait reads the health
	// again (every 10 s) and fails as one begun while it was down does,
	// instead of waiting out its timeout.
	b := h.start(t, append([]string{"wait", "checkout", "-n", "shop", "--timeout", "2m"}, hc...)...)
	if first := b.next(t); strings.Contains(first, "controller down") {
		t.Fatalf("the controller is up, yet: %s", first)
	}
	setAvailable(0)
	downAt := time.Now()
	b.wait(t)
	t.Logf("wait exited %d, %.1fs after the Deployment said no replica is available", b.code, b.exitedAt.Sub(downAt).Seconds())
	if b.code != 1 || !strings.Contains(b.stderr.String(), "warning: helm-controller "+ns+"/helm-controller is down") ||
		!strings.Contains(b.stderr.String(), "cannot reach ready: controller down since ") {
		t.Errorf("wait: exit %d, want 1 once the controller is down, with the reason", b.code)
	}
	setAvailable(1)

	// The same for force --wait: the request written while the controller
	// is up (its plan on stderr comes after the first health reading), the
	// controller down while force waits for it to be handled.
	h.createRelease(t, fixtures.Release{Name: "forced-up", Namespace: ns, State: fixtures.Retrying})
	f := h.start(t, append([]string{"force", "forced-up", "-n", ns, "--yes", "--timeout", "2m"}, hc...)...)
	if first := f.next(t); !strings.HasPrefix(first, "Requesting a forced reconcile") {
		t.Fatalf("force's plan first, not: %s", first)
	}
	setAvailable(0)
	downAt = time.Now()
	f.wait(t)
	t.Logf("force --wait exited %d, %.1fs after the Deployment said no replica is available", f.code, f.exitedAt.Sub(downAt).Seconds())
	if f.code != 1 || !strings.Contains(f.stdout.String(), ns+"/forced-up  blocked  patched, but no controller handles it now: controller down since ") ||
		!strings.Contains(f.stderr.String(), "warning: helm-controller "+ns+"/helm-controller is down") {
		t.Errorf("force --wait: exit %d, want 1 once the controller is down, blocked", f.code)
	}
	setAvailable(1)

	r = h.run(t, userReadOnly, append([]string{"status", "-A"}, hc...)...).mustSucceed(t)
	if n := strings.Count(r.stderr, "its health is unknown"); n != 1 {
		t.Errorf("a user who may not read the Deployment: %d notes of unknown health, want 1:\n%s", n, r.stderr)
	}
}
