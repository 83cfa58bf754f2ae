package groundtruth

import (
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// These run without a cluster: they check that the verdict can fail.

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// hrWith is a release whose Reconciling condition has reason and message
// ("" for none) and whose Ready condition has readyReason.
func hrWith(reason, msg, readyReason string) *v2.HelmRelease {
	hr := &v2.HelmRelease{}
	if reason != "" {
		hr.Status.Conditions = append(hr.Status.Conditions, metav1.Condition{Type: "Reconciling", Status: "True", Reason: reason, Message: msg})
	}
	hr.Status.Conditions = append(hr.Status.Conditions, metav1.Condition{Type: "Ready", Status: "False", Reason: readyReason})
	return hr
}

func TestAttemptsOf(t *testing.T) {
	states := []state{
		{at(0), hrWith("Progressing", prerequisites, "Unknown")},
		{at(0.1), hrWith("Progressing", "Running 'correct cluster drift' action with timeout of 5s", "Unknown")},
		{at(0.2), hrWith("ProgressingWithRetry", "retrying after 10s", "Drifted")},
		{at(10), hrWith("Progressing", prerequisites, "Unknown")},
		{at(10.1), hrWith("Progressing", prerequisites, "ValuesError")},
	}
	// The error of the reconcile at +10 (merged), then two reconciles the
	// watch could not see; an error logged during a Helm action is not one.
	errLogs := []time.Time{at(0.15), at(10.12), at(11), at(12.5)}
	got := attemptsOf(states, []time.Time{at(10.05)}, errLogs)
	want := []string{"correct-drift", "reconcile", "reconcile", "reconcile"}
	if !slices.Equal(actions(got), want) {
		t.Fatalf("actions %v, want %v (%+v)", actions(got), want, got)
	}
	if !got[1].DepChecked || got[1].Open || got[3].Via != "error-log" {
		t.Errorf("attempts %+v: want the second dependency-checked and closed, the last from the error log", got)
	}
}

func TestCheckIsStrict(t *testing.T) {
	ready := hrWith("", "", "InstallSucceeded")
	ptr := func(v time.Time) *time.Time { return &v }
	pred := func(action inspect.Action, earliest, latest *time.Time) prediction {
		return prediction{State: 0, Ran: at(0), RS: inspect.RetryState{Phase: inspect.PhaseReady,
			Next: inspect.Next{Action: action, Earliest: earliest, Latest: latest, Rule: inspect.RuleDependency}}}
	}
	install := []attempt{{At: at(20), Action: "install"}}
	reconcileAt20 := []attempt{{At: at(20), Action: "reconcile"}}
	for _, c := range []struct {
		name     string
		p        prediction
		attempts []attempt
		ivs      []intervention
		want     string
	}{
		{"in window", pred(inspect.ActionReconcile, ptr(at(18)), ptr(at(21))), reconcileAt20, nil, agree},
		{"reconcile is not a Helm action", pred(inspect.ActionReconcile, ptr(at(18)), ptr(at(21))), install, nil, disagree},
		{"unless out of band", pred(inspect.ActionReconcile, ptr(at(18)), ptr(at(21))), install,
			[]intervention{{At: at(5), What: "storage deleted", OutOfBand: true}}, agree},
		{"recheck is not a Helm action", pred(inspect.ActionRecheck, ptr(at(18)), ptr(at(21))), install, nil, disagree},
		{"recheck matches a dependency check", pred(inspect.ActionRecheck, ptr(at(18)), ptr(at(21))),
			[]attempt{{At: at(20), Action: "install", DepChecked: true}}, nil, agree},
		{"no end", pred(inspect.ActionReconcile, ptr(at(18)), nil), reconcileAt20, nil, disagree},
		{"no start", pred(inspect.ActionUpgrade, nil, ptr(at(21))), nil, nil, disagree},
		{"too early", pred(inspect.ActionReconcile, ptr(at(20.5)), ptr(at(21))), reconcileAt20, nil, disagree},
		{"too late", pred(inspect.ActionReconcile, ptr(at(10)), ptr(at(17))), reconcileAt20, nil, disagree},
		{"superseded in time", pred(inspect.ActionReconcile, ptr(at(18)), ptr(at(21))), reconcileAt20,
			[]intervention{{At: at(15), What: "spec", Supersedes: true}}, superseded},
		{"superseded after the window", pred(inspect.ActionReconcile, ptr(at(5)), ptr(at(8))), reconcileAt20,
			[]intervention{{At: at(15), What: "spec", Supersedes: true}}, disagree},
	} {
		r := &recorder{states: []state{{at(0), ready}}, interventions: c.ivs, ended: at(60)}
		if got := r.check(row{}, r.states[0], c.p, c.attempts); got.Verdict != c.want {
			t.Errorf("%s: verdict %s (%s), want %s", c.name, got.Verdict, got.Observed, c.want)
		}
	}
}

func TestExpectationsMustAgree(t *testing.T) {
	stalledHR := hrWith("", "", "InstallFailed")
	stalledHR.Status.Conditions = append(stalledHR.Status.Conditions, metav1.Condition{Type: "Stalled", Status: "True"})
	r := &recorder{states: []state{{at(0), stalledHR}}, ended: at(30),
		preds: []prediction{{State: 0, Ran: at(0), RS: inspect.RetryState{Phase: inspect.PhaseFailed,
			Next: inspect.Next{Action: inspect.ActionInstall, Earliest: ptrTime(at(1)), Latest: ptrTime(at(2))}}}}}
	rows, tallies := r.verdicts("x", []expectation{expectStalled(), expectRetry(inspect.ActionUpgrade)})
	if tallies[0].matched != 1 || tallies[0].agreed != 0 || tallies[1].matched != 0 {
		t.Errorf("tallies %+v: want the stalled expectation matched and not agreed, the other never matched", tallies)
	}
	if !slices.ContainsFunc(rows, func(x row) bool { return x.Verdict == disagree }) {
		t.Errorf("rows %+v: want a disagreement", rows)
	}
}

func ptrTime(v time.Time) *time.Time { return &v }

func TestTornAndSteps(t *testing.T) {
	failed := hrWith("Progressing", "Running 'install' action with timeout of 5s", "InstallFailed")
	stored := failed.DeepCopy()
	stored.Status.History = v2.Snapshots{{Version: 1, Status: "failed"}}
	states := []state{
		{at(0), hrWith("Progressing", prerequisites, "Unknown")},
		{at(0.1), hrWith("Progressing", "Running 'install' action with timeout of 5s", "Unknown")},
		{at(5), failed},
		{at(5.2), stored},
		{at(5.3), hrWith("Progressing", "Running 'uninstall' action with timeout of 5s", "InstallFailed")},
		{at(6), hrWith("ProgressingWithRetry", "failed", "InstallFailed")},
		{at(17), hrWith("Progressing", prerequisites, "InstallFailed")},
	}
	if !tornAt(states, 2) || tornAt(states, 3) || tornAt(states, 5) {
		t.Errorf("torn: %v %v %v; want only the conditions-only half (2)", tornAt(states, 2), tornAt(states, 3), tornAt(states, 5))
	}
	// The halves 2.1 s apart (measured at load 5) are still one patch; 3 s
	// apart they are not.
	slow := slices.Clone(states)
	slow[3].At = at(7.1)
	late := slices.Clone(states)
	late[3].At = at(8)
	if !tornAt(slow, 2) || tornAt(late, 2) {
		t.Errorf("torn 2.1 s apart: %v (want true), 3 s apart: %v (want false)", tornAt(slow, 2), tornAt(late, 2))
	}
	steps := stepsOf(states, attemptsOf(states, nil, nil))
	if got := actions(steps); !slices.Equal(got, []string{"install", "uninstall", "reconcile"}) {
		t.Errorf("steps %v; want the uninstall of the same reconcile as a step", got)
	}
}

// The busy set's checks: a release called overdue while the recording
// shows every worker held is a disagreement; the same call with a worker
// free is not (the window check judges it); a reconcile holds its worker
// through the cache wait the controller logged after it.
func TestOverdueWhileFull(t *testing.T) {
	running := func(name string, from, till float64) *recorder {
		return &recorder{ns: "b", name: name, ended: at(60), states: []state{
			{at(from), hrWith("Progressing", "Running 'install' action with timeout of 15s", "Unknown")},
			{at(till), hrWith("ProgressingWithRetry", "retrying after 5s", "InstallFailed")},
		}}
	}
	waiting := running("waiting", 0, 10)
	waiting.cacheWaits = []time.Time{at(20)} // holds its worker until +20
	other := running("other", 5, 30)
	overdue := func(ran float64) prediction {
		return prediction{State: 0, Ran: at(ran), Listed: true, RS: inspect.RetryState{Phase: inspect.PhaseRetrying,
			Next: inspect.Next{Action: inspect.ActionUpgrade, Earliest: ptrTime(at(1)), Latest: ptrTime(at(3)), Anchored: true, Overdue: true}}}
	}
	late := &recorder{ns: "b", name: "late", ended: at(60), states: []state{{at(0), hrWith("ProgressingWithRetry", "retrying after 5s", "InstallFailed")}},
		preds: []prediction{overdue(15), overdue(25)}}
	var holds []hold
	for _, r := range []*recorder{waiting, other} {
		holds = append(holds, r.holdsOf()...)
	}
	if got := holdersAt(holds, at(15)); len(got) != 2 {
		t.Fatalf("holders at +15: %v; want both (one in its cache wait)", got)
	}
	rows := late.overdueWhileFull(holds, 2)
	if len(rows) != 1 || rows[0].Verdict != disagree || !strings.Contains(rows[0].Observed, "at +15.0s") {
		t.Errorf("rows %+v: want one disagreement, the call at +15 (at +25 a worker was free)", rows)
	}
	b := busyResult{fullSamples: 3}
	if b.notCreated() == "" {
		t.Error("no queued prediction agreeing: the busy set did not create its state")
	}
}

// A view with two windows (inspect.Next.Or) is held by the one that holds
// the attempt, both ends of each checked with the allowance; an attempt in
// neither, or between them past the first's allowance, is held by none.
func TestHoldingTakesEitherWindow(t *testing.T) {
	at := func(s float64) time.Time {
		return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC).Add(time.Duration(s * float64(time.Second)))
	}
	e, l := at(10), at(13)
	p := prediction{RS: inspect.RetryState{Next: inspect.Next{Action: inspect.ActionReconcile, Earliest: &e, Latest: &l,
		Or: &inspect.Window{Earliest: at(20), Latest: at(23)}}}}
	for _, c := range []struct {
		at       float64
		ok, inOr bool
	}{
		{9.9, false, false}, {10, true, false}, {15.5, true, false}, {15.6, false, false},
		{19.9, false, false}, {20, true, true}, {25.5, true, true}, {25.6, false, false},
	} {
		got, ok := holding(p, at(c.at))
		if ok != c.ok {
			t.Errorf("+%.1fs: held %v, want %v", c.at, ok, c.ok)
			continue
		}
		if inOr := ok && got.RS.Next.Earliest.Equal(at(20)); inOr != c.inOr {
			t.Errorf("+%.1fs: in the second window %v, want %v", c.at, inOr, c.inOr)
		}
		if ok && c.inOr && (got.RS.Next.Or == nil || !got.RS.Next.Or.Earliest.Equal(e)) {
			t.Errorf("+%.1fs: the first window is not kept as the other: %+v", c.at, got.RS.Next.Or)
		}
	}
	if lastLatest(p.RS.Next) != at(23) {
		t.Errorf("lastLatest = %s", lastLatest(p.RS.Next))
	}
}
