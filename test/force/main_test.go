// Package force tests `kubectl hrretry force` end to end: the plugin binary
// against a real kube-apiserver and etcd, with a small fake controller that
// handles reconcile requests through the status subresource the way
// helm-controller does (lastHandledReconcileAt at the end of the reconcile,
// lastHandledForceAt/ResetAt only when it reached a Helm action).
package force

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// suite is shared by every test of the package.
type suite struct {
	cp          *controlplane.ControlPlane
	admin       client.Client
	bin         string
	kubeconfigs map[string]string // user -> kubeconfig file
}

var s *suite // set once by TestMain, read-only afterwards

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	s, err = start()
	if err != nil {
		// Missing binaries are a failure, never a skip: under CI=true, and
		// outside it too, since `make test` builds them first.
		fmt.Fprintf(os.Stderr, "force e2e: cannot start the control plane: %v\n", err)
		return 1
	}
	defer func() { _ = s.cp.Stop() }()
	return m.Run()
}

func start() (*suite, error) {
	bin := os.Getenv("HRRETRY_BIN")
	if bin == "" {
		return nil, fmt.Errorf("HRRETRY_BIN is not set (run through `make test`)")
	}
	if _, err := exec.LookPath(bin); err != nil {
		return nil, fmt.Errorf("plugin binary: %w", err)
	}
	binDir := os.Getenv("KUBEBUILDER_ASSETS")
	if binDir == "" {
		binDir = controlplane.DefaultBinDir()
	}
	cp, err := controlplane.Start(controlplane.Options{BinDir: binDir, CRDDir: filepath.Join("..", "crd")})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "force e2e: control plane started in %.2fs\n", cp.Took.Seconds())
	st := &suite{cp: cp, bin: bin, kubeconfigs: map[string]string{}}
	if st.admin, err = fixtures.NewClient(cp.Admin); err != nil {
		return st, err
	}
	if err := st.addUsers(); err != nil {
		_ = cp.Stop()
		return nil, err
	}
	return st, nil
}
