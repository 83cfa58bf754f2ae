package render

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// A live view (status --watch, wait on a terminal) is a frame redrawn in
// place: header lines (the clock, notes: any number of them), then a body
// laid out in the room the header leaves. A frame never is wider than the
// terminal nor taller than its height less one line, so redrawing it moves
// the cursor up over rows that are all still on the screen, and nothing is
// ever pushed into the scrollback. Fitting is a pure function of the
// content and the terminal's width and height.

// Body is the part of a frame under its header.
type Body interface {
	// Lines lays the body out in at most height lines, each at most width
	// columns wide. Width 0 is not fitted.
	Lines(width, height int) []string
}

// Fit lays a frame out for a terminal of width × height: the header lines,
// then the body in the lines left. The terminal's last line stays free for
// the cursor: a frame that ended on it would scroll a line into the
// scrollback at every redraw. 0 is an unknown width or height, not fitted.
func Fit(header []string, body Body, cols, height int) []string {
	room := math.MaxInt
	if height > 0 {
		room = max(height-1, 1)
	}
	if len(header) > room {
		header = header[:room] // the first header line is the clock: kept
	}
	lines := make([]string, 0, len(header)+8)
	for _, h := range header {
		lines = append(lines, Cut(h, cols))
	}
	for _, l := range body.Lines(cols, room-len(header)) {
		if len(lines) == room {
			break
		}
		lines = append(lines, Cut(l, cols))
	}
	return lines
}

// Cut shortens a line to width display columns, ending it with "…"; colour
// codes do not count. Width 0: unchanged.
func Cut(s string, cols int) string {
	if cols <= 0 || width(s) <= cols {
		return s
	}
	return ansi.Truncate(s, cols, "…")
}

// Live is a frame drawn in place on a terminal: it remembers what the last
// frame left on the screen, to go back over it.
type Live struct {
	drawn []int // display width of each line of the last frame
}

// Synchronized output (DEC mode 2026): a terminal that knows it shows the
// frame at once instead of line by line; the others ignore it.
const (
	syncBegin = "\x1b[?2026h"
	syncEnd   = "\x1b[?2026l"
)

// SyncEnd ends every frame: what a test reading the terminal waits for.
const SyncEnd = syncEnd

// rows is how many terminal rows the last frame takes at width. A line
// wider than the terminal takes more than one: a terminal that reflows its
// lines on a resize (tmux, VTE, kitty, Windows Terminal) wraps the old
// frame's lines when the width shrinks. One that does not (xterm) leaves
// them on one row each; then going up too far only clears lines above the
// frame, never leaves part of it behind.
func (l *Live) rows(cols int) int {
	n := 0
	for _, w := range l.drawn {
		if cols > 0 && w > cols {
			n += (w + cols - 1) / cols
		} else {
			n++
		}
	}
	return n
}

// Clear erases the last frame and leaves the cursor where it began, in a
// synchronized update that Draw ends: lines written between the two (wait's
// "reached" lines, on standard output) stay above the next frame.
func (l *Live) Clear(w io.Writer, cols int) error {
	s := syncBegin
	if n := l.rows(cols); n > 0 {
		s += fmt.Sprintf("\r\x1b[%dA\x1b[J", n)
	}
	l.drawn = nil
	_, err := io.WriteString(w, s)
	return err
}

// Draw writes lines over the last frame, in one write. The lines must fit
// the width (Fit): then each takes one row, and the next redraw goes back
// over exactly those.
func (l *Live) Draw(w io.Writer, lines []string, cols int) error {
	var b strings.Builder
	b.WriteString(syncBegin)
	if n := l.rows(cols); n > 0 {
		fmt.Fprintf(&b, "\r\x1b[%dA\x1b[J", n)
	}
	l.drawn = l.drawn[:0]
	for _, s := range lines {
		b.WriteString(s)
		b.WriteByte('\n')
		l.drawn = append(l.drawn, width(s))
	}
	b.WriteString(syncEnd)
	_, err := io.WriteString(w, b.String())
	return err
}

// Text is a Body of fixed lines ("No HelmReleases found.").
type Text []string

// Lines keeps the first height lines.
func (t Text) Lines(_, height int) []string { return t[:min(len(t), max(height, 0))] }
