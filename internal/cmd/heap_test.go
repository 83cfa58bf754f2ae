package cmd

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestBoundHeap: the table view sets the soft limit, higher for each
// cluster listed at once; other views and a user's GOMEMLIMIT leave the
// runtime's setting alone.
func TestBoundHeap(t *testing.T) {
	was := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(was) })
	const unset = int64(1) << 62
	noEnv := func(string) string { return "" }
	withEnv := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	}
	for _, c := range []struct {
		name    string
		table   bool
		streams int
		getenv  func(string) string
		want    int64
	}{
		{"table", true, 1, noEnv, tableHeapLimit},
		{"table of ten clusters", true, 10, noEnv, tableHeapLimit + 9*streamHeap},
		{"json", false, 1, noEnv, unset},
		{"GOMEMLIMIT set", true, 10, withEnv, unset},
	} {
		debug.SetMemoryLimit(unset)
		boundHeap(c.table, c.streams, c.getenv)
		if got := debug.SetMemoryLimit(-1); got != c.want {
			t.Errorf("%s: memory limit %d, want %d", c.name, got, c.want)
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
