package groundtruth

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hrcluster "github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/helmcontroller"
)

// inClusterNamespace makes the controller believe it runs in a pod of
// flux-system: with leader election on, controller-runtime takes the
// Lease's namespace from the service account's namespace file and refuses
// to start without it. The file is mounted in a mount namespace of the
// controller's own (unshare: root only), never on this machine's /run.
const inClusterNamespace = `mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount &&
printf flux-system > /run/secrets/kubernetes.io/serviceaccount/namespace && exec "$0" "$@"`

// TestLeaderLease runs the real helm-controller with leader election on,
// as `flux install` does, and reads its health the way the plugin does
// (cluster.ControllerSettings) while the Deployment's status says one
// replica is available throughout: up while it leads; down, from its
// Lease, once it is SIGKILLed (an OOM kill) and the Lease has expired; up
// again once a new process has taken the Lease over; down once a SIGTERMed
// leader has released it. It logs when each became visible (the figures in
// docs/model.md). Opt-in (HRRETRY_GT_LEASE=1, about 2.5 minutes, root for
// unshare); the waits have deadlines only, no timed assertions.
func TestLeaderLease(t *testing.T) {
	if os.Getenv("HRRETRY_GT_LEASE") != "1" {
		t.Skip("set HRRETRY_GT_LEASE=1 (about 2.5 minutes; needs unshare -m, root)")
	}
	ctx := context.Background()
	bins := findBinaries(t)
	cl := startCluster(t, bins)
	args := append(controllerArgs(5, "", freeAddr(t), freeAddr(t), 4), "--enable-leader-election")
	cl.create(ctx, t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: controllerNamespace}}, helmcontroller.Deployment(args))
	if err := helmcontroller.WriteAvailability(ctx, cl.c, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	hc, err := hrcluster.New(cl.admin, hrcluster.DefaultRate)
	if err != nil {
		t.Fatal(err)
	}
	start := func() *exec.Cmd {
		cmd := exec.Command("unshare", append([]string{"-m", "--propagation", "private", "sh", "-c", inClusterNamespace, bins.controller}, args...)...)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+cl.kubeconfig, "RUNTIME_NAMESPACE="+controllerNamespace)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	// until polls the health the plugin would see until ok says yes.
	until := func(what string, from time.Time, ok func(inspect.Health) bool) inspect.Health {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(time.Second) {
			s, note := hc.ControllerSettings(ctx, controllerNamespace, "helm-controller")
			if ok(s.Controller) {
				t.Logf("%s after %.1fs: %+v", what, time.Since(from).Seconds(), s.Controller)
				return s.Controller
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 2 minutes: %+v (note %q)", what, s.Controller, note)
			}
		}
	}
	renewed := func() time.Time {
		l := &coordinationv1.Lease{}
		if err := cl.c.Get(ctx, client.ObjectKey{Namespace: controllerNamespace, Name: "helm-controller-leader-election"}, l); err != nil || l.Spec.RenewTime == nil {
			t.Fatalf("the controller's Lease: %v", err)
		}
		return l.Spec.RenewTime.Time
	}
	up := func(h inspect.Health) bool { return !h.Down && !h.Unknown }
	down := func(h inspect.Health) bool {
		return h.Down && strings.HasPrefix(h.Reason, "leader-election lease flux-system/helm-controller-leader-election ")
	}

	cmd := start()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	began := time.Now()
	until("leading: a Lease renewed", began, func(inspect.Health) bool {
		l := &coordinationv1.Lease{}
		return cl.c.Get(ctx, client.ObjectKey{Namespace: controllerNamespace, Name: "helm-controller-leader-election"}, l) == nil
	})
	until("leading: up", began, up)

	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	killed, last := time.Now(), renewed()
	h := until("SIGKILLed: down", killed, down)
	if want := last.Add(35 * time.Second); !h.Since.Equal(want.UTC()) {
		t.Errorf("down since %v, want the Lease's expiry %v", h.Since, want)
	}

	cmd = start()
	until("restarted: up once it has taken the Lease over", time.Now(), up)

	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	h = until("SIGTERMed (Lease released): down", time.Now(), down)
	if !strings.Contains(h.Reason, "released by its last holder") {
		t.Errorf("a released Lease: %q", h.Reason)
	}
}
