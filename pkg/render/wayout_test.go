package render

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// TestGoldenWayOut pins the way-out sentences of every inspect fixture, and
// of a few variants: the wayOut strings of the JSON output are kept byte for
// byte for scripts.
func TestGoldenWayOut(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "inspect", "testdata", "states", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var b bytes.Buffer
	write := func(name string, st inspect.RetryState) {
		fmt.Fprintf(&b, "%s (%s):\n", name, st.Phase)
		for _, line := range wayOutOf(st) {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		write(name, states(t, name)[0])
	}
	for _, v := range []struct{ name, fixture, old, new string }{
		{"no-namespace", "stalled-retries-exceeded", "  namespace: apps\n  generation", "  generation"},
		{"invalid-cel", "stalled-retries-exceeded", "reason: RetriesExceeded", "reason: InvalidCELExpression"},
		{"no-namespace-suspended", "suspended", "  namespace: apps\n", "\n"},
	} {
		write(v.name, variant(t, v.fixture, v.old, v.new))
	}
	golden(t, "wayout.golden", b.Bytes())
}

// variant analyzes a fixture with one piece of its YAML replaced.
func variant(t *testing.T, fixture, old, new string) inspect.RetryState {
	t.Helper()
	y, err := os.ReadFile(filepath.Join("..", "inspect", "testdata", "states", fixture+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(y, []byte(old)) {
		t.Fatalf("%s has no %q", fixture, old)
	}
	j, err := yaml.YAMLToJSON(bytes.Replace(y, []byte(old), []byte(new), 1))
	if err != nil {
		t.Fatal(err)
	}
	return inspect.AnalyzeJSON(j, testNow, inspect.DefaultSettings())
}

func wayOutOf(st inspect.RetryState) []string { return Wrap(st).WayOut }

// Called as `flux hrretry`, the command lines of the way out (detail view,
// JSON wayOut, wait's exit lines) say so, and nothing says kubectl.
func TestWayOutSpelledForFlux(t *testing.T) {
	st := states(t, "stalled-retries-exceeded")[0]
	doc := WrapAs(st, "flux hrretry")
	if len(doc.WayOut) == 0 || !strings.HasPrefix(doc.WayOut[0], "flux hrretry force stalled-retries-exceeded -n apps") {
		t.Errorf("wayOut: %q", doc.WayOut)
	}
	var b bytes.Buffer
	if err := Detail(&b, st, Options{Now: testNow, Command: "flux hrretry"}); err != nil {
		t.Fatal(err)
	}
	it := WaitItem{State: &st, Why: "a newer generation (3) replaced the spec waited for (2)"}
	it.Namespace, it.Name = st.Namespace, st.Name
	if err := WaitSuperseded(&b, []WaitItem{it}, "flux hrretry"); err != nil {
		t.Fatal(err)
	}
	if err := WaitUnreachable(&b, inspect.Goal{Kind: inspect.GoalReady}, []WaitItem{it}, Options{Now: testNow, Command: "flux hrretry"}); err != nil {
		t.Fatal(err)
	}
	golden(t, "wayout-flux.golden", b.Bytes())
	if strings.Contains(b.String(), "kubectl hrretry") {
		t.Errorf("called as flux hrretry, the text names kubectl hrretry:\n%s", b.String())
	}
}
