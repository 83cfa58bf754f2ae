package groundtruth

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// The sharded cluster: two real helm-controllers split the releases by
// label as Flux's sharding does (fluxcd.io "Flux sharding and horizontal
// scaling"), each with its own Deployment in flux-system mirroring its
// flags. shard1 has one worker and another jitter, and its releases keep
// it saturated; the main one takes the releases without a shard key.
const (
	shardKey      = "sharding.fluxcd.io/key"
	mainName      = "helm-controller"
	shardName     = "helm-controller-shard1"
	mainWorkers   = 4
	shardWorkers  = 1
	shardRecorded = 120 * time.Second
)

// shardJitter is shard1's --interval-jitter-percentage: another than the
// main controller's, so that a release judged by the wrong controller's
// settings shows in its windows.
func shardJitter(t *testing.T) int {
	if jitterPercent(t) == 10 {
		return 15
	}
	return 10
}

// TestGroundTruthShards: every view of `status -A -o json` (and of `status
// NAME`, round robin) is scored against the attempts of the controller that
// owns the release, with the strict verdict of every scenario; shard1's
// saturated worker is checked like the busy set's (queued, never overdue
// while held); and a release whose shard key no controller selects is
// reported unwatched, and indeed never reconciled. A control plane of its
// own: the main scenarios' controller would reconcile everything.
func TestGroundTruthShards(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	began := time.Now()
	bins := findBinaries(t)
	cl := startCluster(t, bins)
	charts := startChartServer(t)
	res := &results{}
	worlds := map[string]*world{}
	for _, c := range []controllerSpec{
		{name: mainName, jitter: jitterPercent(t), workers: mainWorkers, namespace: true, extra: []string{"--watch-label-selector=!" + shardKey}},
		{name: shardName, jitter: shardJitter(t), workers: shardWorkers, extra: []string{"--watch-label-selector=" + shardKey + " in (shard1)"}},
	} {
		logs := newLogRouter()
		startControllerAs(ctx, t, bins.controller, cl, logs, c)
		worlds[c.name] = &world{bins: bins, cl: cl, charts: charts, logs: logs, results: res, workers: c.workers, jitter: c.jitter}
	}
	t.Logf("control plane and two helm-controllers ready after %.1fs", time.Since(began).Seconds())

	smp := newSampler(bins.plugin, cl.kubeconfig)
	if os.Getenv("HRRETRY_GT_SHARDS_PIN") != "" {
		// The check that this test can fail: every release judged by the
		// main controller (today's single-controller view) must disagree
		// with shard1's attempts (its jitter, its one worker).
		smp.extra = []string{"--controller-name", mainName}
	}
	recs := map[string][]*recorder{}
	var stages []*stage
	for _, set := range shardSet() {
		s := newStage(ctx, t, worlds[set.controller], "gt-shards-"+set.ns)
		s.labels = set.labels
		for _, r := range set.releases {
			s.publish(r.name, r.chart, "0.1.0")
		}
		for _, r := range set.releases {
			rec := s.listedRelease(r.name, r.spec)
			smp.add(rec)
			recs[set.controller] = append(recs[set.controller], rec)
		}
		stages = append(stages, s)
	}
	orphan := createOrphan(ctx, t, cl)

	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); smp.run(sctx, sampleEvery) }()
	select {
	case <-ctx.Done():
	case <-time.After(shardRecorded):
	}
	stop()
	<-done
	owners := checkOwners(t, bins.plugin, cl.kubeconfig)
	for _, s := range stages {
		s.finish()
	}

	var summary strings.Builder
	for _, name := range []string{mainName, shardName} {
		w := worlds[name]
		settings, errs := inspect.DefaultSettings().ApplyArgs(controllerArgs(w.jitter, featureGates(), "", "", w.workers))
		if len(errs) > 0 {
			t.Fatalf("controller flags: %v", errs)
		}
		b := checkBusyOf(recs[name], smp, settings, controllerNamespace+"/"+name)
		for _, x := range b.rows {
			if x.Verdict == disagree {
				t.Errorf("%s: %s when %s; controller: %s\n%s", x.Release, x.Predicted, x.State, x.Observed, x.Detail)
			}
		}
		res.add(b.rows...)
		if why := b.notCreated(); why != "" && name == shardName {
			t.Errorf("%s: %s", name, why) // the saturated shard must show its queue
		}
		fmt.Fprintf(&summary, "%s (--concurrent=%d, jitter %d %%):\n%s\n", name, w.workers, w.jitter, b.summary(smp))
	}
	held, heldSummary := heldOfShards(t, res, worlds, recs)
	res.add(held...)
	summary.WriteString(heldSummary)
	for _, e := range smp.errs {
		t.Error(e)
	}
	checkOrphan(ctx, t, cl, bins.plugin, orphan)
	table := fmt.Sprintf("Run (sharded): main jitter %d %%, shard1 jitter %d %%, sampled every %s for %s, total %.0fs\n\n%s\n%s\n%s\n%s",
		jitterPercent(t), shardJitter(t), sampleEvery, shardRecorded, time.Since(began).Seconds(), owners, summary.String(), res.counts(), res.table())
	t.Logf("%s", table)
	if path := os.Getenv("HRRETRY_GT_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
			t.Error(err)
		}
	}
}

type shardReleases struct {
	controller, ns string
	labels         map[string]string
	releases       []busyRelease
}

// shardSet: shard1's three releases need more than its one worker (two
// wait for a Deployment that never becomes ready, 8-10 s, and retry every
// 5-6 s; one is ready and reconciles every 20 s); the main controller's
// two fail and retry, or remediate until they stall, with workers to spare.
func shardSet() []shardReleases {
	retry := func(d string) string {
		return fmt.Sprintf("install:\n  strategy: {name: RetryOnFailure, retryInterval: %s}\nupgrade:\n  strategy: {name: RetryOnFailure, retryInterval: %s}\n", d, d)
	}
	return []shardReleases{
		{mainName, "main", nil, []busyRelease{
			{"m1", "wait-timeout", specTimeout("m1", "1h", "8s", retry("10s"))},
			{"m2", "wait-timeout", specTimeout("m2", "1h", "6s", "install:\n  strategy: {name: RemediateOnFailure}\n  remediation: {retries: 2}\n")},
		}},
		{shardName, "shard1", map[string]string{shardKey: "shard1"}, []busyRelease{
			{"s1", "wait-timeout", specTimeout("s1", "1h", "10s", retry("5s"))},
			{"s2", "wait-timeout", specTimeout("s2", "1h", "8s", retry("6s"))},
			{"s3", "ok", specTimeout("s3", "20s", "10s", "")},
		}},
	}
}

// createOrphan creates a release keyed to a shard no controller runs.
func createOrphan(ctx context.Context, t *testing.T, cl *cluster) client.ObjectKey {
	t.Helper()
	const ns = "gt-shards-orphan"
	cl.create(ctx, t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	hr := &v2.HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: "o1", Namespace: ns, Labels: map[string]string{shardKey: "shard9"}}}
	if err := yaml.UnmarshalStrict([]byte(specTimeout("o1", "1h", "5s", "")), &hr.Spec); err != nil {
		t.Fatal(err)
	}
	cl.create(ctx, t, hr)
	return client.ObjectKeyFromObject(hr)
}

// checkOwners runs `status -A -o json` once more: each release names the
// controller that reconciles it, and there is one load per controller.
func checkOwners(t *testing.T, plugin, kubeconfig string) string {
	t.Helper()
	out, err := exec.Command(plugin, "status", "-A", "-o", "json", "--kubeconfig", kubeconfig).Output()
	if err != nil {
		t.Errorf("status -A -o json: %v", err)
		return ""
	}
	var l listing
	if err := json.Unmarshal(out, &l); err != nil {
		t.Fatal(err)
	}
	if len(l.ControllerLoads) != 2 {
		t.Errorf("controllerLoads: %+v, want one per controller", l.ControllerLoads)
	}
	var b strings.Builder
	b.WriteString("| release | controller | next |\n|---|---|---|\n")
	for _, it := range l.Items {
		want := map[string]string{"gt-shards-main": mainName, "gt-shards-shard1": shardName}[it.Namespace]
		got := ""
		if it.Controller != nil {
			got = strings.TrimPrefix(it.Controller.Name, controllerNamespace+"/")
		}
		if got != want {
			t.Errorf("%s/%s: judged by %q, want %q", it.Namespace, it.Name, got, want)
		}
		fmt.Fprintf(&b, "| %s/%s | %s | %s |\n", it.Namespace, it.Name, map[bool]string{true: got, false: "none"}[got != ""], it.Next.Why)
	}
	return b.String()
}

// checkOrphan: the release no controller selects is reported so, by name,
// and the recording agrees: neither controller ever wrote its status.
func checkOrphan(ctx context.Context, t *testing.T, cl *cluster, plugin string, key client.ObjectKey) {
	t.Helper()
	out, err := exec.Command(plugin, "status", key.Name, "-n", key.Namespace, "-o", "json", "--kubeconfig", cl.kubeconfig).Output()
	if err != nil {
		t.Errorf("status %s: %v", key.Name, err)
		return
	}
	var st inspect.RetryState
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatal(err)
	}
	if !st.Next.Unwatched || !strings.HasPrefix(st.Next.Why, inspect.Unwatched) {
		t.Errorf("%s: next %+v, want unwatched", key, st.Next)
	}
	hr := &v2.HelmRelease{}
	if err := cl.c.Get(ctx, key, hr); err != nil {
		t.Fatal(err)
	}
	// observedGeneration is -1 until a controller writes it (the CRD's default).
	if hr.Status.ObservedGeneration > 0 || len(hr.Status.Conditions) > 0 || len(hr.Finalizers) > 0 {
		t.Errorf("%s was reconciled after all: %+v", key, hr.Status)
	}
}
