package cmd

import (
	"fmt"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// renderOptions: the progress is on stderr, so its terminal decides.
func (w *waiter) renderOptions(now time.Time) render.Options {
	return render.Options{Now: now, Color: w.o.term.color, Relative: w.o.term.tty, Command: w.o.deps.name()}
}

// show writes the progress to stderr (a frame redrawn in place on a
// terminal, a line per change on a pipe) and, to stdout, each release
// that reached the goal.
func (w *waiter) show(now time.Time, tick bool) {
	if w.o.term.tty {
		w.showFrame(now)
		return
	}
	errOut := w.o.deps.Streams.ErrOut
	ro := w.renderOptions(now)
	for _, it := range w.items {
		k := it.Namespace + "/" + it.Name
		before := w.judged[k]
		w.judged[k] = it.Verdict
		if it.Verdict == inspect.VerdictReached && before != inspect.VerdictReached && !w.o.output.set() {
			_ = render.WaitReached(w.o.deps.Streams.Out, it, w.o.goal)
		}
		// A tick changes no object: only a new verdict is worth a line
		// (an unanchored window moves with the clock).
		line := render.WaitLine(it, ro)
		if line != w.shown[k] && (!tick || before != it.Verdict) {
			w.shown[k] = line
			_ = render.WaitLog(errOut, it, ro)
		}
	}
}

// showFrame draws the terminal's frame, fitted to its size now. The
// "reached" lines go above it: the old frame is cleared first, so they
// take its place and the new frame starts under them.
func (w *waiter) showFrame(now time.Time) {
	errOut := w.o.deps.Streams.ErrOut
	width, height := w.o.term.size()
	cleared := false
	for _, it := range w.items {
		k := it.Namespace + "/" + it.Name
		before := w.judged[k]
		w.judged[k] = it.Verdict
		if it.Verdict == inspect.VerdictReached && before != inspect.VerdictReached {
			if !cleared {
				_ = w.live.Clear(errOut, width)
				cleared = true
			}
			_ = render.WaitReached(w.o.deps.Streams.Out, it, w.o.goal)
		}
	}
	header, body := render.WaitFrame(w.o.goal, w.items, w.deadline, w.renderOptions(now))
	_ = w.live.Draw(errOut, render.Fit(header, body, width, height), width)
}

// finish explains the outcome on stderr and returns its exit code.
func (w *waiter) finish() error {
	errOut := w.o.deps.Streams.ErrOut
	ro := w.renderOptions(w.o.deps.Now())
	var failed []render.WaitItem
	for _, it := range w.items {
		if it.Verdict == inspect.VerdictUnreachable || it.Verdict == inspect.VerdictGone ||
			(w.code == ExitSuperseded && it.Verdict == inspect.VerdictSuperseded) {
			failed = append(failed, it)
		}
	}
	if err := w.printResults(); err != nil {
		return err
	}
	switch w.code {
	case ExitOK:
		_ = render.WaitDone(errOut, w.o.goal, len(w.items))
		return nil
	case ExitSuperseded:
		_ = render.WaitSuperseded(errOut, failed, w.o.deps.name())
	default:
		_ = render.WaitUnreachable(errOut, w.o.goal, failed, ro)
	}
	return silentError(w.code)
}

// timedOut lists what had not got there at --timeout.
func (w *waiter) timedOut() error {
	if !w.started {
		return fmt.Errorf("timed out after %s before the API server answered the LIST: check the connection, or raise --timeout", render.Human(w.o.timeout))
	}
	_ = render.WaitTimedOut(w.o.deps.Streams.ErrOut, w.o.goal, w.o.timeout, w.items, w.renderOptions(w.o.deps.Now()))
	w.notRestored()
	if err := w.printResults(); err != nil {
		return err
	}
	return silentError(ExitFailed)
}
