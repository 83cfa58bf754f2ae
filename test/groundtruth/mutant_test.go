package groundtruth

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// mutantResult is what one deliberately wrong rule (inspect.Mutant) did to
// a recording's verdict.
type mutantResult struct {
	Mutant inspect.Mutant
	// Caught counts the rows that disagree under the mutant where the rules
	// as they are did not (a disagreement the rules have anyway proves
	// nothing about the mutant).
	Caught    int
	Scenarios []string // the scenarios of those rows
	Example   string   // the first such row
}

// rowKey identifies a row across replays: the same prediction source on
// the same recorded state.
func rowKey(x row) string {
	return fmt.Sprintf("%s/%s/%d/%v/%v/%s/%s", x.Scenario, x.Release, x.stateIdx, x.Offline, x.listed, x.ran.Format("15:04:05.000"), x.expectation)
}

// replayExpectations are the scenarios' expectations the replay checks
// too (those written as functions of the object alone): a rule that only
// changes what the plugin reports, not its window, is caught by them.
var replayExpectations = map[string]func() []expectation{
	"27-upgrade-uninstall-remediation": expectUninstalledUpgrade,
}

// mutationCheck replays rc under each mutant and compares with the replay
// under the rules as they are.
func mutationCheck(rc recording, mutants []inspect.Mutant) ([]mutantResult, error) {
	base, err := replayWithPrologues(rc, "")
	if err != nil {
		return nil, err
	}
	baseline := map[string]bool{}
	for _, x := range base {
		if x.Verdict == disagree {
			baseline[rowKey(x)] = true
		}
	}
	var out []mutantResult
	for _, m := range mutants {
		rows, err := replayWithPrologues(rc, m)
		if err != nil {
			return nil, err
		}
		res := mutantResult{Mutant: m}
		for _, x := range rows {
			if x.Verdict != disagree || baseline[rowKey(x)] {
				continue
			}
			res.Caught++
			if !slices.Contains(res.Scenarios, x.Scenario) {
				res.Scenarios = append(res.Scenarios, x.Scenario)
			}
			if res.Example == "" {
				res.Example = fmt.Sprintf("%s %s: %s, predicted %s; observed %s", x.Scenario, x.Release, x.State, x.Predicted, x.Observed)
			}
		}
		sort.Strings(res.Scenarios)
		out = append(out, res)
	}
	return out, nil
}

// replayWithPrologues is replay, the recorded prologues' worker holds
// (prologueRows) and the busy set's held workers (heldRows), under the
// same mutant.
func replayWithPrologues(rc recording, mutant inspect.Mutant) ([]row, error) {
	rows, err := replay(rc, mutant)
	if err != nil {
		return nil, err
	}
	prologues, err := prologueRows(rc, mutant)
	if err != nil {
		return nil, err
	}
	held, err := heldRows(rc, mutant)
	return append(append(rows, prologues...), held...), err
}

// mutantTable is the results as Markdown.
func mutantTable(results []mutantResult) string {
	var b strings.Builder
	b.WriteString("| mutant | rows caught | scenarios that caught it | first row |\n|---|---|---|---|\n")
	for _, r := range results {
		caught := strings.Join(r.Scenarios, ", ")
		if r.Caught == 0 {
			caught = "**none: not caught**"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", r.Mutant, r.Caught, caught, cell(r.Example))
	}
	return b.String()
}

// keptRecordings are the real controller's recordings in testdata, and
// the mutants each is checked against: the main set at jitter 5 % and 20 %
// (at 5 % an attempt rarely falls in the 0.5 s a jitter-less window cuts
// off; at 20 % it often does), and the busy set (queue-off: only a
// controller whose workers are all held shows it), the cancel gate's, and
// the lag set's (event-lag-ignored: only Events landing late show it).
var keptRecordings = []struct {
	file    string
	mutants func() []inspect.Mutant
}{
	{"recording-jitter5.json.gz", inspect.Mutants},
	{"recording-jitter20.json.gz", inspect.Mutants},
	{"recording-busy.json.gz", inspect.Mutants},
	{"recording-cancel.json.gz", inspect.Mutants},
	{"recording-lag.json.gz", inspect.Mutants},
}

// namedRecording is a recording, what it is called in the table, and the
// mutants to replay it through.
type namedRecording struct {
	name    string
	rc      recording
	mutants []inspect.Mutant
}

// kept loads keptRecordings.
func kept() ([]namedRecording, error) {
	var out []namedRecording
	for _, k := range keptRecordings {
		rc, err := readRecording(filepath.Join("testdata", k.file))
		if err != nil {
			return nil, err
		}
		out = append(out, namedRecording{strings.TrimSuffix(k.file, ".json.gz"), rc, k.mutants()})
	}
	return out, nil
}

// mutantsOver is the mutation check over several recordings, one row per
// mutant (every mutant of inspect.Mutants), the scenarios named with their
// recording.
func mutantsOver(recs []namedRecording) ([]mutantResult, error) {
	merged := map[inspect.Mutant]*mutantResult{}
	for _, m := range inspect.Mutants() {
		merged[m] = &mutantResult{Mutant: m}
	}
	for _, nr := range recs {
		results, err := mutationCheck(nr.rc, nr.mutants)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", nr.name, err)
		}
		for _, r := range results {
			m := merged[r.Mutant]
			m.Caught += r.Caught
			for _, sc := range r.Scenarios {
				m.Scenarios = append(m.Scenarios, nr.name+": "+sc)
			}
			if m.Example == "" && r.Example != "" {
				m.Example = nr.name + ": " + r.Example
			}
		}
	}
	var out []mutantResult
	for _, m := range inspect.Mutants() {
		out = append(out, *merged[m])
	}
	return out, nil
}

// checkMutants fails t for every mutant no row of recs caught; it returns
// the table for the report.
func checkMutants(t *testing.T, recs []namedRecording) string {
	t.Helper()
	results, err := mutantsOver(recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Caught == 0 {
			t.Errorf("mutant %s: no disagreement in any scenario of %s: the ground truth cannot tell this rule is wrong", r.Mutant, names(recs))
		}
	}
	table := mutantTable(results)
	t.Logf("mutation check:\n%s", table)
	return table
}

func names(recs []namedRecording) string {
	var out []string
	for _, r := range recs {
		out = append(out, r.name)
	}
	return strings.Join(out, ", ")
}

// checkRunMutants is the mutation check at the end of a ground-truth run:
// this run's recording and the kept ones together must catch every mutant
// (a mutant this setting cannot show, such as jitter-ignored at 0 %, is
// caught by a kept recording, so a verdict change that blinds the check
// fails any run).
func checkRunMutants(t *testing.T, rc recording) string {
	t.Helper()
	recs, err := kept()
	if err != nil {
		t.Error(err)
	}
	return checkMutants(t, append([]namedRecording{{"this run", rc, inspect.Mutants()}}, recs...))
}

// TestMutants replays the real controller's recordings kept in testdata
// through every mutant: each must be caught by at least one row. No
// controller needed.
func TestMutants(t *testing.T) {
	recs, err := kept()
	if err != nil {
		t.Fatal(err)
	}
	checkMutants(t, recs)
}

// TestReplayScoresEveryState: the offline replay of the kept recording,
// rules as they are (the mutation check's baseline), scores the recorded
// states and finds agreeing ones: a replay that scored nothing would let
// every mutant pass unseen.
func TestReplayScoresEveryState(t *testing.T) {
	rc, err := readRecording(filepath.Join("testdata", "recording-jitter5.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := replay(rc, "")
	if err != nil {
		t.Fatal(err)
	}
	agreeing := 0
	for _, x := range rows {
		if x.Verdict == agree {
			agreeing++
		}
	}
	if len(rc.Releases) == 0 || agreeing == 0 {
		t.Fatalf("%d releases, %d rows, %d agreeing: the recording scored nothing", len(rc.Releases), len(rows), agreeing)
	}
	t.Logf("%d releases, %d rows, %d agreeing", len(rc.Releases), len(rows), agreeing)
}
