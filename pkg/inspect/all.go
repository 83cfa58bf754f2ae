package inspect

import (
	"runtime"
	"sync"
	"time"
)

// AnalyzeAll decodes and analyzes many objects as raw JSON, in order, on
// every core: decoding is most of the cost at fleet scale (about 18 µs an
// object against 4 µs for Analyze), and each object is independent.
func AnalyzeAll(raws [][]byte, now time.Time, s Settings) []RetryState {
	out := make([]RetryState, len(raws))
	workers := min(runtime.GOMAXPROCS(0), max(len(raws)/64, 1))
	var wg sync.WaitGroup
	chunk := (len(raws) + workers - 1) / workers
	for start := 0; start < len(raws); start += chunk {
		end := min(start+chunk, len(raws))
		wg.Go(func() {
			for i := start; i < end; i++ {
				out[i] = AnalyzeJSON(raws[i], now, s)
			}
		})
	}
	wg.Wait()
	return out
}
