package trigger

import (
	"context"
	"time"
)

// recheck calls a.Recheck every a.RecheckEvery until ctx ends, judging the
// pending releases again when it says the settings changed. The channel
// closes when it has stopped.
func (w *waiter) recheck(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if w.a.Recheck == nil || w.a.RecheckEvery <= 0 {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		t := time.NewTicker(w.a.RecheckEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if w.a.Recheck(w.a.Now()) {
					w.rejudge()
				}
			}
		}
	}()
	return done
}

// rejudge judges every pending release again from the last object seen,
// and ends the watch of each scope left with nothing pending.
func (w *waiter) rejudge() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, i := range w.pending {
		if d, ok := w.objs[k]; ok {
			w.judge(k, i, d)
		}
	}
	for ns, stop := range w.stops {
		if w.noneLeft(ns) {
			stop(nil)
		}
	}
}
