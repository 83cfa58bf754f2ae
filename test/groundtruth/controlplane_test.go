package groundtruth

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// binaries are the programs the ground truth runs, from the environment the
// Makefile's `groundtruth` target sets.
type binaries struct {
	kubeDir    string // KUBEBUILDER_ASSETS: kube-apiserver, etcd
	plugin     string // HRRETRY_BIN: kubectl-hrretry
	controller string // HELM_CONTROLLER_BIN: helm-controller v1.6.4
}

// findBinaries fails the test under CI=true when a binary is missing, and
// skips it elsewhere (a developer without the control plane built).
func findBinaries(t *testing.T) binaries {
	t.Helper()
	b := binaries{kubeDir: os.Getenv("KUBEBUILDER_ASSETS"), plugin: os.Getenv("HRRETRY_BIN"),
		controller: os.Getenv("HELM_CONTROLLER_BIN")}
	if b.controller == "" && b.kubeDir != "" {
		b.controller = filepath.Join(b.kubeDir, "helm-controller")
	}
	var missing []string
	for _, c := range []struct{ env, path string }{
		{"KUBEBUILDER_ASSETS", filepath.Join(b.kubeDir, "kube-apiserver")},
		{"KUBEBUILDER_ASSETS", filepath.Join(b.kubeDir, "etcd")},
		{"HRRETRY_BIN", b.plugin},
		{"HELM_CONTROLLER_BIN", b.controller},
	} {
		switch fi, err := os.Stat(c.path); {
		case b.kubeDir == "" && c.env == "KUBEBUILDER_ASSETS", c.path == "":
			missing = append(missing, c.env+" is not set")
		case err != nil || fi.Mode()&0o111 == 0:
			missing = append(missing, c.path+" is not an executable")
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("%s: run `make groundtruth` (it builds the binaries and sets these)", strings.Join(slices.Compact(missing), "; "))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return b
}

// crdPaths are the source-controller CRDs kept in test/crd/source-controller
// and the HelmRelease CRD of the controller module the tools module pins, so
// that the CRD always matches the controller binary.
func crdPaths(t *testing.T) []string {
	t.Helper()
	hrCRD := os.Getenv("HELMRELEASE_CRD")
	if hrCRD == "" {
		cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/fluxcd/helm-controller")
		cmd.Dir = filepath.Join("..", "..", ".ci", "helm-controller")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("locating the helm-controller module (set HELMRELEASE_CRD to skip this): %v", err)
		}
		hrCRD = filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "bases", "helm.toolkit.fluxcd.io_helmreleases.yaml")
	}
	return []string{filepath.Join("..", "crd", "source-controller"), hrCRD}
}

// cluster is the running control plane and an admin client for it.
type cluster struct {
	admin      *rest.Config
	c          client.WithWatch
	kubeconfig string // admin kubeconfig file, for the controller and the plugin
}

// startCluster starts etcd and kube-apiserver with the CRDs installed and
// stops them when the test ends.
func startCluster(t *testing.T, b binaries) *cluster {
	t.Helper()
	env := &envtest.Environment{
		BinaryAssetsDirectory:    b.kubeDir,
		CRDInstallOptions:        envtest.CRDInstallOptions{Paths: crdPaths(t), ErrorIfPathMissing: true},
		ControlPlaneStartTimeout: 90 * time.Second,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	start := time.Now()
	cfg, err := env.Start()
	if err != nil {
		_ = env.Stop()
		t.Fatalf("starting the control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	t.Logf("control plane up in %.1fs", time.Since(start).Seconds())

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v2.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatalf("admin client: %v", err)
	}
	kc := filepath.Join(t.TempDir(), "admin.kubeconfig")
	if err := writeKubeconfig(kc, cfg); err != nil {
		t.Fatal(err)
	}
	return &cluster{admin: cfg, c: c, kubeconfig: kc}
}

func writeKubeconfig(path string, cfg *rest.Config) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["admin"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin", Namespace: "default"}
	kc.CurrentContext = "admin"
	return clientcmd.WriteToFile(*kc, path)
}

// apply creates obj, failing the test on error.
func (c *cluster) create(ctx context.Context, t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := c.c.Create(ctx, o); err != nil {
			t.Fatalf("creating %T %s/%s: %v", o, o.GetNamespace(), o.GetName(), err)
		}
	}
}
