package groundtruth

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// heldOfShards is heldRows for each controller of the sharded cluster, over
// the releases it owns and with its own flags: each controller has a queue
// of its own, and a moment its workers are all held (shard1 has one, kept
// saturated) must find the plugin's load for it full. The sampler's rows
// (checkBusyOf) see such a moment only when a listing falls on it. It also
// says how many rows the mutant that counts a failure's worker free would
// have turned (a figure: whether a failure falls on a full queue is the
// run's luck).
func heldOfShards(t *testing.T, res *results, worlds map[string]*world, recs map[string][]*recorder) ([]row, string) {
	var rows []row
	var summary string
	for _, name := range []string{mainName, shardName} {
		w := worlds[name]
		owned := map[string]bool{}
		for _, r := range recs[name] {
			owned[r.ns+"/"+r.name] = true
		}
		rc := res.recording(w.jitter, featureGates(), w.workers, nil)
		rc.Releases = slices.DeleteFunc(rc.Releases, func(rr recordedRelease) bool { return !owned[rr.Namespace+"/"+rr.Name] })
		held, err := heldRows(rc, "")
		if err != nil {
			t.Error(err)
		}
		for _, x := range held {
			if x.Verdict == disagree {
				t.Errorf("%s (%s): a worker its reconcile held was counted free (%s): %s; %s", x.Release, name, x.State, x.Predicted, x.Observed)
			}
		}
		mutated, err := heldRows(rc, inspect.MutantNoFailureHold)
		if err != nil {
			t.Error(err)
		}
		summary += fmt.Sprintf("%s: %d held-worker rows, %d disagreeing; under failure-hold-off %d disagreeing\n",
			name, len(held), count(held, disagree), count(mutated, disagree))
		rows = append(rows, held...)
	}
	return rows, summary
}

func count(rows []row, verdict string) int {
	n := 0
	for _, x := range rows {
		if x.Verdict == verdict {
			n++
		}
	}
	return n
}
