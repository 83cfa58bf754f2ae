package render

import (
	"runtime"
	"sync"
)

// The table of a fleet is made on every core: measuring its cells and
// writing its lines were 7 % of listing ten clusters (10 × 1,000 releases),
// all of it after the last cluster answered, on one core while the other
// waited (BENCHMARKS.md, issue 26). Each row's cells depend on the row
// alone (rowCells reads a Row and the options), so ranges of rows are
// measured and written apart and put back in order.

// spreadMin is the fewest rows worth a goroutine: below it the table is
// made on the caller's goroutine, as before.
const spreadMin = 1024

// spread runs fn on contiguous ranges of [0, n), one per core, and returns
// the results in order.
func spread[T any](n int, fn func(lo, hi int) T) []T {
	parts := min(runtime.GOMAXPROCS(0), max(n/spreadMin, 1))
	out := make([]T, parts)
	if parts == 1 {
		out[0] = fn(0, n)
		return out
	}
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() { out[k] = fn(k*n/parts, (k+1)*n/parts) })
	}
	wg.Wait()
	return out
}

// inBlocks makes rows [0, n) block by block with lines, as many blocks at
// once as there are cores, and hands each to put in order: the text of a
// few blocks is held at a time, never the table's.
func inBlocks(n int, lines func(lo, hi int) []byte, put func([]byte)) {
	const block = spreadMin / 2
	workers := runtime.GOMAXPROCS(0)
	if n < 2*spreadMin || workers == 1 {
		put(lines(0, n))
		return
	}
	pending := make(chan chan []byte, workers) // in order; full when workers blocks are being made
	go func() {
		for lo := 0; lo < n; lo += block {
			done := make(chan []byte, 1)
			pending <- done
			go func() { done <- lines(lo, min(lo+block, n)) }()
		}
		close(pending)
	}()
	for done := range pending {
		put(<-done)
	}
}
