package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fleet is one release per phase, from the inspect fixtures.
var fleet = []string{"ready", "retrying-upgrade", "retrying-install-template-error", "remediating-rollback",
	"stalled-retries-exceeded", "stall-trap", "suspended", "waiting-dependency", "progressing", "failed-values",
	"retrying-overdue", "pending"}

func states(t *testing.T, names ...string) []inspect.RetryState {
	t.Helper()
	out := make([]inspect.RetryState, 0, len(names))
	for _, n := range names {
		out = append(out, inspect.AnalyzeJSON(fixtureJSON(t, n), testNow, inspect.DefaultSettings()))
	}
	return out
}

// fixtureJSON is the inspect fixture name as JSON.
func fixtureJSON(t *testing.T, name string) []byte {
	t.Helper()
	y, err := os.ReadFile(filepath.Join("..", "inspect", "testdata", "states", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// golden compares got with testdata/golden/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/render -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./pkg/render -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

var (
	tty   = Options{Now: testNow, Color: true, Relative: true, Width: 200, ShowNamespace: true, Summary: true}
	piped = Options{Now: testNow, ShowNamespace: true}
)

func TestGoldenViews(t *testing.T) {
	all := states(t, fleet...)
	views := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"table-tty.golden", func(b *bytes.Buffer) error { return Table(b, all, tty) }},
		{"table-tty-narrow.golden", func(b *bytes.Buffer) error { o := tty; o.Width = 100; return Table(b, all, o) }},
		{"table-tty-nocolor.golden", func(b *bytes.Buffer) error { o := tty; o.Color = false; return Table(b, all, o) }},
		{"table-piped.golden", func(b *bytes.Buffer) error { return Table(b, all, piped) }},
		{"table-no-headers.golden", func(b *bytes.Buffer) error { o := piped; o.NoHeaders = true; return Table(b, all, o) }},
		{"table-wide.golden", func(b *bytes.Buffer) error { o := piped; o.Wide = true; return Table(b, all, o) }},
		{"list.json", func(b *bytes.Buffer) error { return JSON(b, all[:3], false, nil) }},
		{"single.json", func(b *bytes.Buffer) error { return JSON(b, all[1:2], true, nil) }},
		{"list.yaml", func(b *bytes.Buffer) error { return YAML(b, all[:3], false, nil) }},
		// --concurrent 2, "progressing" runs an upgrade and
		// "remediating-rollback" is in its cache wait after the rollback: the
		// attempts due meanwhile are queued, and the table says who holds
		// the workers.
		{"table-tty-load.golden", func(b *bytes.Buffer) error {
			o, states, load := loaded(t, all)
			o.Load = &load
			return Table(b, states, o)
		}},
		// A pipe gets the rows alone: queued windows, no load line.
		{"table-piped-load.golden", func(b *bytes.Buffer) error {
			_, states, load := loaded(t, all)
			o := piped
			o.Load = &load
			return Table(b, states, o)
		}},
		{"list-load.json", func(b *bytes.Buffer) error {
			_, states, load := loaded(t, all)
			return JSON(b, states[:3], false, &load)
		}},
		// Several clusters: the CONTEXT column, a row per cluster not
		// read, and each controller's load under the table.
		{"table-contexts-tty.golden", func(b *bytes.Buffer) error {
			o, states, load := loaded(t, all)
			o.ShowContext, o.Loads, o.Errors = true, []inspect.Load{withContext(load, "prod-eu")}, contextErrors
			return Table(b, inContexts(states), o)
		}},
		{"table-contexts-piped.golden", func(b *bytes.Buffer) error {
			o := piped
			o.ShowContext, o.Errors = true, contextErrors
			return Table(b, inContexts(all), o)
		}},
		{"list-contexts.json", func(b *bytes.Buffer) error {
			_, states, load := loaded(t, all)
			return Print(b, inContexts(states)[:2], false, Output{Format: "json", Loads: []inspect.Load{withContext(load, "prod-eu")}, Errors: contextErrors})
		}},
		{"names.golden", func(b *bytes.Buffer) error { return Names(b, all) }},
		{"empty.json", func(b *bytes.Buffer) error { return JSON(b, nil, false, nil) }},
		{"empty.golden", func(b *bytes.Buffer) error {
			_, err := b.WriteString(NoneFound("apps", false) + "\n" + NoneFound("", true) + "\n")
			return err
		}},
	}
	for _, v := range views {
		t.Run(v.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := v.render(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, v.name, b.Bytes())
		})
	}
}

func TestGoldenDetail(t *testing.T) {
	for _, name := range []string{"retrying-upgrade", "remediating-rollback", "stalled-retries-exceeded", "stall-trap",
		"force-not-honoured", "ready"} {
		st := states(t, name)[0]
		for _, mode := range []struct {
			suffix string
			o      Options
		}{{"tty", tty}, {"piped", piped}} {
			t.Run(name+"-"+mode.suffix, func(t *testing.T) {
				var b bytes.Buffer
				if err := Detail(&b, st, mode.o); err != nil {
					t.Fatal(err)
				}
				golden(t, "detail-"+name+"-"+mode.suffix+".golden", b.Bytes())
			})
		}
	}
}

// sgr matches the colour sequences render itself emits.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// TestNothingRawReachesTheScreen: a Helm error can carry ESC sequences,
// carriage returns, OSC 8 links and OSC 52 clipboard writes. None of them
// may reach the terminal from the table or the detail view; JSON keeps them.
func TestNothingRawReachesTheScreen(t *testing.T) {
	hostile := "upgrade failed: \x1b[2J\x1b[31mred\x1b[0m\rOVERWRITE \x1b]8;;https://evil.example\x07click\x1b]8;;\x07 " +
		"\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07 \u009b31m c1-csi \u009d0;title\u009c bell\x07 bs\b \u202eevil\u202c \xff"
	st := states(t, "retrying-upgrade")[0]
	st.Message, st.Summary = hostile, hostile
	st.Conditions[0].Message = hostile
	st.NextSteps = []inspect.Step{{Kind: inspect.StepFix, Effect: hostile}, {Kind: inspect.StepForce, Effect: hostile, Flags: []string{hostile}}}
	st.Warnings = []inspect.Warning{{Code: "X", Message: hostile}}
	st.History[0].Status = hostile
	for _, o := range []Options{tty, piped, {Now: testNow, Wide: true}} {
		var b bytes.Buffer
		if err := Table(&b, []inspect.RetryState{st}, o); err != nil {
			t.Fatal(err)
		}
		if err := Detail(&b, st, o); err != nil {
			t.Fatal(err)
		}
		out := sgr.ReplaceAllString(b.String(), "")
		if !o.Color && out != b.String() {
			t.Errorf("colour sequences in uncoloured output")
		}
		for _, bad := range []string{"\x1b", "\r", "\x07", "\b", "\u009b", "\u009d", "\u009c", "\u202e", "\xff"} {
			if strings.Contains(out, bad) {
				t.Errorf("options %+v: raw %q reached the output:\n%q", o, bad, out)
			}
		}
	}
	var j bytes.Buffer
	if err := JSON(&j, []inspect.RetryState{st}, true, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(j.String(), `\u001b]52;c;`) {
		t.Errorf("JSON must keep the raw message (JSON-escaped), got %s", j.String())
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 45 * time.Second: "45s", 192 * time.Second: "3m12s", 5 * time.Minute: "5m",
		2*time.Hour + 5*time.Minute: "2h5m", 50 * time.Hour: "2d2h", -90 * time.Second: "1m30s",
		1499 * time.Millisecond: "1s",
	} {
		if got := Human(d); got != want {
			t.Errorf("Human(%s) = %q, want %q", d, got, want)
		}
	}
}

// loaded is the fleet with the controller's load applied at --concurrent 1.
func loaded(t *testing.T, all []inspect.RetryState) (Options, []inspect.RetryState, inspect.Load) {
	t.Helper()
	s := inspect.DefaultSettings()
	s.Concurrent = 2
	states := append([]inspect.RetryState(nil), all...)
	load := inspect.ApplyLoad(states, s, testNow, true)
	if load.Busy != 2 || load.Queued == 0 {
		t.Fatalf("fixture fleet: want two busy workers and queued attempts, got %+v", load)
	}
	return tty, states, load
}

// contextErrors are two clusters not read; the second's name would move
// the terminal's cursor, were it not escaped.
var contextErrors = []ContextError{
	{Context: "prod-us", Message: "cannot reach the Kubernetes API server (connection refused): check your kubeconfig and context, or raise --request-timeout"},
	{Context: "lab\x1b[2J", Message: "forbidden: you may not list helmreleases.helm.toolkit.fluxcd.io across all namespaces; ask your cluster admin for that permission (see README, RBAC)"},
}

// inContexts spreads states over two contexts, alternately.
func inContexts(states []inspect.RetryState) []inspect.RetryState {
	out := append([]inspect.RetryState(nil), states...)
	for i := range out {
		out[i].Context = []string{"prod-eu", "staging"}[i%2]
	}
	return out
}

func withContext(l inspect.Load, context string) inspect.Load {
	l.Context = context
	return l
}

// jsonList writes by hand what encoding/json writes for a ListDocument.
func TestJSONListIsEncodingJSON(t *testing.T) {
	all := states(t, fleet...)
	_, loadedStates, load := loaded(t, all)
	for _, tc := range []struct {
		states []inspect.RetryState
		load   *inspect.Load
		loads  []inspect.Load
		errs   []ContextError
	}{{all, nil, nil, nil}, {loadedStates, &load, nil, nil}, {nil, &load, nil, nil},
		{inContexts(loadedStates), nil, []inspect.Load{withContext(load, "a"), withContext(load, "b")}, contextErrors}} {
		var got bytes.Buffer
		out := Output{Format: "json", Load: tc.load, Loads: tc.loads, Errors: tc.errs}
		if err := Print(&got, tc.states, false, out); err != nil {
			t.Fatal(err)
		}
		want, err := json.MarshalIndent(wrapList(tc.states, out), "", "    ")
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want)+"\n" {
			t.Errorf("jsonList differs from encoding/json:\n%s\nwant\n%s", got.String(), want)
		}
	}
}
