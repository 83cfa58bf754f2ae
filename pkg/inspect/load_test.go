package inspect

import (
	"slices"
	"testing"
)

// Two releases run Helm actions; with --concurrent 2 every worker is held,
// so the attempts due before they end wait in the queue, each for the next
// worker to free up (computed by hand from the fixtures: the reconcile of
// "running-with-hooks" ends by 11:40 + 3·5m (upgrade and its hook phases)
// + 3·5m (the rollback that may follow) + 10 s cache wait + 2.2 s =
// 12:10:12.2; that of "progressing" by 11:58 + the same = 12:28:12.2).
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
	if !second.Queued || fmtTime(second.Earliest) != fmtTime(at(t, "12:03:45")) || fmtTime(second.Latest) != fmtTime(at(t, "12:28:14.4")) {
		t.Errorf("second in line: %+v", second)
	}
	if byName["stalled-retries-exceeded"].Queued || byName["progressing"].Queued {
		t.Errorf("nothing scheduled, or holding a worker, is queued")
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
