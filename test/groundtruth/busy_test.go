package groundtruth

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestGroundTruthBusy is the busy controller: its own control plane and a
// helm-controller with --concurrent=2 that reconciles only the busy set,
// eight releases whose Helm waits overlap, so that both workers stay held
// and attempts that fall due wait in the work queue. The plugin is run as
// `status -A -o json` every second (a single NAME applies no load), and
// each item is checked against that release's next attempt, strictly, as in
// TestGroundTruth; so is every `next.overdue` said while both workers were
// running Helm actions (it must not be), and the largest queueing delay is
// reported with the window the plugin gave for it.
//
// Why a control plane of its own, not the main one with
// --watch-label-selector on both controllers: the plugin counts the workers
// from the releases it sees, and only `-A` without selectors sees all of
// them (internal/cmd seesAll); with `-l` the count is a lower bound and a
// queued window could never be shown to agree. It also keeps the main
// scenarios' timings free of this set's load. The two tests run one after
// the other (hack/groundtruth.sh), never at once: 2 cores.
func TestGroundTruthBusy(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	began := time.Now()

	w := startWorld(ctx, t, busyWorkers)
	t.Logf("control plane and helm-controller (--concurrent=%d) ready after %.1fs", busyWorkers, time.Since(began).Seconds())

	var stages []*stage
	var recs []*recorder
	for _, ns := range busySet() {
		s := newStage(ctx, t, w, "gt-busy-"+ns.name)
		for _, r := range ns.releases {
			s.publish(r.name, r.chart, "0.1.0")
		}
		stages = append(stages, s)
	}
	smp := newSampler(w.bins.plugin, w.cl.kubeconfig)
	for i, ns := range busySet() {
		for _, r := range ns.releases {
			rec := stages[i].listedRelease(r.name, r.spec)
			smp.add(rec)
			recs = append(recs, rec)
		}
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); smp.run(sctx, sampleEvery) }()
	select {
	case <-ctx.Done():
	case <-time.After(busyRecording):
	}
	stop()
	<-done

	for _, s := range stages {
		s.finish()
	}
	settings := busySettings(t)
	b := checkBusy(recs, smp, settings)
	for _, x := range b.rows {
		if x.Verdict == disagree {
			t.Errorf("%s: %s when %s; controller: %s\n%s", x.Release, x.Predicted, x.State, x.Observed, x.Detail)
		}
	}
	w.results.add(b.rows...)
	for _, e := range smp.errs {
		t.Error(e)
	}
	if why := b.notCreated(); why != "" {
		t.Error(why)
	}
	rc := w.results.recording(jitterPercent(t), featureGates(), busyWorkers, smp.samples)
	saveRecording(t, rc)
	held, err := heldRows(rc, "")
	if err != nil {
		t.Error(err)
	}
	for _, x := range held {
		if x.Verdict == disagree {
			t.Errorf("%s: a worker its reconcile held was counted free (%s): %s; %s", x.Release, x.State, x.Predicted, x.Observed)
		}
	}
	w.results.add(held...)
	mutants := checkRunMutants(t, rc)
	summary := b.summary(smp) + "\n" + widthTable(w.results.all()) + "\n" + mutants
	if shot := smp.shot; shot != nil {
		summary += fmt.Sprintf("\n`status -A` at %s (%d attempts queued in the run before), piped:\n\n```\n%s```\n\non a terminal (`--color=never`):\n\n```\n%s```\n",
			shot.At.UTC().Format(time.RFC3339), shot.Queued, shot.Piped, shot.TTY)
		for _, e := range shot.Errs {
			t.Logf("capturing the tables for the README: %s", e) // a figure, not a check
		}
	}
	t.Logf("%s", summary)
	setting := fmt.Sprintf("jitter %d%%, --concurrent=%d, allowance %s, sampled every %s for %s, total %.0fs", jitterPercent(t),
		busyWorkers, allowance, sampleEvery, busyRecording, time.Since(began).Seconds())
	table := "Run (busy set): " + setting + "\n\n" + summary + "\n" + w.results.table()
	t.Logf("%s", table)
	if path := os.Getenv("HRRETRY_GT_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// The busy set's recording: long enough for every RetryOnFailure release to
// fail several times behind the others; the plugin runs once a second (plus
// its own run time, 0.2-1 s).
const (
	busyRecording = 150 * time.Second
	sampleEvery   = time.Second
)

type busyRelease struct{ name, chart, spec string }

type busyNamespace struct {
	name     string
	releases []busyRelease
}

// busySet: eight releases in two namespaces (the plugin lists them with
// -A). Six wait for a Deployment that never becomes ready (10-20 s
// timeouts): four retry (RetryOnFailure, 5-10 s), two remediate
// (uninstall, then the 10 s cache wait, holding the worker) until they
// stall. Their waits alone would need 3-4 workers. One more retries with
// the longest wait; one is ready and reconciles every 20 s (a reconcile
// that runs no Helm action queues too).
func busySet() []busyNamespace {
	retry := func(d string) string {
		return fmt.Sprintf("install:\n  strategy: {name: RetryOnFailure, retryInterval: %s}\nupgrade:\n  strategy: {name: RetryOnFailure, retryInterval: %s}\n", d, d)
	}
	remediate := func(retries int) string {
		return fmt.Sprintf("install:\n  strategy: {name: RemediateOnFailure}\n  remediation: {retries: %d}\n", retries)
	}
	return []busyNamespace{
		{"a", []busyRelease{
			{"a1", "wait-timeout", specTimeout("a1", "1h", "15s", retry("5s"))},
			{"a2", "wait-timeout", specTimeout("a2", "1h", "20s", retry("10s"))},
			{"a3", "wait-timeout", specTimeout("a3", "1h", "10s", retry("5s"))},
			{"a4", "ok", specTimeout("a4", "20s", "10s", "")},
		}},
		{"b", []busyRelease{
			{"b1", "wait-timeout", specTimeout("b1", "1h", "12s", retry("8s"))},
			{"b2", "wait-timeout", specTimeout("b2", "1h", "15s", remediate(2))},
			{"b3", "wait-timeout", specTimeout("b3", "1h", "10s", remediate(3))},
			{"b4", "wait-timeout", specTimeout("b4", "1h", "18s", retry("6s"))},
		}},
	}
}

// listedRelease is release, with no plugin runs of its own: the sampler's
// `status -A` runs are its predictions.
func (s *stage) listedRelease(name, spec string) *recorder {
	s.t.Helper()
	return s.releaseWith(name, spec, true)
}
