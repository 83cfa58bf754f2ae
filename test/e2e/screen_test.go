package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"

	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// screen is the plugin running on a real pseudo-terminal, its output read
// back through a terminal emulator: what a person sees, rows and
// scrollback. A second emulator, 500 columns wider, gets the same bytes:
// the two screens differ as soon as one line is wider than the terminal
// (it wraps in the first one only). After every frame (render.SyncEnd)
// check looks at the screen and keeps what is wrong.
type screen struct {
	mu          sync.Mutex
	term, wide  *vt.Emulator
	frames      int
	skip        int                 // frames not to check: drawn for a size the terminal no longer has
	scrollback  int                 // after the first frame; -1 before
	kept        func(s *screen) int // lines written for good so far, which may scroll the frame up (nil: none)
	keptAt      int
	problems    []string
	check       func(s *screen) []string
	frameSignal chan struct{}

	ptmx   *os.File
	cmd    *exec.Cmd
	cancel context.CancelFunc
	done   chan struct{}
}

// startScreen runs the plugin with args on a width × height terminal,
// after a line standing for the shell's prompt and command.
func (h *harness) startScreen(t *testing.T, width, height int, check func(*screen) []string, args ...string) *screen {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	s := &screen{term: vt.NewEmulator(width, height), wide: vt.NewEmulator(width+500, height),
		scrollback: -1, check: check, frameSignal: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	for _, e := range []*vt.Emulator{s.term, s.wide} {
		go func() { _, _ = io.Copy(io.Discard, e) }() // its answers to queries: nobody types here
	}
	prompt := "$ kubectl hrretry " + strings.Join(args, " ")
	argv := append([]string{"-c", `printf '%s\n' "$1"; shift; exec "$@"`, "sh", prompt, h.bin, "--kubeconfig", h.kubeconfigs[userAdmin]}, args...)
	s.cmd = exec.CommandContext(ctx, "sh", argv...)
	s.cmd.Env = []string{"HOME=" + h.dir, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color"}
	var err error
	if s.ptmx, err = pty.StartWithSize(s.cmd, &pty.Winsize{Cols: uint16(width), Rows: uint16(height)}); err != nil {
		cancel()
		t.Fatalf("starting on a pseudo-terminal: %v", err)
	}
	go s.read()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// read feeds the emulators up to each frame's end, then checks the screen.
func (s *screen) read() {
	defer close(s.done)
	buf := make([]byte, 64<<10)
	var pending []byte
	synced := false
	for {
		n, err := s.ptmx.Read(buf)
		pending = append(pending, buf[:n]...)
		synced = synced || bytes.Contains(pending, []byte(syncBegin))
		for {
			end := frameEnd(pending, synced)
			if end < 0 {
				break
			}
			s.frame(pending[:end])
			pending = pending[end:]
		}
		if err != nil { // EIO once the plugin exits
			s.mu.Lock()
			s.write(pending)
			s.mu.Unlock()
			return
		}
	}
}

// syncBegin starts a frame of a build that marks them (render.Live).
const syncBegin = "\x1b[?2026h"

// frameEnd is where the first complete frame in p ends, -1 if none has.
// A build that does not mark its frames (before issue 25) is read one
// frame behind: each ends where the next one's redraw ("\r\x1b[…A")
// begins, so those frames can be checked (and fail) too.
func frameEnd(p []byte, synced bool) int {
	if synced {
		if i := bytes.Index(p, []byte(render.SyncEnd)); i >= 0 {
			return i + len(render.SyncEnd)
		}
		return -1
	}
	if i := bytes.Index(p[min(1, len(p)):], []byte("\r\x1b[")); i >= 0 {
		return i + 1
	}
	return -1
}

func (s *screen) write(p []byte) {
	_, _ = s.term.Write(p)
	_, _ = s.wide.Write(p)
}

func (s *screen) frame(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write(p)
	s.frames++
	if s.skip > 0 {
		s.skip--
	} else {
		s.problems = append(s.problems, s.checkFrame()...)
	}
	select {
	case s.frameSignal <- struct{}{}:
	default:
	}
}

// checkFrame: no wrapped line, no scrollback growth after the first
// frame, then the caller's checks.
func (s *screen) checkFrame() []string {
	var out []string
	narrow, wide := frameRows(s.term), frameRows(s.wide)
	for y := range max(len(narrow), len(wide)) {
		if y >= len(narrow) || y >= len(wide) || narrow[y] != wide[y] {
			out = append(out, fmt.Sprintf("frame %d: the frame's rows differ on a terminal 500 columns wider (a line wrapped):\n%s\n---\n%s",
				s.frames, strings.Join(narrow, "\n"), strings.Join(wide, "\n")))
			break
		}
	}
	sb := s.term.ScrollbackLen()
	kept := 0 // lines the command keeps above its frame (wait's "reached")
	if s.kept != nil {
		kept = s.kept(s)
	}
	switch {
	case s.scrollback < 0:
		s.scrollback, s.keptAt = sb, kept
	case sb > s.scrollback+kept-s.keptAt:
		out = append(out, fmt.Sprintf("frame %d: the scrollback grew from %d to %d lines, with %d line(s) printed for good since",
			s.frames, s.scrollback, sb, kept-s.keptAt))
	}
	return append(out, s.check(s)...)
}

// frameRows is the rows of the last frame: from its first line (a live
// view's header: the clock, or wait's "Waiting for") to the cursor. The
// lines above it are the prompt and notes, which may wrap.
func frameRows(e *vt.Emulator) []string {
	rows := rowsOf(e)
	end := min(max(e.CursorPosition().Y, 0), len(rows))
	for y := range end {
		if strings.Contains(rows[y], "(watching; Ctrl-C to stop)") || strings.HasPrefix(rows[y], "Waiting for ") {
			return rows[y:end]
		}
	}
	return rows[:end]
}

// rows is the screen, a string per row without trailing blanks.
func (s *screen) rows() []string { return rowsOf(s.term) }

func rowsOf(e *vt.Emulator) []string {
	rows := make([]string, e.Height())
	for y := range rows {
		var b strings.Builder
		for x := 0; x < e.Width(); x++ {
			c := e.CellAt(x, y)
			switch {
			case c == nil:
			case c.Content == "" && c.Width == 0: // the second half of a wide character
			case c.Content == "":
				b.WriteByte(' ')
			default:
				b.WriteString(c.Content)
			}
		}
		rows[y] = strings.TrimRight(b.String(), " ")
	}
	return rows
}

// scrollbackText is the lines pushed off the top of the screen.
func (s *screen) scrollbackText() []string {
	lines := make([]string, s.term.ScrollbackLen())
	for y := range lines {
		var b strings.Builder
		for x := 0; ; x++ {
			c := s.term.ScrollbackCellAt(x, y)
			if c == nil {
				break
			}
			if c.Content == "" && c.Width != 0 {
				b.WriteByte(' ')
			}
			b.WriteString(c.Content)
		}
		lines[y] = strings.TrimRight(b.String(), " ")
	}
	return lines
}

func (s *screen) frameCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frames
}

// waitFrames returns once n frames (in all) have been drawn.
func (s *screen) waitFrames(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		s.mu.Lock()
		got := s.frames
		s.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-s.frameSignal:
		case <-s.done:
			t.Fatalf("the plugin ended after %d of %d frames:\n%s", got, n, s.dump())
		case <-timeout:
			t.Fatalf("%d of %d frames within a minute:\n%s", got, n, s.dump())
		}
	}
}

// resize changes the terminal's size as a window manager does: the
// pseudo-terminal's (the kernel sends SIGWINCH) and the emulator's. The
// frame on its way, drawn for the old size, is not checked.
func (s *screen) resize(t *testing.T, width, height int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := pty.Setsize(s.ptmx, &pty.Winsize{Cols: uint16(width), Rows: uint16(height)}); err != nil {
		t.Fatal(err)
	}
	s.term.Resize(width, height)
	s.wide.Resize(width+500, height)
	s.skip = 1
}

// dump is the screen and the end of the scrollback, for a failure or the log.
func (s *screen) dump() string {
	var b strings.Builder
	sb := s.scrollbackText()
	fmt.Fprintf(&b, "scrollback: %d lines; the last ones:\n", len(sb))
	for _, l := range sb[max(len(sb)-12, 0):] {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	fmt.Fprintf(&b, "screen (%d×%d):\n", s.term.Width(), s.term.Height())
	border := "+" + strings.Repeat("-", s.term.Width()) + "+"
	b.WriteString(border + "\n")
	for _, r := range s.rows() {
		fmt.Fprintf(&b, "|%s%s|\n", r, strings.Repeat(" ", max(s.term.Width()-displayWidth(r), 0)))
	}
	b.WriteString(border + "\n")
	return b.String()
}

func displayWidth(s string) int { return len([]rune(s)) }

// stop ends the plugin as Ctrl-C does and fails the test on any problem
// a frame showed.
func (s *screen) stop(t *testing.T) {
	t.Helper()
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cancel()
		<-s.done
	}
	err := s.cmd.Wait()
	s.cancel()
	_ = s.ptmx.Close()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Errorf("waiting for the plugin: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.problems[:min(len(s.problems), 5)] {
		t.Error(p)
	}
	if len(s.problems) > 0 {
		t.Errorf("%d problem(s) in %d frames; the terminal at the end:\n%s", len(s.problems), s.frames, s.dump())
	}
}
