package groundtruth

import (
	"context"
	"fmt"
	"path"
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

// world is what every scenario shares: one control plane, one controller.
type world struct {
	bins    binaries
	cl      *cluster
	charts  *chartServer
	logs    *logRouter
	results *results
	workers int // the controller's --concurrent
	jitter  int // its --interval-jitter-percentage
}

// startWorld starts a control plane, the real helm-controller with
// workers reconcile workers and the chart server. Cleanups run
// last-registered first: the chart server, the controller, then the
// control plane.
func startWorld(ctx context.Context, t *testing.T, workers int) *world {
	bins := findBinaries(t)
	cl := startCluster(t, bins)
	logs := newLogRouter()
	startController(ctx, t, bins.controller, cl, logs, workers)
	return &world{bins: bins, cl: cl, charts: startChartServer(t), logs: logs, results: &results{}, workers: workers, jitter: jitterPercent(t)}
}

// stage is one scenario: its own namespace, its releases' recordings.
type stage struct {
	t    *testing.T
	ctx  context.Context
	w    *world
	ns   string
	recs []*recorder
	// labels are set on every release the stage creates (a shard key).
	labels map[string]string
}

// newStage creates the namespace and its default ServiceAccount (there is
// no controller-manager to create it, and Pods such as Helm test hooks are
// refused without it).
func newStage(ctx context.Context, t *testing.T, w *world, ns string) *stage {
	s := &stage{t: t, ctx: ctx, w: w, ns: ns}
	w.cl.create(ctx, t,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}})
	t.Cleanup(func() { s.finish() })
	return s
}

// publish serves chart dir as name:version from the OCIRepository name.
func (s *stage) publish(name, dir, version string) {
	s.t.Helper()
	if err := s.w.charts.publish(s.ctx, s.w.cl.c, s.ns, name, dir, version); err != nil {
		s.t.Fatal(err)
	}
}

// release starts recording name, then creates it with the spec in YAML.
func (s *stage) release(name, spec string) *recorder {
	s.t.Helper()
	return s.releaseWith(name, spec, false)
}

// releaseWith is release; listed: the plugin is not run per release (see
// recorder.listed).
func (s *stage) releaseWith(name, spec string, listed bool) *recorder {
	s.t.Helper()
	hr := &v2.HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.ns, Labels: s.labels}}
	if err := yaml.UnmarshalStrict([]byte(spec), &hr.Spec); err != nil {
		s.t.Fatalf("spec of %s: %v\n%s", name, err, spec)
	}
	rec := newRecorder(s.ns, name, s.w.bins.plugin, s.w.cl.kubeconfig)
	rec.listed = listed
	rec.jitter, rec.defaultRetry = s.w.jitter, defaultToRetry()
	rec.minDelay, rec.maxDelay, _ = retryDelays()
	rec.start(s.ctx, s.w.cl.c, s.w.logs)
	s.recs = append(s.recs, rec)
	s.w.cl.create(s.ctx, s.t, hr)
	return rec
}

// spec is a release of the chart served by OCIRepository source,
// reconciled every interval, with a 5s timeout for every Helm operation,
// plus body (more spec fields, YAML).
func spec(source, interval, body string) string {
	return specTimeout(source, interval, "5s", body)
}

// specTimeout is spec with another timeout.
func specTimeout(source, interval, timeout, body string) string {
	return fmt.Sprintf("chartRef: {kind: OCIRepository, name: %s}\ninterval: %s\ntimeout: %s\n%s",
		source, interval, timeout, strings.TrimPrefix(body, "\n"))
}

// retryBoth is RetryOnFailure for install and upgrade, every 10s.
const retryBoth = `
install:
  strategy: {name: RetryOnFailure, retryInterval: 10s}
upgrade:
  strategy: {name: RetryOnFailure, retryInterval: 10s}
`

// waitFor polls the recording until cond holds; it fails the scenario
// after timeout (a step that did not happen, not a timing assertion).
func (s *stage) waitFor(rec *recorder, what string, timeout time.Duration, cond func(hr *v2.HelmRelease, attempts []attempt) bool) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if hr := rec.latest(); hr != nil && cond(hr, rec.attempts()) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s/%s: %s did not happen within %s; attempts so far %v", s.ns, rec.name, what, timeout, actions(rec.attempts()))
		}
		select {
		case <-s.ctx.Done():
			s.t.Fatal(s.ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// hold lets the recording run for d more.
func (s *stage) hold(d time.Duration) {
	select {
	case <-s.ctx.Done():
	case <-time.After(d):
	}
}

// update changes the release's spec (an intervention the controller sees).
func (s *stage) update(rec *recorder, what string, mutate func(*v2.HelmRelease)) {
	s.t.Helper()
	rec.settle(settleWithin)
	err := rec.intervene(what, true, func() error {
		hr := &v2.HelmRelease{}
		if err := s.w.cl.c.Get(s.ctx, keyOf(rec), hr); err != nil {
			return err
		}
		base := hr.DeepCopy()
		mutate(hr)
		// A merge patch without resourceVersion: the controller writes
		// the status at the same time.
		if err := s.w.cl.c.Patch(s.ctx, hr, client.MergeFrom(base)); err != nil {
			return err
		}
		if hr.Generation > base.Generation {
			rec.madeGeneration(hr.Generation)
		}
		return nil
	})
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

// finish stops the recordings and checks them: no disagreement, no error,
// and every expectation matched a state and agreed there at least once.
func (s *stage) finish(expect ...expectation) {
	total := make([]tally, len(expect))
	for _, rec := range s.recs {
		rec.settle(settleWithin)
	}
	settings, errs := inspect.DefaultSettings().ApplyArgs(controllerArgs(s.w.jitter, featureGates(), "", "", s.w.workers))
	if len(errs) > 0 {
		s.t.Errorf("controller settings: %v", errs)
	}
	for _, rec := range s.recs {
		rec.stop(s.w.logs)
		// Every recorded state scored, not only those a binary run kept.
		if err := rec.analyzeAll(settings); err != nil {
			s.t.Error(err)
		}
		s.w.results.record(rec.recorded(path.Base(s.t.Name())))
		rows, tallies := rec.verdicts(path.Base(s.t.Name()), expect)
		s.w.results.add(rows...)
		for i, t := range tallies {
			total[i].matched += t.matched
			total[i].agreed += t.agreed
		}
		for _, r := range rows {
			if r.Verdict == disagree {
				s.t.Errorf("%s: plugin said %s when %s; controller: %s\n%s", r.Release, r.Predicted, r.State, r.Observed, r.Detail)
			}
		}
		for _, e := range rec.errs {
			s.t.Errorf("%s: %s", rec.name, e)
		}
		s.t.Logf("%s: attempts %v; what the watch saw (seconds after the first event):\n%s",
			rec.name, actions(rec.attempts()), rec.timeline())
	}
	if len(s.recs) > 0 {
		for i, e := range expect {
			switch {
			case total[i].matched == 0:
				s.t.Errorf("expectation %q never matched a state the plugin was run on: the scenario did not create it", e.Desc)
			case total[i].agreed == 0:
				s.t.Errorf("expectation %q: no agreeing prediction in %d matching", e.Desc, total[i].matched)
			}
		}
	}
	s.recs = nil
}

// settleWithin bounds the wait for the plugin's run on a scenario's last
// state, or the last before an intervention, so that it gets its prediction
// (a run takes 0.1-3.5 s on the shared machine).
const settleWithin = 8 * time.Second

// note records a measured figure for the report.
func (s *stage) note(format string, args ...any) {
	msg := scenarioName(s) + ": " + fmt.Sprintf(format, args...)
	s.t.Log(msg)
	s.w.results.addNote(msg)
}
