package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// watchSeq answers the WATCH requests in order: a watcher, or an error.
func watchSeq(fake *clustertest.Fake, answers ...any) {
	var mu sync.Mutex
	fake.Dynamic.PrependWatchReactor("helmreleases", func(k8stesting.Action) (bool, watch.Interface, error) {
		mu.Lock()
		defer mu.Unlock()
		if len(answers) == 0 {
			return true, watch.NewFake(), nil
		}
		a := answers[0]
		answers = answers[1:]
		if err, ok := a.(error); ok {
			return true, nil, err
		}
		w, ok := a.(watch.Interface)
		if !ok {
			return true, nil, errors.New("test answer is neither an error nor a watch")
		}
		return true, w, nil
	})
}

func gone() *metav1.Status {
	return &metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonGone, Message: "too old resource version"}
}

// On a pipe: the table once, a line per change, the table again after a
// 410 Gone re-list, and a watch the server refuses ends the command with
// the error.
func TestStatusWatchPipe(t *testing.T) {
	fake := clustertest.New(states(t, "ready", "retrying-upgrade")...)
	first, second := watch.NewFake(), watch.NewFake()
	forbidden := apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "", errors.New("RBAC"))
	watchSeq(fake, first, second, forbidden)
	stalled := states(t, "stalled-retries-exceeded")[0]
	ready := states(t, "ready")[0]
	go func() {
		first.Add(stalled)  // a line
		first.Delete(ready) // nothing on a pipe
		first.Error(gone()) // re-list
		second.Error(gone())
	}()
	r := execute(t, fake, "status", "-w", "--chunk-size", "1")

	if r.code != ExitFailed || !strings.Contains(r.stderr, "forbidden: you may not watch helmreleases.helm.toolkit.fluxcd.io in namespace apps") {
		t.Errorf("a refused watch: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := len(fake.Lists()); n != 3 {
		t.Errorf("%d lists; want the first and one per 410 Gone", n)
	}
	if lists := fake.Lists(); lists[0].ChunkSize != 1 {
		t.Errorf("the watch's list ignores --chunk-size: %+v", lists[0])
	}
	if got := strings.Count(r.stdout, "NAME"); got != 3 {
		t.Errorf("%d tables; want one per list", got)
	}
	if got := strings.Count(r.stdout, "stalled-retries-exceeded"); got != 1 {
		t.Errorf("the added release printed %d times; want one line for the change (the fake's re-lists do not have it)", got)
	}
	if got := strings.Count(r.stdout, "retrying-upgrade"); got != 3 {
		t.Errorf("retrying-upgrade printed %d times; want once per table", got)
	}
}

func TestStatusWatchEnds(t *testing.T) {
	// --timeout is a normal end of a watch.
	fake := clustertest.New(states(t, "ready")...)
	if r := execute(t, fake, "status", "-w", "--timeout", "1ms"); r.code != ExitOK || !strings.Contains(r.stdout, "ready") {
		t.Errorf("--timeout: exit %d", r.code)
	}

	// So is Ctrl-C, and the settings note still comes first.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fake.SettingsNote = "note: defaults"
	if r := executeCtx(ctx, t, fake, "", "status", "-w"); r.code != ExitOK || !strings.Contains(r.stderr, "note: defaults") {
		t.Errorf("interrupted: exit %d", r.code)
	}

	// A LIST the server refuses is an error.
	fake.Dynamic.PrependReactor("list", "helmreleases", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(cluster.HelmReleases.GroupResource(), "", errors.New("RBAC"))
	})
	if r := execute(t, fake, "status", "-w", "-A"); r.code != ExitFailed || !strings.Contains(r.stderr, "you may not list") {
		t.Errorf("forbidden list: exit %d, %q", r.code, r.stderr)
	}
}

// On a terminal every change redraws the whole table in place.
func TestWatchTerminalRedraws(t *testing.T) {
	o, _, _ := parseStatus(t, "-w", "--phase", "stalled,ready")
	var out bytes.Buffer
	o.deps.Streams.Out = &out
	o.term.tty = true
	v := &liveView{o: o, seen: newAnalyses(defaultJudges(), clockStep)}
	if err := v.listed(nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "No HelmReleases found in namespace apps.") || !strings.Contains(out.String(), "(watching; Ctrl-C to stop)") {
		t.Errorf("empty frame:\n%s", out.String())
	}
	lines := strings.Count(out.String(), "\n")
	for _, name := range []string{"stalled-retries-exceeded", "retrying-upgrade"} {
		if err := v.apply(watch.Event{Type: watch.Modified, Object: states(t, name)[0]}); err != nil {
			t.Fatal(err)
		}
	}
	_ = v.tick() // the changes came within frameGap of the first frame
	if strings.Contains(out.String(), "retrying-upgrade") || !strings.Contains(out.String(), "stalled-retries-exceeded") {
		t.Errorf("--phase stalled,ready filters the frames:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "\x1b[") || lines == 0 {
		t.Errorf("a frame redraws over the last one (%d lines)", lines)
	}
	if err := v.apply(watch.Event{Type: watch.Deleted, Object: states(t, "stalled-retries-exceeded")[0]}); err != nil || len(v.states(testNow)) != 0 {
		t.Errorf("a deleted release leaves the view: %v", err)
	}
	if err := v.apply(watch.Event{Type: watch.Bookmark, Object: states(t, "ready")[0]}); err != nil || len(v.states(testNow)) != 0 {
		t.Errorf("a bookmark changes nothing: %v", err)
	}
}

// On a terminal a change is drawn at once, unless the last frame is less
// than frameGap old: then by the next tick, one frame for all the changes
// in between. A tick with nothing new draws nothing until the second turns
// (the countdowns) or the terminal's size changes.
func TestWatchTerminalFrameGap(t *testing.T) {
	o, _, _ := parseStatus(t, "-w")
	var out bytes.Buffer
	o.deps.Streams.Out = &out
	o.term.tty = true
	clock := testNow.Truncate(time.Second)
	o.deps.Now = func() time.Time { return clock }
	v := &liveView{o: o, seen: newAnalyses(defaultJudges(), clockStep)}
	frames := func() int { return strings.Count(out.String(), "(watching; Ctrl-C to stop)") }
	step := func(what string, d time.Duration, do func(), want int) {
		t.Helper()
		clock = clock.Add(d)
		do()
		if got := frames(); got != want {
			t.Errorf("%s: %d frames, want %d", what, got, want)
		}
	}
	change := func(name string) func() {
		return func() {
			if err := v.apply(watch.Event{Type: watch.Modified, Object: states(t, name)[0]}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tick := func() { _ = v.tick() }
	step("the LIST", 0, func() { _ = v.listed(nil) }, 1)
	step("a change 100 ms after a frame", 100*time.Millisecond, change("stalled-retries-exceeded"), 1)
	step("another, 50 ms later", 50*time.Millisecond, change("retrying-upgrade"), 1)
	step("the next tick", 100*time.Millisecond, tick, 2)
	if !strings.Contains(out.String(), "retrying-upgrade") || !strings.Contains(out.String(), "stalled-retries-exceeded") {
		t.Errorf("the held-back changes are not drawn:\n%s", out.String())
	}
	step("a tick with nothing new", 250*time.Millisecond, tick, 2)
	step("a change 300 ms after the last frame", 50*time.Millisecond, change("ready"), 3)
	step("a tick in the same second", 100*time.Millisecond, tick, 3)
	step("a tick in the next second", 500*time.Millisecond, tick, 4)
	o.term.width = 90 // a resize: size() reads it without a terminal file
	step("a tick after a resize", 0, tick, 5)
}

// states is what the live view shows at now: the filtered, sorted states.
func (v *liveView) states(now time.Time) []inspect.RetryState {
	out, _ := v.statesWithLoad(now)
	return out
}

// A controller that stops while a piped live view is open, and comes back:
// a line on stderr each time and, on stdout, the line of each release whose
// next action it blocks, then frees (a stalled release has none: no line).
// The view reads the controllers' health again (healthEvery; the clock here
// moves 5 s at each reading).
func TestStatusWatchPipeNoticesTheController(t *testing.T) {
	fake := clustertest.New(states(t, "retrying-upgrade", "stalled-retries-exceeded")...)
	fake.HealthReads = []inspect.Health{{}, {Down: true, Reason: "0 of 1 replicas available"}, {}}
	fake.Watches(watch.NewFake())
	r := executeWith(context.Background(), t, fake, "", movingClock(5*time.Second), "status", "-A", "--watch", "--timeout", "5s")
	if r.code != ExitOK {
		t.Fatalf("exit %d", r.code)
	}
	down := strings.Index(r.stderr, "warning: helm-controller flux-system/helm-controller is down (0 of 1 replicas available)")
	back := strings.Index(r.stderr, "helm-controller flux-system/helm-controller is back")
	if down < 0 || back < down {
		t.Errorf("stderr does not say it stopped, then came back:\n%s", r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var retrying []string
	stalled := 0
	for _, l := range lines[1:] {
		if strings.Contains(l, "stalled-retries-exceeded") {
			stalled++
		}
		if strings.Contains(l, "retrying-upgrade") {
			retrying = append(retrying, l)
		}
	}
	if stalled != 1 {
		t.Errorf("the stalled release, which has nothing to block, has %d lines, want the table's:\n%s", stalled, r.stdout)
	}
	if len(retrying) != 3 || strings.Contains(retrying[0], "controller down") || !strings.Contains(retrying[1], "(controller down)") ||
		strings.Contains(retrying[2], "controller down") {
		t.Errorf("retrying-upgrade's lines: the table's, blocked, free again; got:\n%s", strings.Join(retrying, "\n"))
	}
}

// The same for `status --watch -o json`: one document per release listed,
// then one for each release whose next action the controller's stop
// blocked, and one when it came back, at the same resourceVersion.
func TestStatusWatchDataNoticesTheController(t *testing.T) {
	fake := clustertest.New(states(t, "retrying-upgrade", "stalled-retries-exceeded")...)
	fake.HealthReads = []inspect.Health{{}, {Down: true, Reason: "0 of 1 replicas available"}, {}}
	fake.Watches(watch.NewFake())
	r := executeWith(context.Background(), t, fake, "", movingClock(5*time.Second), "status", "-A", "--watch", "-o", "json", "--timeout", "5s")
	if r.code != ExitOK || !strings.Contains(r.stderr, "warning: helm-controller flux-system/helm-controller is down (0 of 1 replicas available)") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var blocked []string
	stalled := 0
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var doc struct {
			Name string
			Next struct{ Blocked string }
		}
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		switch doc.Name {
		case "retrying-upgrade":
			blocked = append(blocked, doc.Next.Blocked)
		case "stalled-retries-exceeded":
			stalled++
		}
	}
	if stalled != 1 || len(blocked) != 3 || blocked[0] != "" || !strings.HasPrefix(blocked[1], "controller down") || blocked[2] != "" {
		t.Errorf("stalled-retries-exceeded: %d documents, want 1; retrying-upgrade's next.blocked: %q, want free, blocked, free\n%s",
			stalled, blocked, r.stdout)
	}
}
