package cmd

import (
	"fmt"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// connState is what a live view or a wait knows of its connection: when
// it was lost and why; the zero value is connected.
type connState struct {
	lostAt time.Time
	reason string
}

func (c connState) isLost() bool { return !c.lostAt.IsZero() }

// lostConn records a loss; the reason is the error's innermost cause
// (connection refused, EOF), short enough for a header line.
func lostConn(now time.Time, err error) connState {
	return connState{lostAt: now, reason: rootCause(err)}
}

// header is the live view's extra header line, none while connected.
func (c connState) header(now time.Time, color bool) []string {
	if !c.isLost() {
		return nil
	}
	return []string{render.ConnectionLost(c.lostAt, now, c.reason, color)}
}

// lost: a terminal redraws with the header line at once; a pipe gets one
// stderr line (its stdout lines stop until the server is back).
func (v *liveView) lost(err error) {
	now := v.o.deps.Now()
	v.conn = lostConn(now, err)
	if v.o.term.tty {
		v.drawAll()
		return
	}
	_, _ = fmt.Fprintln(v.o.deps.Streams.ErrOut, render.ConnectionLostLog(now, v.conn.reason))
}

// restored: the fresh LIST that follows redraws the view.
func (v *liveView) restored() {
	if !v.o.term.tty {
		_, _ = fmt.Fprintln(v.o.deps.Streams.ErrOut, render.ConnectionRestoredLog(v.o.deps.Now(), v.conn.lostAt))
	}
	v.conn = connState{}
}

// lost: wait says so at once, on a terminal above its frame (which is
// then drawn anew below the line), and keeps waiting until --timeout.
func (w *waiter) lost(err error) {
	now := w.o.deps.Now()
	w.conn = lostConn(now, err)
	w.clearFrame() // the line goes where the frame was; the next frame below it
	_, _ = fmt.Fprintln(w.o.deps.Streams.ErrOut, render.ConnectionLostLog(now, w.conn.reason))
}

func (w *waiter) restored() {
	w.clearFrame()
	_, _ = fmt.Fprintln(w.o.deps.Streams.ErrOut, render.ConnectionRestoredLog(w.o.deps.Now(), w.conn.lostAt))
	w.conn = connState{}
}

// notRestored is wait's last line when it ends with the server away.
func (w *waiter) notRestored() {
	if w.conn.isLost() {
		now := w.o.deps.Now()
		_, _ = fmt.Fprintln(w.o.deps.Streams.ErrOut, render.ConnectionNotRestored(w.conn.lostAt, w.conn.reason, w.o.term.tty, now))
	}
}

// clearFrame erases wait's frame on a terminal, so a line printed now stays
// above the next one.
func (w *waiter) clearFrame() {
	if w.o.term.tty {
		width, _ := w.o.term.size()
		_ = w.live.Clear(w.o.deps.Streams.ErrOut, width)
	}
}
