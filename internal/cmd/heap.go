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

// streamHeap is what each further cluster listed at once (--contexts) adds
// to the limit: its LIST in flight (a run of raw items being cut, another
// being decoded, their objects, the connection's buffers: 1-3 MiB at
// 1,000 releases of a real object's size). A limit sized for one cluster
// made the collector run back to back while ten streamed: 10 × 1,000
// replayed took a quarter more CPU and wall time for 13 MB less peak RSS
// (72 against 85 MB); at 64 MiB the collector no longer runs early
// (BENCHMARKS.md, many clusters, issue 26).
const streamHeap = 4 << 20

// boundHeap applies the table view's limit for streams clusters listed at
// once (tableHeapLimit, and streamHeap for each further one), unless the
// user set GOMEMLIMIT (the runtime has applied theirs). Other views keep
// whole states, and live views whole objects, whose size grows with the
// fleet: a limit there would only buy collections
// (StatusOptions.tableOnly). It changes the process's runtime settings, once
// per command.
//
// Under the limit, and unless the user set GOGC, the proportional collector
// is off: the limit alone says when to collect. A listing is a one-shot
// process whose live heap is small (the rows) and whose garbage is nearly
// all it allocates (raw items, decoded objects): GOGC=100 collects each time
// the heap doubles from that small base, a dozen cycles that free memory
// nothing will use before the process exits. With the limit as the only
// trigger the heap is collected when it reaches the limit, so peak memory
// is still bounded by it (a small fleet that never reaches it is never
// collected). 10 × 1,000 replayed: 15 % less CPU, 10 % less wall
// (BENCHMARKS.md, issue 26).
func boundHeap(table bool, streams int, getenv func(string) string) {
	if !table || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(tableHeapLimit + int64(max(streams-1, 0))*streamHeap)
	if getenv("GOGC") == "" {
		debug.SetGCPercent(-1)
	}
}
