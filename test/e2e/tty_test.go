package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"golang.org/x/sync/errgroup"
	"sigs.k8s.io/controller-runtime/pkg/client"

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

// seedTTY creates rs and removes them when t ends: other tests list all
// namespaces (wait -A --phase suspended, status -A --check) and count
// what they find.
func seedTTY(t *testing.T, h *harness, rs []fixtures.Release) {
	t.Helper()
	t.Cleanup(func() { removeReleases(t, h, rs) })
	if err := fixtures.CreateAll(context.Background(), h.admin, rs, time.Now()); err != nil {
		t.Fatalf("seeding: %v", err)
	}
}

// removeReleases deletes rs, their finalizer first: no controller runs
// here to remove it, and a namespace is never deleted for good without
// kube-controller-manager.
func removeReleases(t *testing.T, h *harness, rs []fixtures.Release) {
	ctx := context.Background()
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, r := range rs {
		g.Go(func() error {
			hr := &v2.HelmRelease{}
			if err := h.admin.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: r.Name}, hr); err != nil {
				return client.IgnoreNotFound(err)
			}
			if len(hr.Finalizers) > 0 {
				patch := client.MergeFrom(hr.DeepCopy())
				hr.Finalizers = nil
				if err := h.admin.Patch(ctx, hr, patch); err != nil {
					return client.IgnoreNotFound(err)
				}
			}
			return client.IgnoreNotFound(h.admin.Delete(ctx, hr))
		})
	}
	if err := g.Wait(); err != nil {
		t.Errorf("removing the releases of this test: %v", err)
	}
}

// `status -A --watch` on a real terminal, read back from the screen:
// every frame fits (no wrapped line, not taller than the screen), each
// redraw leaves nothing of the last frame, and the scrollback never grows
// after the first frame. 8 and 500 releases, at 80×24, 100×10 and 200×50,
// and one terminal resized while it watches.
func TestWatchOnATerminal(t *testing.T) {
	h := env(t)
	seedTTY(t, h, ttyReleases())
	for _, set := range []int{8, 500} {
		for _, size := range [][2]int{{80, 24}, {100, 10}, {100, 24}, {200, 50}} {
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

// `wait` on a real terminal, both streams on it: the releases that reach
// the goal get their "reached" line (stdout) above the frame (stderr),
// once, and nothing of an old frame is left on the screen. Twelve releases
// on 100×10: the frame keeps those still waiting and counts the others.
func TestWaitOnATerminal(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	const ns = "tty-wait"
	var rs []fixtures.Release
	for i := range 12 {
		st := fixtures.Retrying
		if i < 4 {
			st = fixtures.Ready
		}
		rs = append(rs, fixtures.Release{Name: fmt.Sprintf("web-%02d", i), Namespace: ns, State: st})
	}
	seedTTY(t, h, rs)
	s := h.startScreen(t, 100, 10, waitFrame(12), "wait", "-n", ns, "--all", "--for", "ready", "--timeout", "2m")
	s.kept = func(s *screen) int { return len(reachedLines(s)) }
	s.waitFrames(t, 1)
	for i, r := range rs[4:] {
		hr := &v2.HelmRelease{}
		if err := h.admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: r.Name}, hr); err != nil {
			t.Fatal(err)
		}
		released(t, h.admin, hr, "1.6.0")
		if i%3 == 0 {
			s.waitFrames(t, s.frameCount()+1)
		}
	}
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		t.Fatalf("wait did not end once every release was ready:\n%s", s.dump())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := append(s.scrollbackText(), s.rows()...)
	for _, r := range rs {
		if n := countLines(all, ns+"/"+r.Name+" reached ready"); n != 1 {
			t.Errorf("%s reached ready: %d line(s), want 1", r.Name, n)
		}
	}
	if countLines(all, "All 12 HelmRelease(s) reached ready.") != 1 {
		t.Errorf("no final line")
	}
	t.Logf("the terminal at the end:\n%s", s.dump())
}

func countLines(lines []string, want string) int {
	n := 0
	for _, l := range lines {
		if l == want {
			n++
		}
	}
	return n
}

// reachedLines is every "reached" line on the screen and in the scrollback.
func reachedLines(s *screen) []string {
	var out []string
	for _, l := range append(s.scrollbackText(), s.rows()...) {
		if strings.HasSuffix(l, " reached ready") {
			out = append(out, l)
		}
	}
	return out
}

// waitFrame checks one frame of wait for n releases: its header once,
// the "reached" lines above it and each once, no line of an old frame
// above it, nothing under it, every release shown or counted.
func waitFrame(n int) func(*screen) []string {
	return func(s *screen) []string {
		rows := s.rows()
		cursor := s.term.CursorPosition()
		var out []string
		header := -1
		for y, r := range rows {
			if strings.HasPrefix(r, "Waiting for ready: ") {
				if header >= 0 {
					out = append(out, fmt.Sprintf("frame %d: two headers, rows %d and %d: an old frame is left", s.frames, header, y))
				}
				header = y
			}
		}
		if header < 0 {
			return append(out, fmt.Sprintf("frame %d: no header on the screen", s.frames))
		}
		for y, r := range rows[:header] {
			if strings.HasPrefix(r, "  tty-wait/") || strings.HasPrefix(r, "  … and") {
				out = append(out, fmt.Sprintf("frame %d: row %d above the frame is a line of an old one: %q", s.frames, y, r))
			}
		}
		for y, r := range rows[header:] {
			if strings.HasSuffix(r, " reached ready") {
				out = append(out, fmt.Sprintf("frame %d: a reached line inside or under the frame, row %d: %q", s.frames, header+y, r))
			}
		}
		seen := map[string]int{}
		for _, l := range reachedLines(s) {
			if seen[l]++; seen[l] == 2 {
				out = append(out, fmt.Sprintf("frame %d: %q twice", s.frames, l))
			}
		}
		for y := cursor.Y; y < len(rows) && y >= 0; y++ {
			if rows[y] != "" {
				out = append(out, fmt.Sprintf("frame %d: row %d under the frame is not blank: %q", s.frames, y, rows[y]))
			}
		}
		shown, counted := 0, 0
		for _, r := range rows[header+1 : max(cursor.Y, header+1)] {
			if strings.HasPrefix(r, "  tty-wait/") {
				shown++
			}
			if m := waitMore.FindStringSubmatch(r); m != nil {
				counted, _ = strconv.Atoi(m[1])
			}
		}
		if shown+counted != n {
			out = append(out, fmt.Sprintf("frame %d: %d releases shown and %d counted, not %d", s.frames, shown, counted, n))
		}
		return out
	}
}

var waitMore = regexp.MustCompile(`^  … and (\d+) more \(`)
