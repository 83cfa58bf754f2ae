package render

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// What TableOnly drops must be what no table reads: every table view of the
// fixture fleet (with the load applied, --check marks and sorted by each
// column) prints the same from trimmed states as from whole ones.
func TestTableOnlyPrintsTheSame(t *testing.T) {
	all := states(t, fleet...)
	views := map[string]Options{"tty": tty, "piped": piped}
	wide, check, narrow := piped, tty, tty
	wide.Wide, check.Check, narrow.Width = true, true, 100
	views["wide"], views["check"], views["narrow"] = wide, check, narrow
	for name, o := range views {
		for _, by := range append([]string{""}, SortKeys...) {
			full := render(t, all, o, by, false)
			trimmed := render(t, all, o, by, true)
			if full != trimmed {
				t.Errorf("%s sorted by %q differs after TableOnly:\n--- full\n%s\n--- trimmed\n%s", name, by, full, trimmed)
			}
		}
	}
}

func render(t *testing.T, all []inspect.RetryState, o Options, by string, trim bool) string {
	t.Helper()
	states := append([]inspect.RetryState(nil), all...)
	if trim {
		for i := range states {
			TableOnly(&states[i])
		}
	}
	s := inspect.DefaultSettings()
	s.Concurrent = 1
	load := inspect.ApplyLoad(states, s, testNow, true)
	o.Load = &load
	inspect.Limits{MaxFailures: 1}.Mark(states, testNow)
	if err := Sort(states, by); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Table(&b, states, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestBriefIsWhatTheTableKeeps: inspect.AnalyzeBrief, which the table
// views analyze with, differs from AnalyzeWith only in what TableOnly drops,
// for every state fixture, with and without a controller that is down.
func TestBriefIsWhatTheTableKeeps(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "inspect", "testdata", "states", "*.yaml"))
	if err != nil || len(files) < 20 {
		t.Fatalf("%d state fixtures (%v)", len(files), err)
	}
	down := inspect.DefaultSettings()
	down.Controller = inspect.Health{Down: true, Reason: "0 of 1 replicas available"}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		d := inspect.Read(fixtureJSON(t, name))
		for _, s := range []inspect.Settings{inspect.DefaultSettings(), down} {
			full, brief := d.AnalyzeWith(testNow, s, inspect.Evidence{}), d.AnalyzeBrief(testNow, s, inspect.Evidence{})
			TableOnly(&full)
			TableOnly(&brief)
			if !reflect.DeepEqual(full, brief) {
				t.Errorf("%s: the brief state is not the table's part of the whole one:\nfull  %+v\nbrief %+v", name, full, brief)
			}
		}
	}
}
