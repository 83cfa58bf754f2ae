package cmd

import (
	"os"
	"time"
)

// ticks is what redraws a live view between changes: a tick every `every`
// (0: none) and, where the system says so (SIGWINCH), one as soon as the
// terminal is resized, so the next frame fits it at once. Elsewhere
// (Windows) the size is read again at every tick. stop releases both.
func ticks(every time.Duration) (<-chan time.Time, func()) {
	if every <= 0 {
		return nil, func() {}
	}
	ticker := time.NewTicker(every)
	resized, stopResize := notifyResize()
	if resized == nil {
		return ticker.C, ticker.Stop
	}
	out := make(chan time.Time, 1)
	done := make(chan struct{})
	go func() {
		for {
			var t time.Time
			select {
			case <-done:
				return
			case t = <-ticker.C:
			case <-resized:
			}
			select {
			case out <- t:
			default: // a tick is already waiting: one redraw does for both
			}
		}
	}()
	return out, func() {
		close(done)
		ticker.Stop()
		stopResize()
	}
}

// resizeSignal is the channel notifyResize delivers SIGWINCH on.
type resizeSignal = <-chan os.Signal
