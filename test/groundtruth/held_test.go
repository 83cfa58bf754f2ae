package groundtruth

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// heldEvery is how often heldRows looks between the recorded state
// changes: a hold the plugin counts ends with time, not only with a state.
const heldEvery = 250 * time.Millisecond

// heldRows checks the busy set's recording for workers the plugin would
// count free that the controller held. At every recorded state change and
// every heldEvery between, when the recording shows --concurrent
// reconciles holding a worker (holdsOf: from an attempt's start to its
// last Progressing state and its cache wait), the load inspect.ApplyLoad
// gives the releases' states as they stood then must be full: else a
// listing made then calls the attempts waiting for a worker overdue. The
// sampler's listings find such a moment only by chance (a CI run listed
// once in the 20 ms between a failure's patch and the next one, and called
// five releases overdue); this check looks at all of them. One row per
// recorded state of each holder: it disagrees when any moment of it was
// missed. mutationCheck adds these rows to the replay's (failure-hold-off
// is caught by them); the busy run checks them too.
func heldRows(rc recording, mutant inspect.Mutant) ([]row, error) {
	s, err := rc.settings(mutant)
	if err != nil {
		return nil, err
	}
	byName := map[string]*recorder{}
	var recs []*recorder
	var holds []hold
	var moments []time.Time
	for _, rr := range rc.Releases {
		if !rr.Listed {
			continue
		}
		r := rc.recorder(rr)
		recs = append(recs, r)
		byName[r.ns+"/"+r.name] = r
		holds = append(holds, r.holdsOf()...)
		for _, st := range r.states {
			moments = append(moments, st.At)
		}
	}
	if len(moments) == 0 {
		return nil, nil
	}
	slices.SortFunc(moments, time.Time.Compare)
	for at := moments[0]; at.Before(moments[len(moments)-1]); at = at.Add(heldEvery) {
		moments = append(moments, at)
	}
	slices.SortFunc(moments, time.Time.Compare)
	seen := map[string]*row{}
	var order []string
	for _, at := range moments {
		gt := holdersAt(holds, at)
		if len(gt) < s.Concurrent {
			continue
		}
		states, idx := statesAt(recs, at, s)
		l := inspect.ApplyLoad(states, s, at, true)
		for _, name := range gt {
			st := byName[name].states[idx[name]]
			key := fmt.Sprintf("%s/%d", name, idx[name])
			x, ok := seen[key]
			if !ok {
				x = &row{Scenario: "busy", Release: byName[name].name, State: heldState(st), Offline: true,
					expectation: "worker-held", stateIdx: idx[name], ran: at, Verdict: agree,
					Predicted: "counted holding a worker", Observed: fmt.Sprintf("held by its reconcile; %d/%d workers held", len(gt), s.Concurrent)}
				seen[key], order = x, append(order, key)
			}
			// Only the holders the plugin left out are wrong: the others
			// it counted (the load is not full for want of them).
			if !l.Full && !slices.Contains(l.Holders, name) && x.Verdict == agree {
				x.Verdict, x.ran = disagree, at
				x.Predicted = fmt.Sprintf("no worker held at %s: %d/%d counted (%s)", offset(at, st.At), l.Busy, s.Concurrent, strings.Join(l.Holders, ", "))
				x.Observed = fmt.Sprintf("held by its reconcile; the workers' holders then: %s", strings.Join(gt, ", "))
			}
		}
	}
	rows := make([]row, 0, len(order))
	for _, k := range order {
		rows = append(rows, *seen[k])
	}
	return rows, nil
}

// statesAt is each release's recorded state at t, analysed at t as a
// listing then would, and which state it was (by "namespace/name").
func statesAt(recs []*recorder, t time.Time, s inspect.Settings) ([]inspect.RetryState, map[string]int) {
	var states []inspect.RetryState
	idx := map[string]int{}
	for _, r := range recs {
		i := sort.Search(len(r.states), func(i int) bool { return r.states[i].At.After(t) }) - 1
		if i < 0 {
			continue
		}
		idx[r.ns+"/"+r.name] = i
		states = append(states, inspect.AnalyzeWith(r.states[i].HR, t, s, r.evidenceAt(t)))
	}
	return states, idx
}

// heldState names a recorded state by its Reconciling condition.
func heldState(st state) string {
	c := reconciling(st.HR)
	if c == nil {
		return "no Reconciling condition"
	}
	msg := c.Message
	if len(msg) > 60 {
		msg = msg[:60] + "…"
	}
	ready := "Ready unknown"
	for _, rc := range st.HR.Status.Conditions {
		if rc.Type == "Ready" {
			ready = "Ready " + string(rc.Status) + " " + rc.Reason
		}
	}
	return fmt.Sprintf("Reconciling %s %q, %s", c.Reason, msg, ready)
}
