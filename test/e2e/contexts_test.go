package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// serverSet is the API servers a test started beyond the harness's: the
// harness stops what is left of them when it stops (on a signal too).
type serverSet struct {
	mu      sync.Mutex
	servers []*apiServer
	stopped bool
}

func (s *serverSet) start(binDir, etcdURL, prefix string) (*apiServer, error) {
	return s.startIn(binDir, etcdURL, prefix, "")
}

// startIn starts a server with its certificates in certDir (startServerIn).
func (s *serverSet) startIn(binDir, etcdURL, prefix, certDir string) (*apiServer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil, errors.New("the harness is stopping")
	}
	srv, err := startServerIn(binDir, etcdURL, prefix, certDir)
	if err == nil {
		s.servers = append(s.servers, srv)
	}
	return srv, err
}

// stopAll stops every server, for good: none starts after it.
func (s *serverSet) stopAll() error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	return s.stop(nil)
}

// stop stops one server (nil: every one left).
func (s *serverSet) stop(one *apiServer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	kept := s.servers[:0]
	for _, srv := range s.servers {
		if one == nil || srv == one {
			errs = append(errs, srv.Stop())
		} else {
			kept = append(kept, srv)
		}
	}
	s.servers = kept
	return errors.Join(errs...)
}

// multiNamespace holds the releases seeded in beta and gamma: one
// frontend, two backends (the ones force selects).
const multiNamespace = "multi"

func multiReleases() []fixtures.Release {
	r := func(name, tier string, st fixtures.State) fixtures.Release {
		return fixtures.Release{Name: name, Namespace: multiNamespace, State: st,
			Labels: map[string]string{"team": multiNamespace, "tier": tier}}
	}
	return []fixtures.Release{r("frontend", "frontend", fixtures.Ready),
		r("checkout", "backend", fixtures.Retrying), r("search", "backend", fixtures.Stalled)}
}

// fleetOfClusters is the multi-cluster setting: the harness's cluster
// (alpha, its fleet read only), beta and gamma (two more kube-apiservers on
// the harness's etcd, each with the CRD and multiReleases), and the
// context beta-nolist (beta as a user without any RBAC). One kubeconfig
// holds the four contexts.
type fleetOfClusters struct {
	h            *harness
	kubeconfig   string
	beta, gamma  client.Client
	gammaServer  *apiServer
	gammaStopped bool
}

func startFleetOfClusters(t *testing.T, h *harness) *fleetOfClusters {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f := &fleetOfClusters{h: h, kubeconfig: filepath.Join(h.dir, "contexts.kubeconfig")}
	kc := clientcmdapi.NewConfig()
	add := func(name string, cfg *rest.Config) {
		kc.Clusters[name] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
		kc.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
		kc.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name, Namespace: multiNamespace}
	}
	add("alpha", h.cp.Admin)
	var err error
	for _, name := range []string{"beta", "gamma"} {
		srv, err := h.others.start(h.binDir, h.cp.EtcdURL(), "/hrretry-e2e-"+name)
		if err != nil {
			t.Fatal(err)
		}
		admin, err := serverUser(srv, "admin", "system:masters")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := envtest.InstallCRDs(admin, envtest.CRDInstallOptions{Paths: []string{filepath.Join("..", "crd")}}); err != nil {
			t.Fatalf("installing the CRD in %s: %v", name, err)
		}
		c, err := fixtures.NewClient(admin)
		if err != nil {
			t.Fatal(err)
		}
		if err := fixtures.CreateAll(ctx, c, multiReleases(), time.Now()); err != nil {
			t.Fatalf("seeding %s: %v", name, err)
		}
		add(name, admin)
		if name == "beta" {
			f.beta = c
			nolist, err := serverUser(srv, "no-rbac") // no group, no binding: may do nothing
			if err != nil {
				t.Fatal(err)
			}
			add("beta-nolist", nolist)
			kc.Contexts["beta-nolist"].Cluster = "beta"
		} else {
			f.gamma, f.gammaServer = c, srv
		}
	}
	kc.CurrentContext = "alpha"
	if err = clientcmd.WriteToFile(*kc, f.kubeconfig); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.others.stop(nil); err != nil {
			t.Errorf("stopping beta and gamma: %v", err)
		}
	})
	return f
}

// stopGamma stops gamma's API server: its context now refuses connections.
func (f *fleetOfClusters) stopGamma(t *testing.T) {
	t.Helper()
	if err := f.h.others.stop(f.gammaServer); err != nil {
		t.Fatalf("stopping gamma: %v", err)
	}
	f.gammaStopped = true
}

var tokenRE = regexp.MustCompile(`\(token ([^)]+)\)`)

// forced reads back which releases of namespace multi carry token in both
// annotations, written by the plugin's field manager.
func forced(t *testing.T, c client.Client, token string) []string {
	t.Helper()
	var list v2.HelmReleaseList
	if err := c.List(context.Background(), &list, client.InNamespace(multiNamespace)); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, hr := range list.Items {
		a := hr.GetAnnotations()
		if a["reconcile.fluxcd.io/requestedAt"] != token || a["reconcile.fluxcd.io/forceAt"] != token {
			continue
		}
		for _, mf := range hr.GetManagedFields() {
			if mf.Manager == "hrretry" && strings.Contains(mf.FieldsV1.GetRawString(), "reconcile.fluxcd.io/forceAt") {
				names = append(names, hr.Name)
				break
			}
		}
	}
	return names
}

func TestContexts(t *testing.T) {
	h := env(t)
	f := startFleetOfClusters(t, h)

	// Every running cluster patched through its own client, exactly the
	// selection (the two backends), nothing else.
	r := h.runKubeconfig(t, f.kubeconfig, "force", "-l", "tier=backend", "--contexts", "beta,gamma", "--wait=false")
	if r.code != 0 {
		t.Fatalf("force --contexts beta,gamma: exit %d\n%s", r.code, r.stderr)
	}
	m := tokenRE.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no token in the plan: %q", r.stderr)
	}
	for name, c := range map[string]client.Client{"beta": f.beta, "gamma": f.gamma} {
		if got := forced(t, c, m[1]); strings.Join(got, ",") != "checkout,search" {
			t.Errorf("%s: forced %v; want checkout and search only", name, got)
		}
		for _, rel := range []string{"checkout", "search"} {
			if !strings.Contains(r.stdout, fmt.Sprintf("[%s] multi/%s  patched", name, rel)) {
				t.Errorf("%s: no result line for %s", name, rel)
			}
		}
	}

	f.stopGamma(t)
	var alpha v2.HelmReleaseList // what other tests added is there too
	if err := h.admin.List(context.Background(), &alpha); err != nil {
		t.Fatal(err)
	}
	all := []string{"--contexts", "alpha,beta,beta-nolist,gamma", "--request-timeout", "10s"}

	// The merged table: alpha's fleet and beta's releases, a row for each
	// cluster that could not be read, exit 1.
	r = h.runKubeconfig(t, f.kubeconfig, append([]string{"status", "-A", "--sort-by", "context"}, all...)...)
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || len(lines) < 2 || !strings.HasPrefix(lines[0], "CONTEXT      NAMESPACE  NAME") {
		t.Fatalf("status: exit %d, want 1 and the merged table:\n%s", r.code, r.stdout)
	}
	rows := map[string]int{}
	for _, l := range lines[1:] {
		rows[strings.Fields(l)[0]]++
	}
	if rows["alpha"] != len(alpha.Items) || rows["beta"] != len(multiReleases()) || rows["beta-nolist"] != 1 || rows["gamma"] != 1 {
		t.Errorf("rows per context %v; want alpha's %d, beta's %d and one error row each for beta-nolist and gamma",
			rows, len(alpha.Items), len(multiReleases()))
	}
	for _, want := range []string{
		"beta-nolist  -          -",
		"forbidden: you may not list helmreleases.helm.toolkit.fluxcd.io across all namespaces; ask your cluster admin",
		"gamma        -          -",
		"cannot reach the Kubernetes API server",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the table lacks %q", want)
		}
	}
	if !strings.Contains(r.stderr, "[gamma] cannot reach") || !strings.Contains(r.stderr, "[beta-nolist] forbidden") ||
		!strings.Contains(r.stderr, "Error: 2 of 4 context(s) failed: beta-nolist, gamma") {
		t.Errorf("stderr: %q", r.stderr)
	}

	// Filters apply across the fleet: the stalled releases of both.
	r = h.runKubeconfig(t, f.kubeconfig, append([]string{"status", "-A", "--phase", "stalled"}, all...)...)
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	stalled := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] {
		if fs := strings.Fields(l); fs[4] == "stalled" {
			stalled[fs[0]]++
		} else if fs[4] != "error" {
			t.Errorf("--phase stalled printed %q", l)
		}
	}
	if r.code != 1 || stalled["alpha"] == 0 || stalled["beta"] != 1 {
		t.Errorf("--phase stalled: exit %d, stalled per context %v; want alpha's and beta's search", r.code, stalled)
	}

	// The same as JSON: context on each item, the errors beside them.
	r = h.runKubeconfig(t, f.kubeconfig, append([]string{"status", "-A", "-o", "json"}, all...)...)
	var doc struct {
		Items []struct {
			Context, Namespace, Name string
		} `json:"items"`
		Errors []struct{ Context, Message string } `json:"errors"`
		Loads  []struct{ Context string }          `json:"controllerLoads"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("-o json: %v\n%s", err, r.stdout)
	}
	perContext := map[string]int{}
	for _, it := range doc.Items {
		perContext[it.Context]++
	}
	if r.code != 1 || perContext["alpha"] != len(alpha.Items) || perContext["beta"] != len(multiReleases()) || len(perContext) != 2 {
		t.Errorf("-o json: exit %d, items per context %v", r.code, perContext)
	}
	if len(doc.Errors) != 2 || doc.Errors[0].Context != "beta-nolist" || !strings.Contains(doc.Errors[0].Message, "forbidden") ||
		doc.Errors[1].Context != "gamma" || !strings.Contains(doc.Errors[1].Message, "cannot reach") {
		t.Errorf("-o json errors: %+v", doc.Errors)
	}
	if len(doc.Loads) != 2 {
		t.Errorf("-o json: %d controller loads, want alpha's and beta's", len(doc.Loads))
	}

	// wait: gamma fails the wait, at once (fail fast): beta's checkout,
	// which retries for ever, is not waited for until --timeout.
	r = h.runKubeconfig(t, f.kubeconfig, "wait", "checkout", "--contexts", "beta,gamma", "--timeout", "10m")
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "[gamma] cannot reach the Kubernetes API server") ||
		!strings.Contains(r.stderr, "Error: 1 of 2 context(s) failed: gamma") {
		t.Errorf("wait --contexts beta,gamma: exit %d", r.code)
	}
	fmt.Fprintf(os.Stderr, "e2e: wait --contexts beta,gamma (gamma refused, beta retrying for ever, --timeout 10m): exit %d after %.2fs\n", r.code, r.took.Seconds())

	// force with a stopped cluster: beta is patched, gamma is not, exit 1.
	r = h.runKubeconfig(t, f.kubeconfig, "force", "frontend", "--contexts", "beta,gamma", "--wait=false", "--request-timeout", "10s")
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	m = tokenRE.FindStringSubmatch(r.stderr)
	if r.code != 1 || m == nil || !strings.Contains(r.stderr, "[gamma] cannot reach the Kubernetes API server") {
		t.Fatalf("force with gamma stopped: exit %d, %q", r.code, r.stderr)
	}
	if got := forced(t, f.beta, m[1]); strings.Join(got, ",") != "frontend" {
		t.Errorf("beta: forced %v; want frontend", got)
	}

	deadClusters(t, h, f)
}

// deadClusters: a refused cluster (gamma, stopped), a silent one (a
// listener on 127.0.0.1 that accepts and never answers) and a forbidden
// one (beta-nolist) beside the clusters that answer. Each is a row saying
// why; the silent one costs --context-timeout, not forever; status --check
// keeps the others' releases (exit 6); wait fails fast. The timings are
// printed.
func deadClusters(t *testing.T, h *harness, f *fleetOfClusters) {
	kc, err := clientcmd.LoadFromFile(f.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	silent := *kc.Clusters["alpha"]
	silent.Server = "https://" + silentServer(t)
	kc.Clusters["silent"], kc.Contexts["silent"] = &silent, &clientcmdapi.Context{Cluster: "silent", AuthInfo: "alpha", Namespace: multiNamespace}
	if err := clientcmd.WriteToFile(*kc, f.kubeconfig); err != nil {
		t.Fatal(err)
	}
	fleet := []string{"--contexts", "alpha,beta,beta-nolist,gamma,silent", "--context-timeout", "3s"}

	r := h.runKubeconfig(t, f.kubeconfig, append([]string{"status", "-A"}, fleet...)...)
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	if r.code != 1 || !strings.Contains(r.stdout, "no answer within 3s (--context-timeout): the cluster is slow or unreachable") ||
		!strings.Contains(r.stderr, "Error: 3 of 5 context(s) failed: beta-nolist, gamma, silent") {
		t.Errorf("status with a silent cluster: exit %d", r.code)
	}
	fmt.Fprintf(os.Stderr, "e2e: status -A --contexts (2 answering, 1 forbidden, 1 refused, 1 silent; --context-timeout 3s): exit %d after %.2fs\n", r.code, r.took.Seconds())

	r = h.runKubeconfig(t, f.kubeconfig, append([]string{"status", "-A", "--check", "-o", "json"}, fleet...)...)
	var doc struct {
		Items []struct {
			Context string
			Stuck   bool
		}
		Errors []struct{ Context string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("-o json: %v\n%s", err, r.stdout)
	}
	stuck, items := map[string]int{}, map[string]int{}
	for _, it := range doc.Items {
		items[it.Context]++
		if it.Stuck {
			stuck[it.Context]++
		}
	}
	// beta's stalled search was forced above: not stuck, but listed.
	if r.code != 6 || stuck["alpha"] == 0 || items["beta"] != len(multiReleases()) || len(doc.Errors) != 3 ||
		!strings.Contains(r.stderr, "the 2 other context(s) were read") {
		t.Errorf("status --check with dead clusters: exit %d, items %v, stuck %v, %d errors; want 6, alpha's stuck and beta's listed, 3 errors",
			r.code, items, stuck, len(doc.Errors))
	}

	r = h.runKubeconfig(t, f.kubeconfig, "wait", "checkout", "--contexts", "beta,silent", "--context-timeout", "3s", "--timeout", "10m")
	t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	if r.code != 1 || !strings.Contains(r.stderr, "[silent] no answer to the first LIST within 3s (--context-timeout)") {
		t.Errorf("wait with a silent cluster: exit %d", r.code)
	}
	fmt.Fprintf(os.Stderr, "e2e: wait --contexts beta,silent (--context-timeout 3s, --timeout 10m): exit %d after %.2fs\n", r.code, r.took.Seconds())
}
