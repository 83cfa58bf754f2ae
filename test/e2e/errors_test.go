package e2e

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

func TestReadOnlyUsersCanRead(t *testing.T) {
	h := env(t)
	for _, user := range []string{userReadOnly, userPatchOnly} {
		r := h.run(t, user, "status", "-A").mustSucceed(t)
		checkTable(t, r.stdout, fleet(true, all))
		// It may not read the controller's Deployment: defaults, and a note.
		if !strings.Contains(r.stderr, "not allowed to get deployment flux-system/helm-controller") {
			t.Errorf("%s: stderr lacks the settings note:\n%s", user, r.stderr)
		}
	}
}

func TestUserWithoutListIsForbidden(t *testing.T) {
	h := env(t)
	const sentence = "forbidden: you may not list helmreleases.helm.toolkit.fluxcd.io "
	for _, tc := range []struct {
		args  []string
		where string
	}{
		{[]string{"status", "-A"}, "across all namespaces"},
		{[]string{"status", "-n", "shop"}, "in namespace shop"},
		{[]string{"status", "-n", "shop", "-o", "json"}, "in namespace shop"},
	} {
		r := h.run(t, userNoList, tc.args...)
		if r.code == 0 || !strings.Contains(r.stderr, sentence+tc.where) {
			t.Errorf("%v as %s: exit %d, stderr %q; want non-zero and %q", tc.args, userNoList, r.code, r.stderr, sentence+tc.where)
		}
		if r.stdout != "" {
			t.Errorf("%v as %s printed to stdout: %q", tc.args, userNoList, r.stdout)
		}
	}
	// get is allowed, so one name works: the message is about list only.
	r := h.run(t, userNoList, "status", "frontend", "-n", "shop").mustSucceed(t)
	if !strings.Contains(r.stdout, "HelmRelease shop/frontend") {
		t.Errorf("get as %s: no detail view:\n%s", userNoList, r.stdout)
	}
}

func TestClusterWithoutFlux(t *testing.T) {
	h := env(t)
	kubeconfig, err := h.noCRD.start()
	if err != nil {
		t.Fatal(err)
	}
	const sentence = "HelmRelease API not found on this cluster — is Flux installed?"
	for name, args := range map[string][]string{
		"list all namespaces": {"status", "-A"},
		"list one namespace":  {"status", "-n", "default"},
		"get by name":         {"status", "web", "-n", "default"},
	} {
		t.Run(name, func(t *testing.T) {
			r := h.runKubeconfig(t, kubeconfig, args...)
			if r.code != 1 || !strings.Contains(r.stderr, sentence) {
				t.Errorf("%v without the CRD: exit %d, stderr %q; want exit 1 and %q", args, r.code, r.stderr, sentence)
			}
		})
	}
}

// TestUnreachableServer: a refused connection fails at once; a server that
// accepts but never answers fails once --request-timeout has passed. The
// time is logged, not asserted: the machine may be slow.
func TestUnreachableServer(t *testing.T) {
	h := env(t)
	r := h.run(t, userUnreachable, "status", "-A", "--request-timeout", "2s")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot reach the Kubernetes API server") {
		t.Errorf("refused: exit %d, stderr %q; want exit 1 and \"cannot reach the Kubernetes API server\"", r.code, r.stderr)
	}
	t.Logf("connection refused: failed after %.2fs", r.took.Seconds())

	silent := silentServer(t)
	kubeconfig := filepath.Join(h.dir, "silent.kubeconfig")
	if err := writeServerKubeconfig(kubeconfig, "https://"+silent, h); err != nil {
		t.Fatal(err)
	}
	r = h.runKubeconfig(t, kubeconfig, "status", "-A", "--request-timeout", "1s")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot reach the Kubernetes API server") {
		t.Errorf("silent server: exit %d, stderr %q; want exit 1 and \"cannot reach the Kubernetes API server\"", r.code, r.stderr)
	}
	t.Logf("server that never answers, --request-timeout 1s: failed after %.2fs", r.took.Seconds())
}

// silentServer accepts TCP connections and never writes a byte, like a
// server behind a black-holing firewall once the handshake is done.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var conns []net.Conn
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// writeServerKubeconfig is the admin kubeconfig pointed at another server.
func writeServerKubeconfig(path, server string, h *harness) error {
	cfg := rest.CopyConfig(h.cp.Admin)
	cfg.Host = server
	return controlplane.WriteKubeconfig(path, "e2e-silent", cfg)
}
