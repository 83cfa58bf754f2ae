package flux_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// The whole path of a flux user: install from the catalog (a wrong checksum
// refused first), list, help, then status and force against a real API
// server, and completion, all through the real flux CLI.
func TestFluxInstallsAndRunsPlugin(t *testing.T) {
	flux := fluxPath(t)
	binDir := kubeBinDir(t)
	rel := getRelease(t)
	good, bad := catalog(t, rel)
	env, pluginDir := fluxEnv(t, bad)
	installed := filepath.Join(pluginDir, "flux-hrretry")

	if r := runFlux(t, env, flux, "version", "--client"); !strings.Contains(r.stdout, "v2.9.5") {
		t.Fatalf("flux is not v2.9.5: %q", r.stdout)
	}

	// A catalog whose checksum is not the archive's: refused, nothing installed.
	r := runFlux(t, env, flux, "plugin", "install", "hrretry")
	if r.code == 0 || !strings.Contains(r.stderr, "checksum verification failed") {
		t.Errorf("a wrong checksum: exit %d, stderr %q; want a refusal naming the checksum", r.code, r.stderr)
	}
	if _, err := os.Stat(installed); err == nil {
		t.Fatalf("a wrong checksum left %s installed", installed)
	}

	env = withEnv(env, "FLUXCD_PLUGIN_CATALOG", good)
	r = runFlux(t, env, flux, "plugin", "install", "hrretry")
	if r.code != 0 {
		t.Fatalf("flux plugin install hrretry: exit %d", r.code)
	}
	if fi, err := os.Stat(installed); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Fatalf("flux plugin install left no executable %s: %v", installed, err)
	}

	r = runFlux(t, env, flux, "plugin", "list")
	if !listed(r.stdout, "hrretry", "0.1.0", installed) {
		t.Errorf("flux plugin list does not list hrretry 0.1.0 at %s:\n%s", installed, r.stdout)
	}

	// flux runs it as flux-hrretry: it speaks as `flux hrretry`.
	r = runFlux(t, env, flux, "hrretry", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "\n  flux hrretry [command]\n") || strings.Contains(r.stdout, "kubectl hrretry") {
		t.Errorf("flux hrretry --help (exit %d) does not speak as flux hrretry:\n%s", r.code, r.stdout)
	}
	r = runFlux(t, env, flux, "hrretry", "status", "--help")
	if !strings.Contains(r.stdout, "\n  flux hrretry status -A\n") {
		t.Errorf("flux hrretry status --help: the examples do not say flux hrretry:\n%s", r.stdout)
	}
	if r = runFlux(t, env, flux, "hrretry", "version"); !strings.HasPrefix(r.stdout, "flux-hrretry v0.1.0 (commit fluxtest") {
		t.Errorf("flux hrretry version = %q", r.stdout)
	}
	if r = runFlux(t, env, flux, "hrretry", "status", "--bogus"); r.code != 2 || !strings.Contains(r.stderr, "See 'flux hrretry status --help' for usage.") {
		t.Errorf("a usage error: exit %d, stderr %q", r.code, r.stderr)
	}

	admin, kubeconfig := seededControlPlane(t, binDir)
	env = withEnv(env, "KUBECONFIG", kubeconfig)
	againstCluster(t, env, flux, admin)
}

// againstCluster runs status, force and completion against the seeded fleet.
func againstCluster(t *testing.T, env []string, flux string, admin client.Client) {
	r := runFlux(t, env, flux, "hrretry", "status", "-A")
	if r.code != 0 {
		t.Errorf("flux hrretry status -A: exit %d", r.code)
	}
	for _, hr := range fixtures.Fleet() {
		if !strings.Contains(r.stdout, hr.Name) {
			t.Errorf("flux hrretry status -A does not list %s/%s", hr.Namespace, hr.Name)
		}
	}
	// The way out of a stalled release is a command to paste into this shell.
	r = runFlux(t, env, flux, "hrretry", "status", "search", "-n", "shop")
	if !strings.Contains(r.stdout, "\n  flux hrretry force search -n shop") || strings.Contains(r.stdout, "kubectl hrretry") {
		t.Errorf("the detail view's way out does not say flux hrretry:\n%s", r.stdout)
	}

	r = runFlux(t, env, flux, "hrretry", "force", "search", "-n", "shop", "--reset", "--wait=false")
	if r.code != 0 || !strings.Contains(r.stdout, "shop/search  patched") {
		t.Errorf("flux hrretry force search -n shop --reset --wait=false: exit %d, stdout %q", r.code, r.stdout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var hr v2.HelmRelease
	if err := admin.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "search"}, &hr); err != nil {
		t.Fatal(err)
	}
	a := hr.GetAnnotations()
	if a["reconcile.fluxcd.io/forceAt"] == "" || a["reconcile.fluxcd.io/resetAt"] != a["reconcile.fluxcd.io/forceAt"] {
		t.Errorf("force did not set forceAt and resetAt to one token: %v", a)
	}

	// Completion is delegated: flux runs `flux-hrretry __complete ...`.
	if r = runFlux(t, env, flux, "__complete", "hrretry", "st"); !hasCandidate(r.stdout, "status") {
		t.Errorf("flux __complete hrretry st offers no status:\n%s", r.stdout)
	}
	r = runFlux(t, env, flux, "__complete", "hrretry", "status", "-n", "shop", "")
	for _, hr := range fixtures.Fleet() {
		if hr.Namespace == "shop" && !hasCandidate(r.stdout, hr.Name) {
			t.Errorf("flux __complete hrretry status -n shop \"\" offers no %s:\n%s", hr.Name, r.stdout)
		}
	}
	if r = runFlux(t, env, flux, "__complete", "hrretry", "force", "-n", "shop", "se"); !hasCandidate(r.stdout, "search") {
		t.Errorf("flux __complete hrretry force -n shop se offers no search:\n%s", r.stdout)
	}
}

// seededControlPlane starts kube-apiserver and etcd with the HelmRelease
// CRD, seeds the fleet and writes an admin kubeconfig.
func seededControlPlane(t *testing.T, binDir string) (client.Client, string) {
	t.Helper()
	cp, err := controlplane.Start(controlplane.Options{BinDir: binDir, CRDDir: filepath.Join("..", "crd")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	t.Logf("control plane up in %.1fs", cp.Took.Seconds())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := fixtures.NewClient(cp.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if err := fixtures.CreateAll(ctx, admin, fixtures.Fleet(), time.Now()); err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "admin.kubeconfig")
	if err := controlplane.WriteKubeconfig(kubeconfig, "flux-test", cp.Admin); err != nil {
		t.Fatal(err)
	}
	return admin, kubeconfig
}

// withEnv replaces (or adds) one variable.
func withEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}

// listed reports whether a row of `flux plugin list` has these cells.
func listed(table string, cells ...string) bool {
	for _, line := range strings.Split(table, "\n") {
		fields := strings.Fields(line)
		if len(fields) >= len(cells) && slices.Equal(fields[:len(cells)], cells) {
			return true
		}
	}
	return false
}
