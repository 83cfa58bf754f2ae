package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	k8stesting "k8s.io/client-go/testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// stuckCluster answers no LIST: it fails with err, or, when err is nil,
// holds the request until its context ends (a cluster that never answers).
type stuckCluster struct {
	*clustertest.Fake
	err error
}

func (s stuckCluster) List(ctx context.Context, _ cluster.ListOptions, _ func(cluster.Page) error) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	<-ctx.Done()
	return "", ctx.Err()
}

func (s stuckCluster) Get(ctx context.Context, _, _ string) ([]byte, error) {
	_, err := s.List(ctx, cluster.ListOptions{}, nil)
	return nil, err
}

var refused = &url.Error{Op: "Get", URL: "https://127.0.0.1:1/apis", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}

// contextRun is one run over several contexts: a Cluster per context name
// (testdata/kubeconfig-contexts), and which ones the command connected to.
type contextRun struct {
	*run
	connected []string
}

// clusters are the fakes of the contexts test: east and west serve
// releases, down refuses connections, locked forbids the list.
func clusters(t *testing.T) map[string]Cluster {
	t.Helper()
	locked := clustertest.New()
	locked.Dynamic.PrependReactor("list", "helmreleases", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "", errors.New("RBAC"))
	})
	return map[string]Cluster{
		"east":   clustertest.New(states(t, "ready", "retrying-upgrade")...),
		"west":   clustertest.New(states(t, "ready", "stalled-retries-exceeded", "suspended")...),
		"down":   stuckCluster{Fake: clustertest.New(), err: refused},
		"locked": locked,
	}
}

// fakeOf is the fake behind a context of clusters.
func fakeOf(t *testing.T, cs map[string]Cluster, name string) *clustertest.Fake {
	t.Helper()
	f, ok := cs[name].(*clustertest.Fake)
	if !ok {
		t.Fatalf("context %s is not a plain fake", name)
	}
	return f
}

func executeContexts(t *testing.T, cs map[string]Cluster, args ...string) *contextRun {
	t.Helper()
	r := &contextRun{run: &run{}}
	var out, errOut bytes.Buffer
	var mu sync.Mutex
	deps := testDeps(nil, "", r.run, &out, &errOut)
	deps.Cluster = func(getter genericclioptions.RESTClientGetter, _ cluster.Rate) (Cluster, error) {
		cf, ok := getter.(*genericclioptions.ConfigFlags)
		if !ok || cf.Context == nil {
			return nil, errors.New("not the flags of one context")
		}
		name := *cf.Context
		mu.Lock()
		r.connected = append(r.connected, name)
		mu.Unlock()
		c, ok := cs[name]
		if !ok {
			return nil, fmt.Errorf("loading the kubeconfig: context %q does not exist", name)
		}
		return c, nil
	}
	root := NewRootCmd(deps)
	root.SetArgs(append([]string{"--kubeconfig", filepath.Join("testdata", "kubeconfig-contexts")}, args...))
	r.code = ExitCode(context.Background(), root.Execute(), &errOut)
	r.stdout, r.stderr = out.String(), errOut.String()
	t.Logf("kubectl hrretry %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

func TestContextsStatusMergesAndReportsEachFailure(t *testing.T) {
	r := executeContexts(t, clusters(t), "status", "--contexts", "east,west,down,locked", "--sort-by", "name")
	if r.code != ExitFailed {
		t.Errorf("two clusters failed: exit %d, want %d", r.code, ExitFailed)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	want := []string{"CONTEXT  NAME", "east     ready", "west     ready", "east     retrying-upgrade", "west     stalled-retries-exceeded",
		"west     suspended", "down     -", "locked   -"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d: the releases of both clusters sorted by name across them, then a row per failed cluster", len(lines), len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want it to start with %q", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[6], "error") || !strings.Contains(lines[6], "cannot reach the Kubernetes API server (connection refused)") ||
		!strings.Contains(lines[7], "forbidden: you may not list helmreleases.helm.toolkit.fluxcd.io in namespace apps; ask your cluster admin") {
		t.Errorf("each failed cluster's row says why:\n%s\n%s", lines[6], lines[7])
	}
	if !strings.Contains(r.stderr, "[down] cannot reach") || !strings.Contains(r.stderr, "[locked] forbidden") ||
		!strings.Contains(r.stderr, "Error: 2 of 4 context(s) failed: down, locked") {
		t.Errorf("stderr names each failed cluster and why: %q", r.stderr)
	}
}

func TestContextsStatusJSON(t *testing.T) {
	r := executeContexts(t, clusters(t), "status", "--contexts", "east,down", "-o", "json")
	var doc render.ListDocument
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("-o json: %v", err)
	}
	if r.code != ExitFailed || len(doc.Items) != 2 || doc.Items[0].Context != "east" || doc.Items[1].Context != "east" {
		t.Errorf("exit %d, items %d: want east's two releases, each with its context", r.code, len(doc.Items))
	}
	if len(doc.Errors) != 1 || doc.Errors[0].Context != "down" || !strings.Contains(doc.Errors[0].Message, "connection refused") {
		t.Errorf("errors %+v: want down's", doc.Errors)
	}
	if len(doc.ControllerLoads) != 1 || doc.ControllerLoads[0].Context != "east" || doc.ControllerLoad != nil {
		t.Errorf("loads %+v: one per cluster read, each with its context", doc.ControllerLoads)
	}
}

func TestContextsFiltersAcrossTheFleet(t *testing.T) {
	r := executeContexts(t, clusters(t), "status", "--contexts", "west,east", "--phase", "ready", "--no-headers")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != ExitOK || len(lines) != 2 || !strings.HasPrefix(lines[0], "west  ready ") || !strings.HasPrefix(lines[1], "east  ready ") {
		t.Errorf("exit %d: want the ready release of west, then of east (the order of --contexts)", r.code)
	}
}

func TestAllContextsIsEveryContextSorted(t *testing.T) {
	r := executeContexts(t, clusters(t), "status", "--all-contexts", "-o", "name")
	if r.code != ExitFailed || strings.Count(r.stdout, "\n") != 5 {
		t.Errorf("exit %d; want 5 names from east and west, exit 1 for down and locked", r.code)
	}
	if i, j := strings.Index(r.stderr, "[down]"), strings.Index(r.stderr, "[locked]"); i < 0 || j < i {
		t.Errorf("the contexts in sorted order: %q", r.stderr)
	}
	if len(r.connected) != 4 {
		t.Errorf("connected to %v; want every context", r.connected)
	}
}

// A cluster that never answers cannot hold the others past --context-timeout.
func TestContextsTimeoutPerCluster(t *testing.T) {
	cs := clusters(t)
	cs["down"] = stuckCluster{Fake: clustertest.New()}
	r := executeContexts(t, cs, "status", "--contexts", "east,down", "--context-timeout", "20ms")
	if r.code != ExitFailed || !strings.Contains(r.stdout, "east     ready") ||
		!strings.Contains(r.stdout, "no answer within 20ms (--context-timeout): the cluster is slow or unreachable") {
		t.Errorf("exit %d: want east's rows and down's timeout", r.code)
	}
	cmd, _, err := NewRootCmd(testDeps(nil, "", &run{}, nil, nil)).Find([]string{"status"})
	if err != nil || cmd.Flags().Lookup("context-timeout").DefValue != "30s" {
		t.Errorf("--context-timeout's default: want 30s")
	}

	// wait: the first LIST must come within it; then the watch is bounded
	// by --timeout alone.
	r = executeContexts(t, cs, "wait", "ready", "--contexts", "east,down", "--context-timeout", "20ms", "--timeout", "1h")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "[down] no answer to the first LIST within 20ms (--context-timeout)") {
		t.Errorf("wait with a silent cluster: exit %d", r.code)
	}
}

// status --check over a fleet with a cluster down: exit 6, and the
// releases of the clusters read are all there, stuck or not.
func TestContextsCheckPartial(t *testing.T) {
	r := executeContexts(t, clusters(t), "status", "-A", "--check", "--contexts", "east,west,down", "-o", "json")
	var doc struct {
		Items []struct {
			Context, Name string
			Stuck         bool
		}
		Errors []struct{ Context string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	stuck := 0
	for _, it := range doc.Items {
		if it.Stuck {
			stuck++
		}
	}
	if r.code != ExitPartial || len(doc.Items) != 5 || stuck == 0 || len(doc.Errors) != 1 || doc.Errors[0].Context != "down" ||
		!strings.Contains(r.stderr, "1 of 3 context(s) failed: down; the 2 other context(s) were read") {
		t.Errorf("exit %d, %d items (%d stuck), errors %v: want 6, east's and west's 5 releases, down's error", r.code, len(doc.Items), stuck, doc.Errors)
	}
	if r := executeContexts(t, clusters(t), "status", "-A", "--check", "--contexts", "down,locked"); r.code != ExitFailed {
		t.Errorf("no cluster read: exit %d, want 1", r.code)
	}
}

func TestContextsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"status", "--contexts", "east", "--context", "west"},
		{"status", "--contexts", "east", "--all-contexts"},
		{"status", "--contexts", "east", "--watch"},
		{"status", "ready", "--contexts", "east", "--helm-storage"},
		{"status", "--contexts", "east,,west"},
		{"history", "ready", "--contexts", "east"},
	} {
		r := executeContexts(t, clusters(t), args...)
		if r.code != ExitUsage || len(r.connected) != 0 {
			t.Errorf("%v: exit %d, connected %v; want a usage error before connecting", args, r.code, r.connected)
		}
	}
}

func TestContextsForcePatchesEachClusterThroughItsOwnClient(t *testing.T) {
	cs := clusters(t)
	r := executeContexts(t, cs, "force", "ready", "--contexts", "east,west,down", "--wait=false")
	if r.code != ExitFailed {
		t.Errorf("down failed: exit %d, want %d", r.code, ExitFailed)
	}
	for _, name := range []string{"east", "west"} {
		ps := fakeOf(t, cs, name).Patches()
		if len(ps) != 1 || ps[0].Name != "ready" || ps[0].Namespace != "apps" {
			t.Errorf("%s: patches %+v; want ready only", name, ps)
		}
		if !strings.Contains(r.stdout, "["+name+"] apps/ready  patched") ||
			!strings.Contains(r.stderr, "["+name+"]   patch  apps/ready: forceAt,requestedAt="+testToken) {
			t.Errorf("%s: the plan and the result name the context", name)
		}
	}
	if !strings.Contains(r.stderr, "[down] cannot reach the Kubernetes API server (connection refused)") ||
		!strings.Contains(r.stderr, "; nothing was patched") || !strings.Contains(r.stderr, "2 HelmRelease(s): 2 patched") {
		t.Errorf("down's sentence and the summary across clusters: %q", r.stderr)
	}
}

func TestContextsForceConfirmsTheTotal(t *testing.T) {
	cs := clusters(t)
	r := executeContexts(t, cs, "force", "--all", "--contexts", "east,west", "--confirm-threshold", "3", "--wait=false")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "refusing to patch 4 HelmReleases") {
		t.Errorf("2 + 2 patches (west's suspended one is skipped) over a threshold of 3: exit %d", r.code)
	}
	for _, name := range []string{"east", "west"} {
		if ps := fakeOf(t, cs, name).Patches(); len(ps) != 0 {
			t.Errorf("%s patched before the confirmation: %+v", name, ps)
		}
	}
}

func TestContextsWait(t *testing.T) {
	cs := clusters(t)
	for _, name := range []string{"east", "west"} {
		fakeOf(t, cs, name).Watches() // the watch ends when the wait does
	}
	r := executeContexts(t, cs, "wait", "ready", "--contexts", "east,west", "--timeout", "1m")
	if r.code != ExitOK || !strings.Contains(r.stdout, "[east] apps/ready reached ready\n") ||
		!strings.Contains(r.stdout, "[west] apps/ready reached ready\n") ||
		!strings.Contains(r.stderr, "[west] All 1 HelmRelease(s) reached ready.") {
		t.Errorf("exit %d: want ready reached in both", r.code)
	}

	// A cluster that cannot be read fails the wait at once: east's release
	// retries for an hour, and the wait does not wait for it.
	cs = clusters(t)
	fakeOf(t, cs, "east").Watches()
	r = executeContexts(t, cs, "wait", "retrying-upgrade", "--contexts", "east,down", "--timeout", "1h")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "[down] cannot reach") || !strings.Contains(r.stderr, "1 of 2 context(s) failed: down") {
		t.Errorf("exit %d: a cluster that cannot be read fails the wait (fail fast)", r.code)
	}

	r = executeContexts(t, clusters(t), "wait", "-A", "--contexts", "east,west", "--timeout", "1m")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "[west] apps/stalled-retries-exceeded cannot reach ready") {
		t.Errorf("exit %d: west's stalled release fails the wait", r.code)
	}
}

func TestContextsCompletion(t *testing.T) {
	r := executeContexts(t, clusters(t), "__complete", "status", "--contexts", "east,")
	if !strings.HasPrefix(r.stdout, "east,down\neast,locked\neast,west\n:") {
		t.Errorf("completion of the second context: %q", r.stdout)
	}
}

// TestContextsCollectOnce: a listing of several clusters collects its
// garbage once, after all of them are read; a collection per cluster
// (runtime.GC blocks its caller for a whole cycle) made each wait for the
// others' (issue 26).
func TestContextsCollectOnce(t *testing.T) {
	for _, args := range [][]string{{"status", "--contexts", "east,west"}, {"status", "--contexts", "east,west", "-o", "json"}} {
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		r := executeContexts(t, clusters(t), args...)
		goruntime.ReadMemStats(&after)
		if r.code != ExitOK {
			t.Fatalf("%v: exit %d", args, r.code)
		}
		if n := after.NumForcedGC - before.NumForcedGC; n != 1 {
			t.Errorf("%v: %d forced collections, want 1", args, n)
		}
	}
}
