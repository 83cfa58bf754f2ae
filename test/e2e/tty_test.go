package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// The demo's eight releases (hack/demo) in the states the fixtures give
// them, and a fleet of 500 in five namespaces, most of them ready.
func ttyReleases() []fixtures.Release {
	r := func(set, ns, name string, st fixtures.State, deps ...string) fixtures.Release {
		return fixtures.Release{Name: name, Namespace: ns, State: st, DependsOn: deps, Labels: map[string]string{"tty": set}}
	}
	rs := []fixtures.Release{
		r("8", "tty-shop", "frontend", fixtures.Ready),
		r("8", "tty-shop", "checkout", fixtures.InstallRetrying),
		r("8", "tty-shop", "payments", fixtures.InProgress),
		r("8", "tty-shop", "orders", fixtures.Remediating),
		r("8", "tty-shop", "reviews", fixtures.WaitingDependency, "checkout"),
		r("8", "tty-platform", "ingress", fixtures.Ready),
		r("8", "tty-platform", "cert-manager", fixtures.Ready),
		r("8", "tty-platform", "external-dns", fixtures.Suspended),
	}
	mix := []fixtures.State{fixtures.Retrying, fixtures.Stalled, fixtures.Remediating, fixtures.InProgress,
		fixtures.Suspended, fixtures.InstallRetrying, fixtures.NeverReconciled}
	for i := range 500 {
		st := fixtures.Ready
		if i%7 == 0 {
			st = mix[(i/7)%len(mix)]
		}
		rs = append(rs, r("500", fmt.Sprintf("tty-fleet-%d", i%5), fmt.Sprintf("app-%03d", i), st))
	}
	return rs
}

var seedTTY = sync.OnceValue(func() error {
	h, err := suite()
	if err != nil {
		return err
	}
	return fixtures.CreateAll(context.Background(), h.admin, ttyReleases(), h.seededAt)
})

// `status -A --watch` on a real terminal, read back from the screen:
// every frame fits (no wrapped line, not taller than the screen), each
// redraw leaves nothing of the last frame, and the scrollback never grows
// after the first frame. 8 and 500 releases, at 80×24, 100×10 and 200×50,
// and one terminal resized while it watches.
func TestWatchOnATerminal(t *testing.T) {
	h := env(t)
	if err := seedTTY(); err != nil {
		t.Fatalf("seeding: %v", err)
	}
	for _, set := range []int{8, 500} {
		for _, size := range [][2]int{{80, 24}, {100, 10}, {200, 50}} {
			t.Run(fmt.Sprintf("%d releases at %dx%d", set, size[0], size[1]), func(t *testing.T) {
				s := h.startScreen(t, size[0], size[1], watchFrame(set), "status", "-A", "-l", fmt.Sprintf("tty=%d", set), "--watch")
				s.waitFrames(t, 3)
				s.mu.Lock()
				t.Logf("the terminal after 3 frames:\n%s", s.dump())
				s.mu.Unlock()
			})
		}
	}
	t.Run("resized while watching", func(t *testing.T) {
		s := h.startScreen(t, 200, 50, watchFrame(500), "status", "-A", "-l", "tty=500", "--watch")
		s.waitFrames(t, 2)
		n := 2
		for _, size := range [][2]int{{100, 10}, {80, 24}, {200, 50}, {60, 8}} {
			s.resize(t, size[0], size[1])
			n += 3 // the one on its way, the redraw at once (SIGWINCH), a tick
			s.waitFrames(t, n)
		}
		s.mu.Lock()
		t.Logf("the terminal after resizing:\n%s", s.dump())
		s.mu.Unlock()
	})
}

var moreLine = regexp.MustCompile(`^(?:… and (\d+) more \(|(\d+) HelmRelease\(s\): )`)

// watchFrame checks one frame of `status --watch` for n releases: the
// clock line once, nothing of an old frame above it or under the new one,
// each release at most once, and all n accounted for (shown, or counted on
// the last line).
func watchFrame(n int) func(*screen) []string {
	return func(s *screen) []string {
		rows := s.rows()
		cursor := s.term.CursorPosition()
		var out []string
		header := -1
		for y, r := range rows {
			if strings.Contains(r, "(watching; Ctrl-C to stop)") {
				if header >= 0 {
					out = append(out, fmt.Sprintf("frame %d: two clock lines, rows %d and %d: an old frame is left", s.frames, header, y))
				}
				header = y
			}
		}
		if header < 0 {
			return append(out, fmt.Sprintf("frame %d: no clock line on the screen: the frame is taller than the terminal", s.frames))
		}
		for y, r := range rows[:header] {
			if strings.ContainsAny(r, "│╭╰├") || strings.HasPrefix(r, "… and") {
				out = append(out, fmt.Sprintf("frame %d: row %d above the frame is a line of an old one: %q", s.frames, y, r))
			}
		}
		if cursor.X != 0 || cursor.Y <= header {
			out = append(out, fmt.Sprintf("frame %d: the cursor is at %v, not at the start of the row under the frame", s.frames, cursor))
		}
		for y := cursor.Y; y < len(rows) && y >= 0; y++ {
			if rows[y] != "" {
				out = append(out, fmt.Sprintf("frame %d: row %d under the frame is not blank: %q", s.frames, y, rows[y]))
			}
		}
		seen, shown, counted, body := map[string]bool{}, 0, 0, false
		for _, r := range rows[header:max(cursor.Y, header)] {
			cells := strings.Split(r, "│")
			body = body || strings.HasPrefix(r, "├")
			if body && len(cells) > 3 {
				id := strings.TrimSpace(cells[1]) + "/" + strings.TrimSpace(cells[2])
				if seen[id] {
					out = append(out, fmt.Sprintf("frame %d: %s shown twice", s.frames, id))
				}
				seen[id] = true
				shown++
			}
			if m := moreLine.FindStringSubmatch(r); m != nil {
				counted, _ = strconv.Atoi(m[1] + m[2])
			}
		}
		if shown+counted != n {
			out = append(out, fmt.Sprintf("frame %d: %d releases shown and %d counted, not %d", s.frames, shown, counted, n))
		}
		return out
	}
}
