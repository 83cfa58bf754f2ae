//go:build unix

package cmd

import (
	"syscall"
	"testing"
	"time"
)

// A resized terminal (SIGWINCH) ticks a live view at once, without
// waiting for the next second; without a tick interval nothing is
// listened to.
func TestTicksOnResize(t *testing.T) {
	tick, stop := ticks(time.Hour)
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tick:
	case <-time.After(time.Minute): // a guard, not a measure: the tick comes at once
		t.Fatal("no tick after SIGWINCH")
	}
	if none, stopNone := ticks(0); none != nil {
		stopNone()
		t.Error("ticks(0) ticks")
	}
}
