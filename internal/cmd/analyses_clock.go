package cmd

import (
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// stableUntil is when a state analyzed at `at` may first differ from the
// analysis of the same object at a later clock reading: zero when never.
//
// It rests on how pkg/inspect reads the clock (every use of its `now`):
//   - a window bounded from now (unanchored: earliest = now) moves with
//     it: such a state is re-read a.step later;
//   - every other comparison with now is against a time the state shows:
//     overdue once past Next.Latest (toNext, dependencyNext), the periodic
//     window's switch to "from now" at Next.Earliest (periodicNext), a
//     worker held until WorkerUntil (hold.go: each hold ends at its time,
//     and a later one in the chain only shows once the earlier has ended),
//     and a handled request's time still ahead of the clock (handledAfter,
//     read only with the release's Events, which live views do not read:
//     kept so that one that does stays exact);
//   - a pending request replaces the window decide computed, hiding its
//     times: such a state is re-analyzed at every reading (they are few
//     and short-lived), as is every state under a mutant (groundtruth).
//
// A boundary t is crossed at t or just after it (Before, After, !After):
// the state is re-read at both. TestAnalysesMatchFullAnalysis holds this
// to a full analysis at every step of a timeline of changes and ticks.
func (a *analyses) stableUntil(at time.Time, st *inspect.RetryState, d inspect.Decoded, s inspect.Settings) time.Time {
	n := st.Next
	if s.Mutant != "" || n.Rule == inspect.RuleRequest {
		return at
	}
	if n.Earliest != nil && !n.Anchored && !n.Earliest.After(at) {
		return at.Add(a.step)
	}
	var until time.Time
	for _, t := range []*time.Time{n.Earliest, n.Latest, st.WorkerUntil, handledAt(d)} {
		switch {
		case t == nil || t.Before(at):
		case t.Equal(at):
			until = sooner(until, at.Add(time.Nanosecond))
		default:
			until = sooner(until, *t)
		}
	}
	return until
}

// handledAt is status.lastHandledReconcileAt when it is a time.
func handledAt(d inspect.Decoded) *time.Time {
	if d.Object == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, d.Object.Status.LastHandledReconcileAt)
	if err != nil {
		return nil
	}
	return &t
}

// sooner is the earlier of a (zero: none) and b.
func sooner(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}
