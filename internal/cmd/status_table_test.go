package cmd

import (
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
)

// everyFixture is every state of pkg/inspect's fixtures, in namespace apps.
func everyFixture(t *testing.T) []runtime.Object {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "pkg", "inspect", "testdata", "states", "*.yaml"))
	if err != nil || len(files) < 40 {
		t.Fatalf("fixtures: %v, %d files", err, len(files))
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(filepath.Base(f), ".yaml")
	}
	return states(t, names...)
}

// The table of a listing keeps compact rows (runTable); a JSONPath
// --sort-by needs whole states and takes Run's path. Sorted the same way
// (by a key every release shares, which the stable sort leaves in the API
// server's order, or by name), both must print the same table: the rows lose nothing the table prints, and the
// load marks them as ApplyLoad marks states — with the workers full
// (--concurrent 1), --check limits, the wide columns, a filter, and a
// sharded cluster, whose controllers each queue their own releases.
func TestTableOfRowsIsTheTableOfStates(t *testing.T) {
	objs := everyFixture(t)
	shards := append(everyFixture(t)[:0:0],
		labelled(t, "progressing", "busy", "shard1"), labelled(t, "retrying-upgrade", "retry1", "shard1"),
		labelled(t, "retry-starting", "retry2", "shard1"), labelled(t, "retrying-upgrade", "retry0", ""),
		labelled(t, "retrying-upgrade", "orphan", "shard9"))
	for _, c := range []struct {
		name  string
		objs  []runtime.Object
		shard bool
		args  []string
	}{
		{"plain", objs, false, []string{"status", "-n", "apps"}},
		{"wide, check", objs, false, []string{"status", "-n", "apps", "-o", "wide", "--check", "--max-failures", "1", "--stuck-after", "1h"}},
		{"failing, all namespaces", objs, false, []string{"status", "-A", "--failing", "--sort-by", "name"}},
		{"sharded", shards, true, []string{"status", "-A", "-o", "wide"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := clustertest.New(c.objs...)
			fake.Settings.Concurrent = 1
			if c.shard {
				fake.Fleet = sharded()
			}
			rows := execute(t, fake, c.args...)
			path := strings.Replace(strings.Join(c.args, " "), "--sort-by name", "--sort-by .metadata.name", 1)
			if !strings.Contains(path, "--sort-by") {
				path += " --sort-by .metadata.namespace"
			}
			states := execute(t, fake, strings.Fields(path)...)
			if rows.code != states.code || rows.stdout != states.stdout || rows.stderr != states.stderr {
				t.Errorf("rows (exit %d):\n%s%s\nstates (exit %d):\n%s%s", rows.code, rows.stdout, rows.stderr,
					states.code, states.stdout, states.stderr)
			}
			if !strings.Contains(rows.stdout, "(queued") {
				t.Errorf("nothing queued: the load is not exercised\n%s", rows.stdout)
			}
		})
	}
}

// Several clusters: each one's rows are marked by its own controller's
// load, and the fleet's table is the one whole states print.
func TestTableOfRowsIsTheTableOfStatesAcrossContexts(t *testing.T) {
	busy := func(names ...string) *clustertest.Fake {
		f := clustertest.New(states(t, names...)...)
		f.Settings.Concurrent = 1
		return f
	}
	cs := map[string]Cluster{
		"east": busy("progressing", "retrying-upgrade", "ready", "stalled-retries-exceeded"),
		"west": busy("retry-starting", "retrying-upgrade", "waiting-dependency", "remediating-rollback"),
	}
	args := []string{"status", "--contexts", "east,west", "-o", "wide", "--check", "--max-failures", "1"}
	rows := executeContexts(t, cs, append(args, "--sort-by", "name")...)
	whole := executeContexts(t, cs, append(args, "--sort-by", ".metadata.name")...)
	if rows.code != whole.code || rows.stdout != whole.stdout || rows.stderr != whole.stderr {
		t.Errorf("rows (exit %d):\n%s%s\nstates (exit %d):\n%s%s", rows.code, rows.stdout, rows.stderr,
			whole.code, whole.stdout, whole.stderr)
	}
	for _, c := range []string{"east ", "west "} {
		queued := false
		for _, l := range strings.Split(rows.stdout, "\n") {
			queued = queued || strings.HasPrefix(l, c) && strings.Contains(l, "(queued")
		}
		if !queued {
			t.Errorf("nothing queued in %s: its load is not exercised\n%s", c, rows.stdout)
		}
	}
}
