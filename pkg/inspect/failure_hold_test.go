package inspect

import (
	"testing"
	"time"
)

// The real controller writes an action's failure in a patch of its own
// while Reconciling still says the action runs; the reconcile goes on
// (RetryOnFailure: it returns; RemediateOnFailure: it remediates, then
// waits for its cache). Both states were recorded in the busy set, their
// failure at 11:59:59 (shifted).
func TestFailureHoldsTheWorker(t *testing.T) {
	s := DefaultSettings()
	s.Concurrent = 2
	for _, c := range []struct {
		fixture string
		phase   Phase
		until   string
	}{
		// The epilogue's hold: the failure's second + 1 s + 2.2 s.
		{"failure-recorded-retrying", PhaseRetrying, "12:00:02.2"},
		// The uninstall remediation (10 s for each of its three phases),
		// the 10 s cache wait, 2.2 s: 11:59:59 + 1 s + 42.2 s.
		{"failure-recorded-remediating", PhaseRemediating, "12:00:42.2"},
	} {
		st := loadState(t, c.fixture, s)
		if st.Phase != c.phase || fmtTime(st.WorkerUntil) != fmtTime(at(t, c.until)) {
			t.Errorf("%s: phase %s, workerUntil %s; want %s, %s", c.fixture, st.Phase, fmtTime(st.WorkerUntil), c.phase, c.until)
		}
		later := AnalyzeJSON(mustJSON(t, c.fixture), at(t, c.until).Add(time.Millisecond), s)
		if later.WorkerUntil != nil {
			t.Errorf("%s: a failure that old is a reconcile that ended (stopped controller): workerUntil %s", c.fixture, fmtTime(later.WorkerUntil))
		}
	}
}

// With both workers held that way, a retry already due waits for one: it
// is queued, not overdue (a CI run of the busy set listed once in the
// 20 ms between the patches and called five releases overdue). The
// failure-hold-off mutant counts the workers free.
func TestFailureHoldQueuesTheDue(t *testing.T) {
	for _, m := range []Mutant{"", MutantNoFailureHold} {
		s := DefaultSettings()
		s.Concurrent, s.Mutant = 2, m
		due := loadState(t, "retrying-upgrade", s)
		due.Next.Earliest, due.Next.Latest = at(t, "11:59:50"), at(t, "11:59:55")
		states := []RetryState{loadState(t, "failure-recorded-retrying", s), loadState(t, "failure-recorded-remediating", s), due}
		l := ApplyLoad(states, s, testNow, true)
		queued := l.Full && states[2].Next.Queued && !states[2].Next.Overdue
		if queued != (m == "") {
			t.Errorf("mutant %q: load %+v, the due retry %+v", m, l, states[2].Next)
		}
	}
}

// A release failing since its creation may have had the finalizer's
// requeue counted twice (a loaded controller: the ground truth's cancel
// set, kept as recording-cancel): its remediation backoff is 1.5 s after
// one failure, or 3 s. One whose history shows a success was forgotten by
// the work queue then: its failures alone count. The mutant
// creation-requeue-ignored counts the failures only.
func TestFailingSinceCreationAllowsOneMoreStep(t *testing.T) {
	for _, c := range []struct {
		fixture string
		mutant  Mutant
		latest  string
	}{
		{"remediated-cache-wait", "", "12:00:09"},                             // 11:59:55 + 10 s + 3 s + 1 s
		{"remediated-cache-wait", MutantCreationRequeueIgnored, "12:00:07.5"}, // + 1.5 s
		{"remediating-rollback", "", "12:00:02.5"},                            // its first install succeeded
	} {
		s := DefaultSettings()
		s.Mutant = c.mutant
		st := loadState(t, c.fixture, s)
		if fmtTime(st.Next.Latest) != fmtTime(at(t, c.latest)) {
			t.Errorf("%s (mutant %q): latest %s, want %s (%s)", c.fixture, c.mutant, fmtTime(st.Next.Latest), c.latest, st.Next.Why)
		}
	}
}
