package render

import (
	"bytes"
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
