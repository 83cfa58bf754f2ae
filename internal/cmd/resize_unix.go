//go:build unix

package cmd

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyResize delivers SIGWINCH, the terminal's "I was resized".
func notifyResize() (resizeSignal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	return ch, func() { signal.Stop(ch) }
}
