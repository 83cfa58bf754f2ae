package cmd

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestBoundHeap: the table view sets the soft limit, higher for each
// cluster listed at once, and leaves collecting to it; other views and a
// user's GOMEMLIMIT leave the runtime's settings alone, a user's GOGC the
// collector's.
func TestBoundHeap(t *testing.T) {
	was, wasGC := debug.SetMemoryLimit(-1), debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetMemoryLimit(was); debug.SetGCPercent(wasGC) })
	const unset = int64(1) << 62
	noEnv := func(string) string { return "" }
	env := func(name, value string) func(string) string {
		return func(k string) string {
			if k == name {
				return value
			}
			return ""
		}
	}
	for _, c := range []struct {
		name    string
		table   bool
		streams int
		getenv  func(string) string
		want    int64
		wantGC  int
	}{
		{"table", true, 1, noEnv, tableHeapLimit, -1},
		{"table of ten clusters", true, 10, noEnv, tableHeapLimit + 9*streamHeap, -1},
		{"json", false, 1, noEnv, unset, 100},
		{"GOMEMLIMIT set", true, 10, env("GOMEMLIMIT", "1GiB"), unset, 100},
		{"GOGC set", true, 1, env("GOGC", "50"), tableHeapLimit, 100},
	} {
		debug.SetMemoryLimit(unset)
		debug.SetGCPercent(100)
		boundHeap(c.table, c.streams, c.getenv)
		if got := debug.SetMemoryLimit(-1); got != c.want {
			t.Errorf("%s: memory limit %d, want %d", c.name, got, c.want)
		}
		if got := debug.SetGCPercent(100); got != c.wantGC {
			t.Errorf("%s: GC percent %d, want %d", c.name, got, c.wantGC)
		}
	}
}

// TestTableOnly: the one-shot table is bounded; a live view, which keeps
// whole objects, and -o json are not.
func TestTableOnly(t *testing.T) {
	for args, want := range map[string]bool{"-A": true, "-A -w": false, "-A -o json": false, "-A -w -o wide": false} {
		o, _, _ := parseStatus(t, strings.Fields(args)...)
		if got := o.tableOnly(); got != want {
			t.Errorf("status %s: heap bounded %v, want %v", args, got, want)
		}
	}
}
