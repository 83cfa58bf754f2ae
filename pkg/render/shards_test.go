package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// A sharded cluster's footer has one line per busy controller, named; the
// live table keeps them too.
func TestLoadLinesPerController(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	free := now.Add(time.Minute)
	loads := []inspect.Load{
		{Controller: "flux-system/helm-controller", Concurrent: 4},
		{Controller: "flux-system/helm-controller-shard1", Concurrent: 1, Busy: 1, Full: true, FreeBy: &free, Holders: []string{"apps/busy"}, Queued: 2},
	}
	states := []inspect.RetryState{{Name: "busy", Namespace: "apps", Phase: inspect.PhaseProgressing, Controller: &inspect.Owner{Name: "flux-system/helm-controller-shard1"}},
		{Name: "orphan", Namespace: "apps", Phase: inspect.PhaseRetrying, Next: inspect.Next{Action: inspect.ActionNone, Unwatched: true}}}
	o := Options{Now: now, Summary: true, Loads: loads}
	var b bytes.Buffer
	if err := Table(&b, states, o); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	want := "controller flux-system/helm-controller-shard1: 1/1 workers running Helm actions (apps/busy), the first one free by 2026-11-23T12:01:00Z; 2 attempt(s) queued"
	if !strings.Contains(out, "\n"+want) || strings.Contains(out, "controller flux-system/helm-controller:") || !strings.Contains(out, "unwatched") {
		t.Errorf("table:\n%s", out)
	}
	lines := LiveTable{States: states, O: o}.Lines(80, 20)
	if !strings.Contains(strings.Join(lines, "\n"), want) {
		t.Errorf("live table:\n%s", strings.Join(lines, "\n"))
	}
}
