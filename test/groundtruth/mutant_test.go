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
	base, err := replay(rc, "")
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
		rows, err := replay(rc, m)
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

// busyOnly are the mutants only a controller whose workers are all held
// can show (the busy set's recording); idleOnly, the rest.
var busyOnly = []inspect.Mutant{inspect.MutantNoQueue}

func idleMutants() []inspect.Mutant {
	return slices.DeleteFunc(inspect.Mutants(), func(m inspect.Mutant) bool { return slices.Contains(busyOnly, m) })
}

// checkMutants runs the mutation check on rc and fails t for every mutant
// of want that no row caught; it returns the table for the report.
func checkMutants(t *testing.T, rc recording, want []inspect.Mutant) string {
	t.Helper()
	results, err := mutationCheck(rc, want)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Caught == 0 {
			t.Errorf("mutant %s: no disagreement in any scenario: the ground truth cannot tell this rule is wrong", r.Mutant)
		}
	}
	table := mutantTable(results)
	t.Logf("mutation check:\n%s", table)
	return table
}

// TestMutants replays the real controller's recordings kept in testdata
// (from a run of TestGroundTruth at jitter 5 % and of TestGroundTruthBusy)
// through every mutant: each must be caught by at least one. No
// controller needed.
func TestMutants(t *testing.T) {
	var all []mutantResult
	for _, c := range []struct {
		file    string
		mutants []inspect.Mutant
	}{
		{"recording-jitter5.json.gz", idleMutants()},
		{"recording-busy.json.gz", inspect.Mutants()},
	} {
		rc, err := readRecording(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		results, err := mutationCheck(rc, c.mutants)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, results...)
	}
	var rows []mutantResult
	for _, m := range inspect.Mutants() {
		merged := mutantResult{Mutant: m}
		for _, r := range all {
			if r.Mutant != m {
				continue
			}
			merged.Caught += r.Caught
			for _, s := range r.Scenarios {
				if !slices.Contains(merged.Scenarios, s) {
					merged.Scenarios = append(merged.Scenarios, s)
				}
			}
			if merged.Example == "" {
				merged.Example = r.Example
			}
		}
		if merged.Caught == 0 {
			t.Errorf("mutant %s: no disagreement in either recording: the ground truth cannot tell this rule is wrong", m)
		}
		rows = append(rows, merged)
	}
	t.Logf("mutation check over testdata:\n%s", mutantTable(rows))
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
