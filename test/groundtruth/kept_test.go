package groundtruth

import (
	"slices"
	"testing"
)

// knownLoadRows are the rows of the kept recordings that disagree under the
// rules as they are, each the real controller slowed by a loaded machine
// (kept in that run's report too): an install whose 5 s timeout, hooks and
// status patch ended 2.8 s after the window (the verdict's allowance is
// 2.5 s). Any other disagreement is a rule that changed for the worse.
var knownLoadRows = map[string][]string{
	"recording-jitter5": {
		"03-wait-timeout/app/4/true/false/20:36:39.780/",
		"07-remediate-retries-2/app/4/true/false/20:36:38.923/",
	},
}

// TestKeptRecordingsAgree replays every kept recording of the real
// controller through the rules as they are: what agreed when it was
// recorded must still agree, so a change to pkg/inspect that breaks a rule
// the real controller proved fails `make test`, whatever setting today's
// CI rotation runs (the cancel gate's recording among them).
func TestKeptRecordingsAgree(t *testing.T) {
	recs, err := kept()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		rows, err := replayWithPrologues(rec.rc, "")
		if err != nil {
			t.Fatal(err)
		}
		agreeing := 0
		for _, x := range rows {
			switch {
			case x.Verdict == agree:
				agreeing++
			case x.Verdict == disagree && !slices.Contains(knownLoadRows[rec.name], rowKey(x)):
				t.Errorf("%s: %s %s: %s, predicted %s; observed %s", rec.name, x.Scenario, x.Release, x.State, x.Predicted, x.Observed)
			}
		}
		if agreeing == 0 {
			t.Errorf("%s: no agreeing row: the replay scored nothing", rec.name)
		}
		t.Logf("%s: %d rows, %d agreeing", rec.name, len(rows), agreeing)
	}
}
