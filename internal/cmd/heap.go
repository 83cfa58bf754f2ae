package cmd

import "runtime/debug"

// tableHeapLimit is the memory the Go runtime of the table view of a
// listing aims to stay under. The table keeps a compact row a release
// (render.Row, ~0.5 KiB with its strings and its part of the load): ~10 MiB
// of live data at 20,000 releases, but the garbage collector's default goal
// is twice the live heap, and the memory it once reached stays with the
// process. A soft limit makes the collector run more often only once the
// heap nears it: below ~10,000 releases it is never reached and costs
// nothing; above, the extra collections cost CPU that hides behind the
// LIST, whose pages the API server sends slower than the plugin decodes
// them. It is soft: a heap that must grow past it does (the runtime caps
// the collector's share of CPU), so nothing fails. 28 MiB (40 before the
// rows): RSS(20,000) − RSS(1,000) from +25 to +15 MiB for ~0.2 s more CPU
// at 20,000 (BENCHMARKS.md, issue 26).
const tableHeapLimit = 28 << 20

// boundHeap applies tableHeapLimit to the table view, unless the user set
// GOMEMLIMIT (the runtime has applied theirs). Other views keep whole
// states, and live views whole objects, whose size grows with the fleet: a
// limit there would only buy collections (StatusOptions.tableOnly). It changes the process's runtime setting, once per command.
func boundHeap(table bool, getenv func(string) string) {
	if table && getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(tableHeapLimit)
	}
}
