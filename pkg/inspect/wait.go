package inspect

import (
	"fmt"
	"time"
)

// VerdictSuperseded: a newer generation replaced the spec a `wait --for
// ready` began with. The controller reconciles the newest spec only, so the
// one waited for will never be reported on: neither reached nor failed.
const VerdictSuperseded Verdict = "superseded"

// VerdictGone: the object was deleted while a goal other than deleted was
// waited for.
const VerdictGone Verdict = "gone"

// Progress judges one release during a wait. st is nil once the object is
// gone; waited is the generation it had when the wait began.
//
// Only --for ready is tied to a spec: version, revision, digest and
// generation name an outcome a newer spec may reach as well, so a newer
// generation supersedes nothing for them (Superseded still tells the view).
func (g Goal) Progress(waited int64, st *RetryState, l Limits, now time.Time) (Verdict, string) {
	if st == nil {
		if g.Kind == GoalDeleted {
			return VerdictReached, "deleted"
		}
		return VerdictGone, "deleted while waiting for " + g.String()
	}
	if g.Kind == GoalReady && Superseded(waited, *st) {
		return VerdictSuperseded, fmt.Sprintf("generation %d, the spec waited for, was superseded by generation %d before it was ready",
			waited, st.Generation)
	}
	return g.Judge(*st, l, now)
}

// Superseded: the object's spec changed since the wait began at generation
// waited (0: not known).
func Superseded(waited int64, st RetryState) bool {
	return waited > 0 && st.Generation > waited
}

// Mark sets Stuck and StuckReason on every state l counts as stuck at now,
// and returns how many.
func (l Limits) Mark(states []RetryState, now time.Time) int {
	n := 0
	for i := range states {
		states[i].Stuck, states[i].StuckReason = l.Stuck(states[i], now)
		if states[i].Stuck {
			n++
		}
	}
	return n
}
