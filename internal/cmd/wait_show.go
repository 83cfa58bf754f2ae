package cmd

import (
	"fmt"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// renderOptions: the progress is on stderr, so its terminal decides.
func (w *waiter) renderOptions(now time.Time) render.Options {
	return render.Options{Now: now, Color: w.o.term.color, Relative: w.o.term.tty}
}

// show writes the progress to stderr (a frame redrawn in place on a
// terminal, a line per change on a pipe) and, to stdout, each release
// that reached the goal.
func (w *waiter) show(now time.Time, tick bool) {
	errOut := w.o.deps.Streams.ErrOut
	ro := w.renderOptions(now)
	if w.o.term.tty {
		w.lines, _ = render.WaitFrame(errOut, w.lines, w.o.goal, w.items, w.deadline, ro)
	}
	for _, it := range w.items {
		k := it.Namespace + "/" + it.Name
		before := w.judged[k]
		w.judged[k] = it.Verdict
		if it.Verdict == inspect.VerdictReached && before != inspect.VerdictReached {
			_ = render.WaitReached(w.o.deps.Streams.Out, it, w.o.goal)
		}
		if w.o.term.tty {
			continue
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
	switch w.code {
	case ExitOK:
		_ = render.WaitDone(errOut, w.o.goal, len(w.items))
		return nil
	case ExitSuperseded:
		_ = render.WaitSuperseded(errOut, failed)
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
	return silentError(ExitFailed)
}
