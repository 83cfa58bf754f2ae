package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

func parseWait(t *testing.T, args ...string) (*WaitOptions, int, string) {
	t.Helper()
	var got *WaitOptions
	code, stderr := parse(t, func(g *globalOptions, deps Deps) *cobra.Command {
		return NewCmdWait(g, deps, func(o *WaitOptions) error { got = o; return nil })
	}, append([]string{"wait"}, args...))
	return got, code, stderr
}

func TestWaitValidate(t *testing.T) {
	bad := map[string][]string{
		"name the HelmReleases":                      {},
		"cannot be combined with --all":              {"a", "--all-namespaces"},
		"--all cannot be combined":                   {"a", "--all"},
		"want ready (or condition=Ready), version=X": {"a", "--for", "healthy"},
		"takes no value":                             {"a", "--for", "ready=1"},
		"positive integer":                           {"a", "--for", "revision=0"},
		"--timeout must be positive":                 {"a", "--timeout", "0s"},
		"must not be negative":                       {"a", "--max-failures", "-1"},
		"a deletion does not fail":                   {"a", "--for", "deleted", "--stuck-after", "1m"},
		"--chunk-size":                               {"-A", "--chunk-size", "-1"},
		"unknown phase":                              {"-A", "--phase", "happy"},
		"only HelmReleases":                          {"deploy/a"},
		"--qps and --burst":                          {"a", "--qps", "0"},
	}
	for want, args := range bad {
		if o, code, stderr := parseWait(t, args...); o != nil || code != ExitUsage || !strings.Contains(stderr, want) ||
			!strings.Contains(stderr, "See 'kubectl hrretry wait --help'") {
			t.Errorf("wait %v: exit %d, %q; want a usage error saying %q", args, code, stderr, want)
		}
	}

	o, code, _ := parseWait(t, "hr/my-app", "--for", "version=6.5.0", "--max-failures", "2", "--stuck-after", "10m")
	if code != ExitOK || o.goal != (inspect.Goal{Kind: inspect.GoalVersion, Value: "6.5.0"}) || o.target.namespace != "apps" ||
		o.limits != (inspect.Limits{MaxFailures: 2, StuckAfter: 10 * time.Minute}) || o.timeout != 5*time.Minute {
		t.Errorf("parsed %+v", o)
	}
	if o.target.fieldSelector != "metadata.name=my-app" {
		t.Errorf("one name is asked of the server by field selector: %q", o.target.fieldSelector)
	}
	o, _, _ = parseWait(t, "a", "b")
	if o.goal.Kind != inspect.GoalReady || o.target.fieldSelector != "" {
		t.Errorf("two names: goal %v, field selector %q", o.goal, o.target.fieldSelector)
	}
	for _, args := range [][]string{{"-A"}, {"--all"}, {"-l", "team=a"}, {"--failing"}, {"--phase", "stalled"}, {"--field-selector", "metadata.name=a"}} {
		if _, code, stderr := parseWait(t, args...); code != ExitOK {
			t.Errorf("wait %v: exit %d %s", args, code, stderr)
		}
	}
}

// object is a fixture as a watch event carries it, renamed and with
// another generation when asked.
func object(t *testing.T, fixture, name string, generation int64) *unstructured.Unstructured {
	t.Helper()
	loaded, ok := states(t, fixture)[0].(*unstructured.Unstructured)
	if !ok {
		t.Fatalf("%s: not an unstructured object", fixture)
	}
	u := loaded.DeepCopy()
	if name != "" {
		u.SetName(name)
	}
	if generation > 0 {
		u.SetGeneration(generation)
	}
	return u
}

// reconciled is u as the controller leaves it once it has observed u's
// generation.
func reconciled(t *testing.T, u *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	for _, field := range []string{"observedGeneration", "lastAttemptedGeneration"} {
		if err := unstructured.SetNestedField(u.Object, u.GetGeneration(), "status", field); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// waitWith runs wait with one watch fed by feed.
func waitWith(t *testing.T, fake *clustertest.Fake, feed func(*watch.FakeWatcher), args ...string) *run {
	t.Helper()
	w := watch.NewFake()
	fake.Watches(w)
	if feed != nil {
		go feed(w)
	}
	return execute(t, fake, append([]string{"wait"}, args...)...)
}

func TestWaitReachedAtOnce(t *testing.T) {
	fake := clustertest.New(states(t, "ready", "retrying-upgrade")...)
	r := waitWith(t, fake, nil, "ready")
	if r.code != ExitOK || r.stdout != "apps/ready reached ready\n" ||
		!strings.Contains(r.stderr, "2026-11-23T12:00:00Z  apps/ready  reached (revision 1, podinfo 6.5.0)") ||
		!strings.Contains(r.stderr, "All 1 HelmRelease(s) reached ready.") {
		t.Errorf("exit %d", r.code)
	}
	if lists := fake.Lists(); len(lists) != 1 || lists[0].Namespace != "apps" || lists[0].FieldSelector != "metadata.name=ready" {
		t.Errorf("one LIST of the namespace, for the name: %+v", lists)
	}
	if len(fake.Patches()) != 0 {
		t.Errorf("wait sends nothing")
	}
}

// The spec changed (generation 3), Ready still says generation 2: not
// there yet. Retrying under the new spec, then Ready for it.
func TestWaitReachedAfterChanges(t *testing.T) {
	fake := clustertest.New(states(t, "ready-spec-bumped")...)
	r := waitWith(t, fake, func(w *watch.FakeWatcher) {
		w.Modify(reconciled(t, object(t, "retrying-upgrade", "ready-spec-bumped", 3)))
		w.Modify(reconciled(t, object(t, "ready", "ready-spec-bumped", 3)))
	}, "ready-spec-bumped", "--timeout", "1m")
	if r.code != ExitOK || r.stdout != "apps/ready-spec-bumped reached ready\n" {
		t.Fatalf("exit %d", r.code)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "ready-spec-bumped  progressing") ||
		!strings.Contains(lines[1], "retrying, next: upgrade 2026-11-23T12:03:45Z/2026-11-23T12:04:18Z; 2 failed attempt(s), failing since 2026-11-23T11:52:00Z") ||
		!strings.Contains(lines[2], "reached (revision 1, podinfo 6.5.0)") {
		t.Errorf("one line per change, absolute times:\n%s", r.stderr)
	}
}

func TestWaitUnreachable(t *testing.T) {
	fake := clustertest.New(states(t, "stalled-retries-exceeded", "retrying-upgrade")...)
	r := waitWith(t, fake, nil, "-A", "--timeout", "1m")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "apps/stalled-retries-exceeded cannot reach ready: stalled: 3 of 3 attempt(s) failed") ||
		!strings.Contains(r.stderr, "The way out:\n    kubectl hrretry force stalled-retries-exceeded -n apps   #") {
		t.Errorf("a stalled release fails the wait at once: exit %d", r.code)
	}
	if strings.Contains(r.stderr, "retrying-upgrade cannot") {
		t.Errorf("only the release that cannot get there is blamed")
	}

	// RetryOnFailure never stalls: --max-failures gives up on it.
	r = waitWith(t, clustertest.New(states(t, "retrying-upgrade")...), nil, "retrying-upgrade", "--max-failures", "1")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "cannot reach ready: 2 failed attempts, more than --max-failures 1") {
		t.Errorf("--max-failures: exit %d", r.code)
	}
	r = waitWith(t, clustertest.New(states(t, "retrying-upgrade")...), nil, "retrying-upgrade", "--stuck-after", "5m")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "longer than --stuck-after 5m0s") {
		t.Errorf("--stuck-after: exit %d", r.code)
	}
}

func TestWaitSuperseded(t *testing.T) {
	fake := clustertest.New(states(t, "retrying-upgrade")...)
	r := waitWith(t, fake, func(w *watch.FakeWatcher) {
		w.Modify(object(t, "retrying-upgrade", "", 3))
	}, "retrying-upgrade", "--timeout", "2s")
	if r.code != ExitSuperseded || !strings.Contains(r.stderr, "generation 2, the spec waited for, was superseded by generation 3") ||
		!strings.Contains(r.stderr, "kubectl hrretry wait retrying-upgrade -n apps --for ready") {
		t.Errorf("exit %d", r.code)
	}

	// A version is an outcome any spec may reach: the wait goes on, and
	// the line says the spec changed.
	r = waitWith(t, clustertest.New(states(t, "retrying-upgrade")...), func(w *watch.FakeWatcher) {
		w.Modify(object(t, "retrying-upgrade", "", 3))
		w.Modify(reconciled(t, object(t, "ready", "retrying-upgrade", 3)))
	}, "retrying-upgrade", "--for", "version=6.5.0", "--timeout", "1m")
	if r.code != ExitOK || !strings.Contains(r.stderr, "generation 2 superseded by 3") {
		t.Errorf("--for version: exit %d", r.code)
	}
}

func TestWaitDeleted(t *testing.T) {
	fake := clustertest.New(states(t, "ready", "suspended")...)
	r := waitWith(t, fake, func(w *watch.FakeWatcher) {
		w.Delete(object(t, "ready", "", 0))
		w.Delete(object(t, "suspended", "", 0))
	}, "ready", "suspended", "gone-already", "--for", "deleted")
	if r.code != ExitOK || !strings.Contains(r.stdout, "apps/gone-already reached deleted") || !strings.Contains(r.stdout, "apps/suspended reached deleted") {
		t.Errorf("exit %d", r.code)
	}

	// Deleted while waiting for something else: it will never get there.
	r = waitWith(t, clustertest.New(states(t, "retrying-upgrade")...), func(w *watch.FakeWatcher) {
		w.Delete(object(t, "retrying-upgrade", "", 0))
	}, "retrying-upgrade")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "apps/retrying-upgrade was deleted while waiting for ready") {
		t.Errorf("deleted while waiting: exit %d", r.code)
	}
}

func TestWaitSelection(t *testing.T) {
	fake := clustertest.New(states(t, "ready", "stalled-retries-exceeded", "retrying-upgrade")...)
	r := waitWith(t, fake, nil, "-A", "--phase", "ready")
	if r.code != ExitOK || r.stdout != "apps/ready reached ready\n" {
		t.Errorf("--phase keeps the ready one only: exit %d", r.code)
	}
	if lists := fake.Lists(); lists[0].Namespace != "" {
		t.Errorf("-A lists every namespace at once: %+v", lists)
	}

	r = waitWith(t, clustertest.New(states(t, "ready")...), nil, "nope", "ready")
	if r.code != ExitFailed || !strings.Contains(r.stderr, `HelmRelease "nope" not found in namespace apps`) {
		t.Errorf("a missing name: exit %d", r.code)
	}
	r = waitWith(t, clustertest.New(), nil, "-l", "team=none")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "No HelmReleases found in namespace apps. Nothing to wait for.") {
		t.Errorf("an empty selection: exit %d", r.code)
	}
	r = waitWith(t, clustertest.New(), nil, "-l", "team=none", "--for", "deleted")
	if r.code != ExitOK {
		t.Errorf("an empty selection is deleted already: exit %d", r.code)
	}
}

func TestWaitTimedOut(t *testing.T) {
	fake := clustertest.New(states(t, "retrying-upgrade", "ready")...)
	fake.SettingsNote = "note: defaults"
	r := waitWith(t, fake, nil, "--all", "--timeout", "50ms")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "imed out after") {
		t.Fatalf("exit %d", r.code)
	}
	if strings.Contains(r.stderr, "Timed out after") && (!strings.Contains(r.stderr, "1 of 2 HelmRelease(s) not there yet:\n  apps/retrying-upgrade  retrying, next: upgrade") ||
		!strings.HasPrefix(r.stderr, "note: defaults")) {
		t.Errorf("each unfinished release with its phase and next window")
	}
}

func TestWaitErrors(t *testing.T) {
	fake := clustertest.New(states(t, "retrying-upgrade")...)
	watchSeq(fake, apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "", errors.New("RBAC")))
	r := execute(t, fake, "wait", "retrying-upgrade")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "forbidden: you may not watch helmreleases.helm.toolkit.fluxcd.io in namespace apps") {
		t.Errorf("a refused watch: exit %d", r.code)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := executeCtx(ctx, t, clustertest.New(states(t, "retrying-upgrade")...), "", "wait", "retrying-upgrade"); r.code != ExitFailed {
		t.Errorf("interrupted (main maps it to 130): exit %d", r.code)
	}
}

// On a terminal: one frame, redrawn in place, relative times.
func TestWaitTerminal(t *testing.T) {
	o, _, _ := parseWait(t, "-A")
	var out, errOut bytes.Buffer
	o.deps.Streams.Out, o.deps.Streams.ErrOut = &out, &errOut
	o.term.tty = true
	now := testNow
	o.deps.Now = func() time.Time { return now }
	w := newWaiter(o, &settingsFuture{ch: closed(), j: defaultJudges()}, testNow.Add(time.Minute))
	objs := []inspect.Decoded{inspect.ReadUnstructured(object(t, "retrying-upgrade", "", 0)), inspect.ReadUnstructured(object(t, "ready", "", 0))}
	if err := w.listed(objs); err != nil {
		t.Fatal(err)
	}
	if err := w.tick(); err != nil || strings.Count(errOut.String(), "Waiting for ready") != 1 {
		t.Fatalf("a tick in the second of the last frame draws nothing new: %v\n%q", err, errOut.String())
	}
	now = now.Add(time.Second)
	if err := w.tick(); err != nil {
		t.Fatal(err)
	}
	frame := errOut.String()
	if !strings.Contains(frame, "Waiting for ready: 1 of 2 reached, timeout in 59s") || !strings.Contains(frame, "upgrade in 3m44s–4m16s") ||
		!strings.Contains(frame, render_Redraw3) {
		t.Errorf("frame:\n%q", frame)
	}
	if err := w.apply(watch.Event{Type: watch.Modified, Object: object(t, "ready", "retrying-upgrade", 0)}); !errors.Is(err, errWaitOver) || w.code != ExitOK {
		t.Errorf("the last one reached: %v, code %d", err, w.code)
	}
	if out.String() != "apps/ready reached ready\napps/retrying-upgrade reached ready\n" {
		t.Errorf("stdout: %q", out.String())
	}
}

const render_Redraw3 = "\r\x1b[3A\x1b[J"

func closed() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}

// A wait on more than manyKeys releases weighs a change at once only when
// the last judgement is frameGap old; one sooner is weighed by the next
// tick, with any others in between. A smaller wait judges every change
// (TestWaitTerminal).
func TestWaitCoalescesAFleetsChanges(t *testing.T) {
	o, _, _ := parseWait(t, "-A")
	var out, errOut bytes.Buffer
	o.deps.Streams.Out, o.deps.Streams.ErrOut = &out, &errOut
	now := testNow
	o.deps.Now = func() time.Time { return now }
	w := newWaiter(o, &settingsFuture{ch: closed(), j: defaultJudges()}, testNow.Add(time.Hour))
	var objs []inspect.Decoded
	for i := range manyKeys + 8 {
		objs = append(objs, inspect.ReadUnstructured(object(t, "retrying-upgrade", fmt.Sprintf("r%02d", i), 0)))
	}
	if err := w.listed(objs); err != nil {
		t.Fatal(err)
	}
	ready := func(name string) {
		t.Helper()
		if err := w.apply(watch.Event{Type: watch.Modified, Object: object(t, "ready", name, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(100 * time.Millisecond)
	ready("r00")
	ready("r01")
	if out.Len() != 0 {
		t.Errorf("changes within frameGap of the last judgement are weighed at once:\n%s", out.String())
	}
	if err := w.tick(); err != nil {
		t.Fatal(err)
	}
	if out.String() != "apps/r00 reached ready\napps/r01 reached ready\n" {
		t.Errorf("the next tick weighs both: %q", out.String())
	}
	now = now.Add(frameGap)
	ready("r02")
	if !strings.HasSuffix(out.String(), "apps/r02 reached ready\n") {
		t.Errorf("a change frameGap after the last judgement is weighed at once: %q", out.String())
	}
}

// A controller that stops during a wait fails it, as one down when the wait
// begins does: the wait reads the controllers' health again (healthEvery;
// the clock here moves 2 s at each reading). With the health read once,
// it waited out its timeout.
func TestWaitNoticesTheControllerStopping(t *testing.T) {
	fake := clustertest.New(states(t, "retrying-upgrade")...)
	fake.HealthReads = []inspect.Health{{}, {Down: true, Reason: "0 of 1 replicas available"}}
	fake.Watches(watch.NewFake())
	r := executeWith(context.Background(), t, fake, "", movingClock(2*time.Second), "wait", "retrying-upgrade", "--timeout", "20s")
	if r.code != ExitFailed ||
		!strings.Contains(r.stderr, "warning: helm-controller flux-system/helm-controller is down (0 of 1 replicas available)") ||
		!strings.Contains(r.stderr, "apps/retrying-upgrade cannot reach ready: controller down (0 of 1 replicas available)") {
		t.Errorf("exit %d, want %d with the controller down\n%s", r.code, ExitFailed, r.stderr)
	}
}
