package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// shardController is a helm-controller Deployment in flux-system, read as
// discovery reads it.
func shardController(name, version string, args ...string) cluster.Controller {
	return cluster.ControllerFromDeployment(&appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "flux-system", Name: name},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "manager", Image: "ghcr.io/fluxcd/helm-controller:" + version, Args: args,
		}}}}},
	})
}

// sharded is Flux's sharding: the main controller takes the releases
// without a shard key, shard1 (one worker, another version) those keyed
// shard1.
func sharded() *cluster.Controllers {
	cs := cluster.Discovered([]cluster.Controller{
		shardController("helm-controller", "v1.6.4", "--watch-label-selector=!sharding.fluxcd.io/key"),
		shardController("helm-controller-shard1", "v1.7.0", "--watch-label-selector=sharding.fluxcd.io/key in (shard1)", "--concurrent=1"),
	})
	return &cs
}

// labelled is a fixture renamed, with the shard key set ("" for none).
func labelled(t *testing.T, fixture, name, shard string) runtime.Object {
	t.Helper()
	u := object(t, fixture, name, 0)
	if shard != "" {
		u.SetLabels(map[string]string{"sharding.fluxcd.io/key": shard})
	}
	return u
}

// Each release is judged and queued by its own controller; one no
// controller selects is shown as unwatched.
func TestStatusSharded(t *testing.T) {
	fake := clustertest.New(
		labelled(t, "progressing", "busy", "shard1"),
		labelled(t, "retrying-upgrade", "retry1", "shard1"),
		labelled(t, "retrying-upgrade", "retry0", ""),
		labelled(t, "retrying-upgrade", "orphan", "shard9"),
	)
	fake.Fleet = sharded()
	r := execute(t, fake, "status", "-A", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		ControllerLoad  *inspect.Load        `json:"controllerLoad"`
		ControllerLoads []inspect.Load       `json:"controllerLoads"`
		Items           []inspect.RetryState `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ControllerLoad != nil || len(doc.ControllerLoads) != 2 {
		t.Fatalf("loads: one %v, per controller %+v", doc.ControllerLoad, doc.ControllerLoads)
	}
	main, shard := doc.ControllerLoads[0], doc.ControllerLoads[1]
	if main.Controller != "flux-system/helm-controller" || main.Concurrent != 4 || main.Busy != 0 ||
		shard.Controller != "flux-system/helm-controller-shard1" || shard.Concurrent != 1 || shard.Busy != 1 || !shard.Full ||
		len(shard.Holders) != 1 || shard.Holders[0] != "apps/busy" {
		t.Errorf("per controller: %+v", doc.ControllerLoads)
	}
	by := map[string]inspect.RetryState{}
	for _, st := range doc.Items {
		by[st.Name] = st
	}
	for name, want := range map[string]string{"busy": "flux-system/helm-controller-shard1", "retry1": "flux-system/helm-controller-shard1", "retry0": "flux-system/helm-controller"} {
		if c := by[name].Controller; c == nil || c.Name != want {
			t.Errorf("%s: controller %+v, want %s", name, c, want)
		}
	}
	if !hasWarning(by["retry1"], inspect.WarnControllerVersion) || hasWarning(by["retry0"], inspect.WarnControllerVersion) {
		t.Errorf("v1.7.0 warns, v1.6.4 not: %v / %v", by["retry1"].Warnings, by["retry0"].Warnings)
	}
	o := by["orphan"]
	if o.Controller != nil || !o.Next.Unwatched || !strings.Contains(o.Next.Why, "no controller watches this release") ||
		!strings.Contains(o.Next.Why, "flux-system/helm-controller-shard1 selects sharding.fluxcd.io/key in (shard1)") ||
		!strings.Contains(o.Next.Why, "flux-system/helm-controller selects !sharding.fluxcd.io/key") {
		t.Errorf("orphan: controller %+v, next %+v", o.Controller, o.Next)
	}

	// The table: NEXT says so, and the footer names each busy controller.
	fake.Fleet = sharded()
	table := execute(t, fake, "status", "-A")
	if !strings.Contains(table.stdout, "unwatched") {
		t.Errorf("table:\n%s", table.stdout)
	}
}

// Two controllers selecting one release: a warning naming both.
func TestStatusTwoControllers(t *testing.T) {
	fake := clustertest.New(labelled(t, "retrying-upgrade", "both", ""))
	cs := cluster.Discovered([]cluster.Controller{
		shardController("helm-controller", "v1.6.4"),
		shardController("helm-controller-tenant", "v1.6.4", "--concurrent=2"),
	})
	fake.Fleet = &cs
	r := execute(t, fake, "status", "-A")
	if r.code != ExitOK || !strings.Contains(r.stderr, "warning: 1 HelmRelease(s) (apps/both first) are selected by two helm-controllers, flux-system/helm-controller and flux-system/helm-controller-tenant") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// status NAME names the controller and its version.
func TestStatusNameShowsController(t *testing.T) {
	fake := clustertest.New(labelled(t, "retrying-upgrade", "retry1", "shard1"), labelled(t, "progressing", "busy", "shard1"))
	fake.Fleet = sharded()
	r := execute(t, fake, "status", "retry1")
	if r.code != ExitOK || !strings.Contains(r.stdout, "flux-system/helm-controller-shard1 (v1.7.0)") {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
}

func hasWarning(st inspect.RetryState, code string) bool {
	for _, w := range st.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

// version names every controller found, its version and what it selects;
// one not on v1.6.x is a warning.
func TestVersionControllers(t *testing.T) {
	fake := clustertest.New()
	fake.Fleet = sharded()
	r := execute(t, fake, "version")
	want := "kubectl-hrretry v0.0.0-test (commit , built )\n" +
		"helm-controller flux-system/helm-controller v1.6.4 (--watch-label-selector !sharding.fluxcd.io/key)\n" +
		"helm-controller flux-system/helm-controller-shard1 v1.7.0 (--watch-label-selector sharding.fluxcd.io/key in (shard1))\n"
	if r.code != ExitOK || r.stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s", r.code, r.stdout, want)
	}
	if !strings.Contains(r.stderr, "warning: helm-controller flux-system/helm-controller-shard1 runs v1.7.0") || strings.Contains(r.stderr, "flux-system/helm-controller runs") {
		t.Errorf("stderr %q", r.stderr)
	}
	if r := execute(t, fake, "version", "--client"); r.connected || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("--client reads no cluster: connected %v, %q", r.connected, r.stdout)
	}
	none := cluster.Single("flux-system", "helm-controller", inspect.DefaultSettings(), "note: using helm-controller's default settings")
	none.Unread = "deployment flux-system/helm-controller not found"
	fake.Fleet = &none
	if r := execute(t, fake, "version"); r.code != ExitOK || strings.Count(r.stdout, "\n") != 1 ||
		strings.TrimSpace(r.stderr) != "note: no helm-controller was read: deployment flux-system/helm-controller not found" {
		t.Errorf("none read: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// --contexts: each cluster's controllers are discovered on their own, and
// each controller's load carries its context and name; version lists them
// per cluster.
func TestContextsSharded(t *testing.T) {
	east := clustertest.New(labelled(t, "progressing", "busy", "shard1"), labelled(t, "retrying-upgrade", "retry0", ""))
	east.Fleet = sharded()
	west := clustertest.New(states(t, "ready", "retrying-upgrade")...)
	cs := map[string]Cluster{"east": east, "west": west}
	r := executeContexts(t, cs, "status", "-A", "--contexts", "east,west", "-o", "json")
	var doc struct {
		ControllerLoads []inspect.Load `json:"controllerLoads"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range doc.ControllerLoads {
		got = append(got, l.Context+" "+l.Controller)
	}
	want := []string{"east flux-system/helm-controller", "east flux-system/helm-controller-shard1", "west "}
	if r.code != ExitOK || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("exit %d, loads %q, want %q", r.code, got, want)
	}
	v := executeContexts(t, cs, "version", "--contexts", "east,west")
	if !strings.Contains(v.stdout, "[east] helm-controller flux-system/helm-controller-shard1 v1.7.0") || strings.Contains(v.stdout, "[west]") {
		t.Errorf("version --contexts:\n%s", v.stdout)
	}
}

// wait on a sharded cluster: a release no controller selects cannot get
// there (nothing reconciles it), one selected by two is warned about once.
func TestWaitSharded(t *testing.T) {
	fake := clustertest.New(labelled(t, "retrying-upgrade", "orphan", "shard9"))
	fake.Fleet = sharded()
	r := waitWith(t, fake, nil, "orphan", "--timeout", "1m")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "apps/orphan cannot reach ready: no controller watches this release") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	both := clustertest.New(labelled(t, "retrying-upgrade", "both", ""))
	cs := cluster.Discovered([]cluster.Controller{shardController("helm-controller", "v1.6.4"), shardController("helm-controller-tenant", "v1.6.4")})
	both.Fleet = &cs
	r = waitWith(t, both, func(w *watch.FakeWatcher) {
		w.Modify(reconciled(t, object(t, "ready", "both", 0)))
	}, "both", "--timeout", "1m")
	if n := strings.Count(r.stderr, "are selected by two helm-controllers, flux-system/helm-controller and flux-system/helm-controller-tenant"); r.code != ExitOK || n != 1 {
		t.Errorf("exit %d, %d warnings, stderr:\n%s", r.code, n, r.stderr)
	}
}

// The overlap warning counts releases, not judgements: the live views
// judge a release again on every change.
func TestOverlapCountsReleasesOnce(t *testing.T) {
	cs := cluster.Discovered([]cluster.Controller{shardController("helm-controller", "v1.6.4"), shardController("helm-controller-tenant", "v1.6.4")})
	j := newJudges(cs)
	a := &v2.HelmRelease{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "a"}}
	b := &v2.HelmRelease{ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: "b"}}
	for range 3 {
		j.of(a)
		j.of(b)
	}
	if w := j.warnings(); len(w) != 1 || !strings.HasPrefix(w[0], "warning: 2 HelmRelease(s) (apps/a first)") {
		t.Errorf("warnings %q", w)
	}
}
