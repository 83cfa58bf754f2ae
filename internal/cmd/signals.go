package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Interrupted is the cause main's context is cancelled with when a signal
// arrives: ExitCode turns it into the code a shell gives a process that
// signal ended (128 + its number: 130 for SIGINT, 143 for SIGTERM), so a
// script tells "stopped by Ctrl-C" from "stopped by the system".
type Interrupted struct{ Signal os.Signal }

func (i *Interrupted) Error() string { return "interrupted by " + signalName(i.Signal) }

// code is 128 + the signal's number, or 130 for a signal without one.
func (i *Interrupted) code() int {
	if s, ok := i.Signal.(syscall.Signal); ok && s > 0 {
		return 128 + int(s)
	}
	return ExitInterrupted
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// NotifySignals is main's context: cancelled, with an *Interrupted cause,
// by the first SIGINT or SIGTERM. After that first one the signals get
// their default action again, so a second Ctrl-C ends a command that is
// slow to wind down at once (the shell still reports 130).
func NotifySignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			cancel(&Interrupted{Signal: s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interruptedCode is the exit code when signals was cancelled: the
// signal's own when it says which, else 130.
func interruptedCode(signals context.Context) (int, string) {
	var in *Interrupted
	if errors.As(context.Cause(signals), &in) {
		return in.code(), fmt.Sprintf("Interrupted (%s): the output above is incomplete.", signalName(in.Signal))
	}
	return ExitInterrupted, "Interrupted: the output above is incomplete."
}
