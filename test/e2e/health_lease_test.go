package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// The controller's Deployment says one replica is available (its status
// lags, or a controller-manager wrote it before the pod went bad), but its
// leader-election Lease has not been renewed for ten minutes, then (the
// Lease fresh again) its only pod is crash-looping after an OOM kill: each
// time every prediction says the controller is down and why, status
// --check exits 5 with that stuck reason, wait exits 1 at once with it.
// Lease and pod fresh and ready: nothing says so. In a namespace of its
// own (--controller-namespace), so the other tests see neither.
func TestControllerDownLeaseAndPods(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	const ns = "hc-lease-e2e"
	if err := fixtures.EnsureNamespace(ctx, h.admin, ns); err != nil {
		t.Fatal(err)
	}
	dep := fixtures.HelmControllerDeployment() // --enable-leader-election, as flux install writes it
	dep.Namespace = ns
	create(ctx, t, h, dep)
	at := metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
	dep.Status = appsv1.DeploymentStatus{ObservedGeneration: dep.Generation, Replicas: 1, ReadyReplicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1,
		Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: "True", Reason: "MinimumReplicasAvailable",
			LastTransitionTime: at, LastUpdateTime: at}}}
	if err := h.admin.Status().Update(ctx, dep); err != nil {
		t.Fatal(err)
	}
	renewed := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "helm-controller-leader-election", Namespace: ns},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ref("helm-controller-7d9f8b-x2x4q_5b0c"), LeaseDurationSeconds: ref(int32(35)),
			AcquireTime: &metav1.MicroTime{Time: renewed.Add(-time.Hour)}, RenewTime: &metav1.MicroTime{Time: renewed}}}
	create(ctx, t, h, lease)
	hc := []string{"--controller-namespace", ns}

	since := "controller down since " + renewed.Add(35*time.Second).UTC().Format(time.RFC3339)
	expectDown(t, h, hc, since, "leader-election lease "+ns+"/helm-controller-leader-election not renewed by")

	lease.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
	if err := h.admin.Update(ctx, lease); err != nil {
		t.Fatal(err)
	}
	if r := h.run(t, userAdmin, append([]string{"status", "-A"}, hc...)...).mustSucceed(t); strings.Contains(r.stdout, "controller down") {
		t.Errorf("the Lease renewed just now, yet:\n%s", r.stdout)
	}

	// No kubelet here: the pod is written as one would write it, OOM-killed
	// and backing off since a minute ago.
	crashed := time.Now().Add(-time.Minute).Truncate(time.Second)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "helm-controller-7d9f8b-x2x4q", Namespace: ns, Labels: dep.Spec.Template.Labels},
		Spec: *dep.Spec.Template.Spec.DeepCopy()}
	pod.Spec.AutomountServiceAccountToken = ref(false)
	create(ctx, t, h, pod)
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", LastTransitionTime: metav1.NewTime(crashed)}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "manager", Image: dep.Spec.Template.Spec.Containers[0].Image, RestartCount: 6,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 2m40s restarting failed container"}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137,
				StartedAt: metav1.NewTime(crashed.Add(-time.Minute)), FinishedAt: metav1.NewTime(crashed)}}}}}
	if err := h.admin.Status().Update(ctx, pod); err != nil {
		t.Fatal(err)
	}
	expectDown(t, h, hc, "controller down since "+crashed.UTC().Format(time.RFC3339),
		`0 of 1 pod(s) ready; pod helm-controller-7d9f8b-x2x4q: container "manager" crash-looping (CrashLoopBackOff, 6 restart(s), last terminated OOMKilled (exit code 137)`)

	pod.Status.Conditions[0].Status = corev1.ConditionTrue
	pod.Status.ContainerStatuses[0].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}
	if err := h.admin.Status().Update(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if r := h.run(t, userAdmin, append([]string{"status", "-A"}, hc...)...).mustSucceed(t); strings.Contains(r.stdout, "controller down") {
		t.Errorf("the pod ready again, yet:\n%s", r.stdout)
	}
}

// expectDown runs status (table and detail), status --check and wait, and
// checks that each says the controller is down since `since` for why.
func expectDown(t *testing.T, h *harness, hc []string, since, why string) {
	t.Helper()
	r := h.run(t, userAdmin, append([]string{"status", "-A"}, hc...)...).mustSucceed(t)
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.Contains(l, "shop ") && strings.Contains(l, "checkout") && !strings.Contains(l, "(controller down)") {
			t.Errorf("checkout's NEXT does not say the controller is down: %q", l)
		}
	}
	r = h.run(t, userAdmin, append([]string{"status", "checkout", "-n", "shop"}, hc...)...).mustSucceed(t)
	if detail := strings.Join(strings.Fields(r.stdout), " "); !strings.Contains(detail, since) || !strings.Contains(detail, why) ||
		!strings.Contains(detail, "nothing happens until it is back") {
		t.Errorf("the detail view does not say %q (%q):\n%s", since, why, r.stdout)
	}

	r = h.run(t, userAdmin, append([]string{"status", "-A", "--check", "-o", "json"}, hc...)...)
	var doc struct {
		Items []struct {
			Namespace, Name, StuckReason string
			Stuck                        bool
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("status --check -o json: %v\n%s", err, r.stdout)
	}
	down := 0
	for _, it := range doc.Items {
		if it.Stuck && strings.HasPrefix(it.StuckReason, since) && strings.Contains(it.StuckReason, why) {
			down++
		}
	}
	if r.code != 5 || down == 0 {
		t.Errorf("status --check: exit %d, %d stuck because the controller is down (%s); want 5 and some", r.code, down, why)
	}

	r = h.run(t, userAdmin, append([]string{"wait", "checkout", "-n", "shop", "--timeout", "10m"}, hc...)...)
	if msg := strings.Join(strings.Fields(r.stderr), " "); r.code != 1 || !strings.Contains(msg, since) || !strings.Contains(msg, why) {
		t.Errorf("wait: exit %d, want 1 at once with %q (%q)\n%s", r.code, since, why, r.stderr)
	}
	t.Logf("wait with the controller down (%s): exit %d after %.2fs", why, r.code, r.took.Seconds())
}

// create creates obj as admin, deleted when the test ends.
func create(ctx context.Context, t *testing.T, h *harness, obj client.Object) {
	t.Helper()
	if err := h.admin.Create(ctx, obj); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.admin.Delete(context.Background(), obj) })
}

func ref[T any](v T) *T { return &v }
