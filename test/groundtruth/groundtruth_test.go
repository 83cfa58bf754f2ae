package groundtruth

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestGroundTruth starts the control plane and the real helm-controller
// once, then runs every scenario in parallel, each in its own namespace.
func TestGroundTruth(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	began := time.Now()

	w := startWorld(ctx, t, idleWorkers)
	t.Logf("control plane and helm-controller ready after %.1fs", time.Since(began).Seconds())

	// All at once, whatever -parallel says: t.Run may be called from
	// several goroutines, and these scenarios spend their time waiting.
	t.Run("scenarios", func(t *testing.T) {
		var wg sync.WaitGroup
		for _, sc := range scenarios() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t.Run(sc.name, func(t *testing.T) { sc.run(newStage(ctx, t, w, "gt-"+sc.name)) })
			}()
		}
		wg.Wait()
	})
	rc := w.results.recording(jitterPercent(t), featureGates(), idleWorkers, nil)
	saveRecording(t, rc)
	mutants := checkRunMutants(t, rc)
	setting := fmt.Sprintf("jitter %d%%, feature gates %q, allowance %s, total %.0fs", jitterPercent(t), featureGates(),
		allowance, time.Since(began).Seconds())
	table := "Run: " + setting + "\n\n" + w.results.counts() + "\n" + widthTable(w.results.all()) + "\n" + mutants + "\n" +
		w.results.table() + "\n" + w.results.forceTable() + "\n" + w.results.noteList()
	t.Logf("%s", table)
	if path := os.Getenv("HRRETRY_GT_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// results collects the rows of every scenario.
type results struct {
	mu       sync.Mutex
	rows     []row
	forces   []forceRun        // the force scenarios' runs of `kubectl hrretry force`
	notes    []string          // figures the scenarios measured
	recorded []recordedRelease // every release's observations, for the mutation check
}

func (r *results) record(rr recordedRelease) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recorded = append(r.recorded, rr)
}

// recording is the run's observations with the controller's settings.
func (r *results) recording(jitter int, gates string, workers int, samples []recordedSample) recording {
	r.mu.Lock()
	defer r.mu.Unlock()
	lo, hi, _ := retryDelays()
	return recording{Args: controllerArgs(jitter, gates, "", "", workers), Jitter: jitter, Gates: gates, MinDelay: lo, MaxDelay: hi,
		Releases: append([]recordedRelease(nil), r.recorded...), Samples: samples}
}

// saveRecording writes rc where HRRETRY_GT_RECORD says (gzipped JSON; what
// testdata/recording-*.json.gz are).
func saveRecording(t *testing.T, rc recording) {
	t.Helper()
	if path := os.Getenv("HRRETRY_GT_RECORD"); path != "" {
		if err := writeRecording(path, rc); err != nil {
			t.Error(err)
		}
	}
}

func (r *results) all() []row {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]row(nil), r.rows...)
}

// counts is the verdicts counted, the binary's views and inspect.Analyze's
// on every recorded state apart.
func (r *results) counts() string {
	type key struct {
		offline bool
		verdict string
	}
	n := map[key]int{}
	for _, x := range r.all() {
		n[key{x.Offline, x.Verdict}]++
	}
	var b strings.Builder
	b.WriteString("| views | agree | DISAGREE | superseded | unresolved | mid-patch |\n|---|---|---|---|---|---|\n")
	for _, off := range []bool{false, true} {
		name := "the binary (`status NAME -o json`, `status -A`)"
		if off {
			name = "inspect.Analyze on every recorded state, at its time"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", name, n[key{off, agree}], n[key{off, disagree}], n[key{off, superseded}],
			n[key{off, unresolved}], n[key{off, midPatch}])
	}
	return b.String()
}

func (r *results) addNote(n string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, n)
}

// noteList is the notes as a Markdown list.
func (r *results) noteList() string {
	r.mu.Lock()
	notes := append([]string(nil), r.notes...)
	r.mu.Unlock()
	sort.Strings(notes)
	var b strings.Builder
	for _, n := range notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}

func (r *results) add(rows ...row) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, rows...)
}

// table is the results as Markdown, scenario by scenario.
func (r *results) table() string {
	r.mu.Lock()
	rows := append([]row(nil), r.rows...)
	r.mu.Unlock()
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Scenario < rows[j].Scenario })
	var b strings.Builder
	b.WriteString("| scenario | release | state seen | predicted next (s after the state) | observed next | verdict |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, x := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", x.Scenario, x.Release, x.State, x.Predicted, x.Observed, x.Verdict)
	}
	return b.String()
}
