package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// The users tests run the plugin as; see rbac_test.go for what each may do.
const (
	userAdmin       = "admin"      // system:masters
	userReadOnly    = "read-only"  // get, list, watch helmreleases
	userPatchOnly   = "patch-only" // get, list, watch, patch helmreleases
	userNoList      = "no-list"    // get helmreleases only
	userUnreachable = "unreachable"
)

// harness is what every test gets: the control plane, an admin client, the
// plugin binary and a kubeconfig per user. Nothing in it changes after
// startHarness returns, except the API server without CRDs, started the
// first time a test asks for it.
type harness struct {
	cp          *controlplane.ControlPlane
	admin       client.Client
	bin         string
	binDir      string
	dir         string
	kubeconfigs map[string]string
	seededAt    time.Time
	noCRD       *bareServer
	others      serverSet // the multi-cluster test's servers
}

// env returns the shared harness, failing the test if it did not start.
func env(t *testing.T) *harness {
	t.Helper()
	h, err := suite()
	if err != nil {
		t.Fatalf("control plane: %v", err)
	}
	return h
}

func startHarness() (h *harness, err error) {
	h = &harness{kubeconfigs: map[string]string{}}
	if h.dir, err = os.MkdirTemp("", "hrretry-e2e-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = h.stop()
			h = nil
		}
	}()
	if h.bin, err = pluginBinary(h.dir); err != nil {
		return h, err
	}
	h.binDir = os.Getenv("KUBEBUILDER_ASSETS")
	if h.binDir == "" {
		h.binDir = controlplane.DefaultBinDir()
	}
	h.cp, err = controlplane.Start(controlplane.Options{BinDir: h.binDir, CRDDir: filepath.Join("..", "crd")})
	if err != nil {
		return h, err
	}
	// The figure the README quotes: etcd + kube-apiserver up, CRD served.
	fmt.Fprintf(os.Stderr, "e2e: control plane started in %.2fs (etcd, kube-apiserver %s, HelmRelease CRD established)\n",
		h.cp.Took.Seconds(), controlplane.KubeVersion)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if h.admin, err = fixtures.NewClient(h.cp.Admin); err != nil {
		return h, err
	}
	if err = h.addUsers(ctx); err != nil {
		return h, err
	}
	h.seededAt = time.Now()
	if err = fixtures.CreateAll(ctx, h.admin, fixtures.Fleet(), h.seededAt); err != nil {
		return h, fmt.Errorf("seeding the fleet: %w", err)
	}
	h.noCRD = &bareServer{binDir: h.binDir, etcdURL: h.cp.EtcdURL(), kubeconfig: filepath.Join(h.dir, "no-crd.kubeconfig")}
	return h, nil
}

// addUsers writes a kubeconfig per user and grants the restricted ones
// their roles, waiting until the authorizer has seen the bindings.
func (h *harness) addUsers(ctx context.Context) error {
	if err := h.writeKubeconfig(userAdmin, h.cp.Admin); err != nil {
		return err
	}
	unreachable := rest.CopyConfig(h.cp.Admin)
	unreachable.Host = "https://127.0.0.1:1" // nothing listens on port 1
	if err := h.writeKubeconfig(userUnreachable, unreachable); err != nil {
		return err
	}
	for _, u := range restrictedUsers() {
		cfg, err := h.cp.AddUser(u.name)
		if err != nil {
			return err
		}
		if err := h.writeKubeconfig(u.name, cfg); err != nil {
			return err
		}
		if err := grant(ctx, h.admin, u); err != nil {
			return err
		}
	}
	return nil
}

// createRelease creates r for one test, and deletes it when the test ends
// (dropping first the finalizer the fixture carries: no controller here
// removes it, and the release would stay, deleting, in the others' lists).
func (h *harness) createRelease(t *testing.T, r fixtures.Release) *v2.HelmRelease {
	t.Helper()
	ctx := context.Background()
	hr, err := fixtures.Create(ctx, h.admin, r, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = h.admin.Get(ctx, client.ObjectKeyFromObject(hr), hr)
		hr.Finalizers = nil
		_ = h.admin.Update(ctx, hr)
		_ = h.admin.Delete(ctx, hr)
	})
	return hr
}

func (h *harness) writeKubeconfig(user string, cfg *rest.Config) error {
	path := filepath.Join(h.dir, user+".kubeconfig")
	h.kubeconfigs[user] = path
	return controlplane.WriteKubeconfig(path, "e2e-"+user, cfg)
}

func (h *harness) stop() error {
	errs := []error{h.others.stopAll()}
	if h.noCRD != nil {
		errs = append(errs, h.noCRD.stop())
	}
	errs = append(errs, h.cp.Stop())
	errs = append(errs, os.RemoveAll(h.dir))
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// pluginBinary is $HRRETRY_BIN (set by `make e2e`), or a fresh build when
// the tests are run by hand with go test.
func pluginBinary(dir string) (string, error) {
	if bin := os.Getenv("HRRETRY_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("HRRETRY_BIN=%s: %w (run `make build`)", bin, err)
		}
		return bin, nil
	}
	bin := filepath.Join(dir, "kubectl-hrretry")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/kubectl-hrretry")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the plugin (HRRETRY_BIN unset): %w\n%s", err, out)
	}
	return bin, nil
}

// bareServer is a second kube-apiserver on the same etcd under another
// key prefix: a cluster where Flux was never installed. start and stop
// exclude each other: a signal may stop the harness while a test is
// starting this server, and it must not be left running.
type bareServer struct {
	binDir, etcdURL, kubeconfig string

	mu      sync.Mutex
	srv     *apiServer
	err     error
	stopped bool
}

// start starts it the first time it is called.
func (b *bareServer) start() (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.stopped:
		return "", errors.New("the harness is stopping")
	case b.srv == nil && b.err == nil:
		b.srv, b.err = startAPIServer(b.binDir, b.etcdURL, "/hrretry-e2e-no-flux", b.kubeconfig)
	}
	return b.kubeconfig, b.err
}

func (b *bareServer) stop() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopped = true
	if b.srv == nil {
		return nil
	}
	return b.srv.Stop()
}
