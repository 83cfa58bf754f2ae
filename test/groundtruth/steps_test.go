package groundtruth

import (
	"reflect"
	"time"
)

// tornGap bounds the time between the two halves of one controller patch
// (fluxcd/pkg/runtime patch.Helper writes the conditions, then the rest of
// the status, in two requests). Milliseconds apart on a quiet machine;
// 2.08 s and 2.1 s on one at load 5 (ground truth 12 and 04, cancel
// setting): the processing allowance bounds it.
const tornGap = allowance

// tornAt: states[i] is the first half of one status patch. fluxcd's patch
// helper writes the conditions first and the rest of the status (history,
// failure counters, lastHandled*) in a second request, so for a moment the
// object has the new conditions with the old history: a state no reconcile
// rests in (a failed install that reached storage shows no snapshot yet, so
// it reads as one that did not). The next state, arriving within tornGap
// with the same conditions and a different status, is the whole patch; it
// is checked instead.
func tornAt(states []state, i int) bool {
	if i == 0 || i+1 >= len(states) || states[i+1].At.Sub(states[i].At) > tornGap {
		return false
	}
	// The first half wrote new conditions (a state the test made, such as
	// a request annotation, did not).
	if reflect.DeepEqual(states[i-1].HR.Status.Conditions, states[i].HR.Status.Conditions) {
		return false
	}
	a, b := states[i].HR.Status, states[i+1].HR.Status
	if !reflect.DeepEqual(a.Conditions, b.Conditions) {
		return false
	}
	a.Conditions, b.Conditions = nil, nil
	return !reflect.DeepEqual(a, b)
}

// stepsOf is the attempts, plus every further Helm action an attempt ran in
// the same reconcile (the remediation after a failed install, the test
// after an install), each at the time the watch saw its "Running" message.
// A prediction made between two actions of one reconcile is about the next
// action, not the next reconcile.
func stepsOf(states []state, attempts []attempt) []attempt {
	var out []attempt
	for k, a := range attempts {
		out = append(out, a)
		var until time.Time
		if k+1 < len(attempts) {
			until = attempts[k+1].At
		}
		first, prev := true, ""
		for _, st := range states {
			if !st.At.After(a.At) || (!until.IsZero() && !st.At.Before(until)) {
				continue
			}
			c := reconciling(st.HR)
			if !progressing(c) {
				continue
			}
			m := runningActionRE.FindStringSubmatch(c.Message)
			if m == nil || c.Message == prev {
				continue
			}
			prev = c.Message
			if first && actionName(m[1]) == a.Action {
				first = false
				continue
			}
			first = false
			out = append(out, attempt{At: st.At, Action: actionName(m[1]), Via: "watch"})
		}
	}
	return out
}
