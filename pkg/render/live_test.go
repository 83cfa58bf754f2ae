package render

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// liveOptions are those of `status -A --watch` on a terminal.
func liveOptions(color bool) Options {
	return Options{Now: testNow, Color: color, Relative: true, ShowNamespace: true, Summary: true}
}

// Every frame fits: no line wider than the terminal, no more lines than
// its height less the cursor's; the header stays, NAME, PHASE and NEXT too.
func TestLiveTableFits(t *testing.T) {
	all := states(t, fleet...)
	header := []string{"12:00:00  (watching; Ctrl-C to stop)", "a second header line, as long as it likes to be, cut to the width"}
	for _, size := range [][2]int{{80, 24}, {100, 10}, {200, 50}, {40, 6}, {20, 3}, {100, 2}} {
		for _, color := range []bool{true, false} {
			width, height := size[0], size[1]
			lines := Fit(header, LiveTable{States: all, O: liveOptions(color)}, width, height)
			name := fmt.Sprintf("%dx%d color=%v", width, height, color)
			if len(lines) > height-1 || len(lines) == 0 {
				t.Errorf("%s: %d lines", name, len(lines))
			}
			if !strings.HasPrefix(lines[0], "12:00:00") {
				t.Errorf("%s: the clock is the first line: %q", name, lines[0])
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > width {
					t.Errorf("%s: %d columns: %q", name, w, l)
				}
			}
			text := ansi.Strip(strings.Join(lines, "\n"))
			if height >= 8 && width >= 40 {
				for _, col := range []string{"NAME", "PHASE", "NEXT"} {
					if !strings.Contains(text, col) {
						t.Errorf("%s: %s never goes:\n%s", name, col, text)
					}
				}
			}
		}
	}
}

// All 12 fit in 80 × 24: every row and the summary; in 100 × 10 the most
// urgent ones, and a last line counting the others.
func TestLiveTableRows(t *testing.T) {
	all := states(t, fleet...)
	lines := Fit(nil, LiveTable{States: all, O: liveOptions(true)}, 200, 24)
	if len(lines) != 4+len(all)+1 || !strings.Contains(ansi.Strip(lines[len(lines)-1]), "1 ready") {
		t.Errorf("200 × 24 shows every release and the summary:\n%s", strings.Join(lines, "\n"))
	}
	lines = Fit([]string{"clock"}, LiveTable{States: all, O: liveOptions(true)}, 100, 10)
	text := ansi.Strip(strings.Join(lines, "\n"))
	last := ansi.Strip(lines[len(lines)-1])
	if len(lines) != 9 || !strings.HasPrefix(last, "… and 9 more (") {
		t.Fatalf("100 × 10: the clock, 4 borders, 3 rows, the count:\n%s", text)
	}
	for _, want := range []string{"retrying-overdue", "stalled-retries-exceeded", "retrying-upgrade"} {
		if !strings.Contains(text, want) {
			t.Errorf("100 × 10 keeps %s (overdue first, then stalled):\n%s", want, text)
		}
	}
	if strings.Contains(text, "│ ready ") {
		t.Errorf("ready comes last, counted:\n%s", text)
	}
}

func TestPriorityOrder(t *testing.T) {
	all := states(t, fleet...)
	shown, hidden := ByPriority(all, len(all))
	if len(hidden) != 0 {
		t.Fatalf("hidden: %d", len(hidden))
	}
	var got []string
	for _, st := range shown {
		got = append(got, st.Name)
	}
	want := []string{"retrying-overdue", "stalled-retries-exceeded", "retrying-upgrade",
		"retrying-install-template-error", "remediating-rollback", "stall-trap", "failed-values", "progressing",
		"waiting-dependency", "pending", "suspended", "ready"}
	if !slices.Equal(got, want) {
		t.Errorf("order:\n got %v\nwant %v", got, want)
	}
}

// Columns go in the documented order as the terminal narrows; NAME,
// PHASE and NEXT stay.
func TestColumnsDropInOrder(t *testing.T) {
	all := states(t, fleet...)
	o := liveOptions(false)
	o.Wide = true
	var gone []string
	for width := 400; width >= 30; width-- {
		lines := LiveTable{States: all, O: o}.Lines(width, 100)
		cols := strings.Fields(lines[0])
		for _, h := range []string{"NAMESPACE", "NAME", "READY", "PHASE", "ACTION", "STRATEGY", "FAILURES", "NEXT",
			"CHART", "REVISION", "RETRY-INTERVAL", "REMEDIATION", "ANCHOR", "MESSAGE"} {
			if !slices.Contains(cols, h) && !slices.Contains(gone, h) {
				gone = append(gone, h)
			}
		}
	}
	want := []string{"ANCHOR", "RETRY-INTERVAL", "REMEDIATION", "REVISION", "CHART", "ACTION", "STRATEGY", "READY", "MESSAGE", "FAILURES", "NAMESPACE"}
	if !slices.Equal(gone, want) {
		t.Errorf("columns went in the order %v, want %v", gone, want)
	}
}

// A redraw goes back over the rows the last frame takes at the width now:
// a line wider than a narrowed terminal takes two (a terminal that reflows).
func TestLiveRedrawCountsRows(t *testing.T) {
	var l Live
	var b bytes.Buffer
	if err := l.Draw(&b, []string{strings.Repeat("x", 100), "short"}, 100); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\x1b[J") || !strings.HasSuffix(b.String(), "short\n"+SyncEnd) {
		t.Errorf("first frame: %q", b.String())
	}
	for _, tc := range []struct {
		width int
		up    string
	}{{100, "\x1b[2A"}, {80, "\x1b[3A"}, {0, "\x1b[2A"}} {
		b.Reset()
		l.drawn = []int{100, 5}
		_ = l.Draw(&b, []string{"next"}, tc.width)
		if !strings.HasPrefix(b.String(), "\x1b[?2026h\r"+tc.up+"\x1b[J") {
			t.Errorf("width %d: %q", tc.width, b.String())
		}
	}
	b.Reset()
	_ = l.Clear(&b, 80)
	_ = l.Draw(&b, []string{"after"}, 80)
	if b.String() != "\x1b[?2026h\r\x1b[1A\x1b[J\x1b[?2026hafter\n\x1b[?2026l" {
		t.Errorf("clear then draw: %q", b.String())
	}
}

func TestGoldenLiveFrames(t *testing.T) {
	all := states(t, fleet...)
	header := []string{"12:00:00  (watching; Ctrl-C to stop)"}
	for _, tc := range []struct {
		name          string
		width, height int
		color         bool
	}{{"live-100x10.golden", 100, 10, true}, {"live-80x24.golden", 80, 24, true}, {"live-80x24-plain.golden", 80, 24, false}} {
		var b bytes.Buffer
		if err := (&Live{}).Draw(&b, Fit(header, LiveTable{States: all, O: liveOptions(tc.color)}, tc.width, tc.height), tc.width); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.name, b.Bytes())
	}
}

// The rank every phase gets, so that a new phase cannot go unranked.
func TestPriorityCoversPhases(t *testing.T) {
	for _, ph := range inspect.Phases() {
		if Priority(inspect.RetryState{Phase: ph}) == 9 {
			t.Errorf("phase %s has no rank", ph)
		}
	}
}
