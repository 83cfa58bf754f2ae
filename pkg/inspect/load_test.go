package inspect

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Two releases run Helm actions; with --concurrent 2 every worker is held,
// so the attempts due before they end wait in the queue, each for the next
// worker to free up (computed by hand from the fixtures: the reconcile of
// "running-with-hooks" ends by 11:40 + 3·5m (upgrade and its hook phases)
// + 3·5m (the rollback that may follow) + 10 s cache wait + 2.2 s =
// 12:10:12.2; that of "progressing" by 11:58 + the same = 12:28:12.2).
// The first in line takes the first worker and holds it for its install
// (RetryOnFailure: 3·5m + 10 s + 2.2 s), until 12:25:24.4: that worker is
// free before the other, so the second in line gets it.
func TestApplyLoadQueuesWhenWorkersAreFull(t *testing.T) {
	s := DefaultSettings()
	s.Concurrent = 2
	names := []string{"progressing", "running-with-hooks", "retrying-upgrade", "retrying-install-template-error", "stalled-retries-exceeded"}
	var states []RetryState
	for _, n := range names {
		states = append(states, loadState(t, n, s))
	}
	l := ApplyLoad(states, s, testNow, false)
	if l.Busy != 2 || !l.Full || !l.LowerBound || l.Queued != 2 || fmtTime(l.FreeBy) != fmtTime(at(t, "12:10:12.2")) {
		t.Fatalf("load = %+v", l)
	}
	if !slices.Equal(l.Holders, []string{"apps/running-with-hooks", "apps/progressing"}) {
		t.Errorf("holders = %v", l.Holders)
	}
	byName := map[string]Next{}
	for _, st := range states {
		byName[st.Name] = st.Next
	}
	// Due first (12:01:24), it takes the first worker to free up.
	first := byName["retrying-install-template-error"]
	if !first.Queued || fmtTime(first.Earliest) != fmtTime(at(t, "12:01:24")) || fmtTime(first.Latest) != fmtTime(at(t, "12:10:14.4")) || first.Overdue {
		t.Errorf("first in line: %+v", first)
	}
	second := byName["retrying-upgrade"]
	if !second.Queued || fmtTime(second.Earliest) != fmtTime(at(t, "12:03:45")) || fmtTime(second.Latest) != fmtTime(at(t, "12:25:26.6")) {
		t.Errorf("second in line: %+v", second)
	}
	if byName["stalled-retries-exceeded"].Queued || byName["progressing"].Queued {
		t.Errorf("nothing scheduled, or holding a worker, is queued")
	}
	if !strings.Contains(first.Why, "every controller worker is held") {
		t.Errorf("a queued window says why: %q", first.Why)
	}
	// Its end is when a worker is free at the latest, each reconcile ahead
	// counted at its longest: a bound, which says so.
	if first.Bound != boundQueued || second.Bound != boundQueued {
		t.Errorf("a queued window whose end moved is a bound: %q, %q", first.Bound, second.Bound)
	}
	// A state trimmed for the table (no explanation) is queued the same,
	// and gets none: the sentence would be kept for nothing.
	for i := range states {
		states[i] = loadState(t, names[i], s)
		states[i].Next.Why = ""
	}
	ApplyLoad(states, s, testNow, false)
	if n := states[3].Next; !n.Queued || fmtTime(n.Latest) != fmtTime(at(t, "12:10:14.4")) || n.Why != "" {
		t.Errorf("trimmed, first in line: %+v", n)
	}
}

func TestApplyLoadFreeWorkers(t *testing.T) {
	s := DefaultSettings() // --concurrent 4
	states := []RetryState{loadState(t, "progressing", s), loadState(t, "retrying-upgrade", s)}
	l := ApplyLoad(states, s, testNow, true)
	if l.Busy != 1 || l.Full || l.LowerBound || l.Queued != 0 || l.FreeBy != nil || states[1].Next.Queued {
		t.Errorf("load = %+v, next = %+v", l, states[1].Next)
	}
	if fmtTime(states[1].Next.Latest) != fmtTime(at(t, "12:04:17.2")) {
		t.Errorf("an idle controller keeps the window: %s", fmtTime(states[1].Next.Latest))
	}
}

// A queued attempt is not overdue until the worker it waits for is late.
func TestApplyLoadQueuedIsNotOverdue(t *testing.T) {
	s := DefaultSettings()
	s.Concurrent = 1
	states := []RetryState{loadState(t, "running-with-hooks", s), loadState(t, "retrying-overdue", s)}
	if !states[1].Next.Overdue {
		t.Fatal("fixture: retrying-overdue must be overdue on an idle controller")
	}
	ApplyLoad(states, s, testNow, true)
	if n := states[1].Next; !n.Queued || n.Overdue || fmtTime(n.Latest) != fmtTime(at(t, "12:10:14.4")) {
		t.Errorf("queued behind running-with-hooks: %+v", n)
	}
}

// A queued window is a bound only where its end moved, and a window that
// was a bound already keeps its own reason.
func TestQueuedWindowBound(t *testing.T) {
	s := DefaultSettings()
	s.Concurrent = 1
	dep := loadState(t, "waiting-dependency", s)
	own := dep.Next.Bound
	if own == "" {
		t.Fatal("fixture: waiting-dependency's window must be a bound of its own")
	}
	states := []RetryState{loadState(t, "running-with-hooks", s), dep}
	ApplyLoad(states, s, testNow, true)
	if n := states[1].Next; !n.Queued || n.Bound != own {
		t.Errorf("queued, its own bound: %+v", n)
	}
	// Due before the worker is free (12:10:14.4), due by long after: queued,
	// its end where it was.
	late := loadState(t, "retrying-upgrade", s)
	late.Next.Earliest, late.Next.Latest = at(t, "12:10:00"), at(t, "12:30:00")
	states = []RetryState{loadState(t, "running-with-hooks", s), late}
	ApplyLoad(states, s, testNow, true)
	if n := states[1].Next; !n.Queued || n.Bound != "" || fmtTime(n.Latest) != fmtTime(at(t, "12:30:00")) {
		t.Errorf("queued, its end not moved: %+v", n)
	}
	// The mutant the ground truth must catch leaves a moved end unmarked.
	s.Mutant = MutantQueueUnbound
	states = []RetryState{loadState(t, "running-with-hooks", s), loadState(t, "retrying-overdue", s)}
	ApplyLoad(states, s, testNow, true)
	if n := states[1].Next; !n.Queued || n.Bound != "" {
		t.Errorf("queue-unbound: %+v", n)
	}
}

// A reconcile that remediated a failure holds its worker through the 10 s
// cache wait after its last status patch (fixture from the real
// controller): with a running upgrade, both workers of --concurrent 2 are
// held, so a retry due meanwhile is queued; once the wait is over, the
// worker is free again.
func TestApplyLoadCacheWaitHoldsAWorker(t *testing.T) {
	s := DefaultSettings()
	s.Concurrent = 2
	waiting := loadState(t, "remediated-cache-wait", s)
	if fmtTime(waiting.WorkerUntil) != fmtTime(at(t, "12:00:06")) {
		t.Fatalf("workerUntil = %v, want the lastTransitionTime + 10 s + 1 s", fmtTime(waiting.WorkerUntil))
	}
	// A retry due at 12:00:02-12:00:04.2 gets the worker the wait frees.
	due := loadState(t, "retrying-upgrade", s)
	due.Next.Earliest, due.Next.Latest = at(t, "12:00:02"), at(t, "12:00:04.2")
	states := []RetryState{loadState(t, "progressing", s), waiting, due}
	l := ApplyLoad(states, s, testNow, true)
	if !l.Full || l.Busy != 2 || fmtTime(l.FreeBy) != fmtTime(at(t, "12:00:06")) || !states[2].Next.Queued ||
		fmtTime(states[2].Next.Latest) != fmtTime(at(t, "12:00:08.2")) {
		t.Errorf("load = %+v, retry = %+v", l, states[2].Next)
	}
	// The remediated release's next install needs a worker too: it is in
	// line, and takes the one its own wait frees.
	if n := states[1].Next; !n.Queued && n.Earliest.Before(*l.FreeBy) {
		t.Errorf("the next install after the cache wait: %+v", n)
	}
	later := AnalyzeJSON(mustJSON(t, "remediated-cache-wait"), testNow.Add(7*time.Second), s)
	if later.WorkerUntil != nil {
		t.Errorf("after the cache wait the worker is free: workerUntil = %v", fmtTime(later.WorkerUntil))
	}
}

// Synthetic: a running action's retry joins the line, a release never
// reconciled is first in it, and an attempt whose window overlaps later
// ones' waits, at the latest, for the worker the last of those gets.
// --concurrent 1; the worker is held until 12:00:10.
//
//	line (by earliest): pending (hold 20 s), follow-up [12:00:05, 12:00:20] (10 s),
//	                    a [12:00:06, 12:00:08] (30 s), b [12:00:07, 12:00:30] (5 s)
//	pending: worker free 12:00:10, holds it to 12:00:30
//	follow-up: free 12:00:30, holds it to 12:00:40
//	a: free 12:00:40, to 12:01:10; b: free 12:01:10
//	a may fall due after b (07 <= 08): a's worker is b's, 12:01:10; b's too.
func TestApplyLoadLine(t *testing.T) {
	s := DefaultSettings()
	s.Concurrent = 1
	clock := func(c string) time.Time { return *at(t, c) }
	sched := func(name, e, l string, hold time.Duration) RetryState {
		return RetryState{Name: name, Phase: PhaseRetrying, Next: Next{Action: ActionUpgrade, Earliest: ptr(clock(e)), Latest: ptr(clock(l)), Anchored: true},
			queue: queueHint{hold: hold}}
	}
	running := RetryState{Name: "running", Phase: PhaseProgressing, WorkerUntil: ptr(clock("12:00:10")),
		Next:  Next{Action: ActionUpgrade, Earliest: ptr(clock("11:59:50")), Latest: ptr(clock("12:00:10"))},
		queue: queueHint{followUp: &followUp{earliest: clock("12:00:05"), latest: clock("12:00:20"), hold: 10 * time.Second}}}
	pending := RetryState{Name: "new", Phase: PhasePending, Next: Next{Action: ActionReconcile}, queue: queueHint{hold: 20 * time.Second}}
	states := []RetryState{running, pending, sched("a", "12:00:06", "12:00:08", 30*time.Second), sched("b", "12:00:07", "12:00:30", 5*time.Second)}
	l := ApplyLoad(states, s, clock("12:00:00"), true)
	if l.Queued != 2 || fmtTime(states[2].Next.Latest) != fmtTime(at(t, "12:01:12.2")) || fmtTime(states[3].Next.Latest) != fmtTime(at(t, "12:01:12.2")) {
		t.Errorf("load %+v; a %+v; b %+v", l, states[2].Next, states[3].Next)
	}
	if states[1].Next.Queued || states[0].Next.Queued {
		t.Errorf("the running action and the release never reconciled have no window to change")
	}
}

// mustJSON is testdata/states/<name>.yaml as JSON.
func mustJSON(t *testing.T, name string) []byte {
	t.Helper()
	y, err := os.ReadFile(filepath.Join("testdata", "states", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// More releases show a worker held than there are workers: the first to
// end has passed its worker on already, so the later ones bound when the
// workers are free.
func TestApplyLoadMoreHoldersThanWorkers(t *testing.T) {
	s := DefaultSettings()
	s.Concurrent = 1
	clock := func(c string) *time.Time { return at(t, c) }
	holder := func(name, until string) RetryState {
		return RetryState{Name: name, Phase: PhaseProgressing, WorkerUntil: clock(until), Next: Next{Action: ActionUpgrade}}
	}
	due := RetryState{Name: "due", Phase: PhaseRetrying, Next: Next{Action: ActionUpgrade, Earliest: clock("12:00:01"), Latest: clock("12:00:03"), Anchored: true}}
	states := []RetryState{holder("ending", "12:00:05"), holder("running", "12:00:40"), due}
	l := ApplyLoad(states, s, testNow, true)
	if l.Busy != 2 || fmtTime(l.FreeBy) != fmtTime(clock("12:00:40")) || fmtTime(states[2].Next.Latest) != fmtTime(clock("12:00:42.2")) {
		t.Errorf("load %+v; due %+v", l, states[2].Next)
	}
}

// A reconcile in its prologue holds a worker for seconds (seen in the busy
// set: a ready release's in-sync reconcile, 0.1 s, between two Helm
// actions of others): the ready fixture as the controller shows it at the
// start of such a reconcile.
func TestPrologueHoldsAWorker(t *testing.T) {
	hr := &v2.HelmRelease{}
	if err := json.Unmarshal(mustJSON(t, "ready"), hr); err != nil {
		t.Fatal(err)
	}
	hr.Status.Conditions = append(hr.Status.Conditions, metav1.Condition{Type: "Reconciling", Status: metav1.ConditionTrue,
		Reason: "Progressing", Message: "Fulfilling prerequisites", LastTransitionTime: metav1.NewTime(*at(t, "11:59:59"))})
	s := DefaultSettings()
	st := Analyze(hr, testNow, s)
	if st.Phase != PhaseProgressing || fmtTime(st.WorkerUntil) != fmtTime(at(t, "12:00:02.2")) {
		t.Errorf("phase %s, workerUntil %s: want progressing, until the transition + 1 s + 2.2 s", st.Phase, fmtTime(st.WorkerUntil))
	}
	if later := Analyze(hr, testNow.Add(4*time.Second), s); later.WorkerUntil != nil {
		t.Errorf("a prologue seen for longer is not counted: workerUntil %s", fmtTime(later.WorkerUntil))
	}
}

// The prologue of a release that is not ready goes on to a Helm action
// (312 of the 331 in the kept recordings did, the rest ended before Helm):
// its worker is held through the action, not for the prologue's seconds
// (retry-starting: an upgrade failed, a new reconcile began at 11:59:59;
// upgrade and install both 5m with a pre and a post hook phase, 15m, then
// the 10 s cache wait and the 2.2 s margin, after the prologue's 1 s +
// 2.2 s).
func TestPrologueOfAFailingReleaseHoldsThroughItsAction(t *testing.T) {
	s := DefaultSettings()
	st := AnalyzeJSON(mustJSON(t, "retry-starting"), testNow, s)
	if st.Phase != PhaseProgressing || fmtTime(st.WorkerUntil) != fmtTime(at(t, "12:15:14.4")) {
		t.Errorf("phase %s, workerUntil %s: want progressing, until 12:15:14.4", st.Phase, fmtTime(st.WorkerUntil))
	}
	due := RetryState{Name: "due", Phase: PhaseRetrying, Next: Next{Action: ActionUpgrade, Earliest: at(t, "12:00:01"),
		Latest: at(t, "12:00:03"), Anchored: true}}
	s.Concurrent = 1
	states := []RetryState{st, due}
	if l := ApplyLoad(states, s, testNow, true); !l.Full || !states[1].Next.Queued ||
		fmtTime(states[1].Next.Latest) != fmtTime(at(t, "12:15:16.6")) {
		t.Errorf("the release next in line waits for the action: load %+v, next %+v", l, states[1].Next)
	}
}

// A RetryOnFailure attempt that has just failed still counts for a moment:
// the queue hands its worker to the next release, which shows it about
// 0.1 s later (retrying-upgrade failed at 11:59:00).
func TestEpilogueHoldsAWorker(t *testing.T) {
	s := DefaultSettings()
	j := mustJSON(t, "retrying-upgrade")
	just := AnalyzeJSON(j, *at(t, "11:59:01"), s)
	if just.Phase != PhaseRetrying || fmtTime(just.WorkerUntil) != fmtTime(at(t, "11:59:03.2")) {
		t.Errorf("just failed: phase %s, workerUntil %s; want retrying, until 11:59:03.2", just.Phase, fmtTime(just.WorkerUntil))
	}
	if st := AnalyzeJSON(j, testNow, s); st.WorkerUntil != nil {
		t.Errorf("a minute later the worker is free: workerUntil %s", fmtTime(st.WorkerUntil))
	}
}
