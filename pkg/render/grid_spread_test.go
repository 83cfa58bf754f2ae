package render

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// TestSpreadTableIsTheSerialTable: a table made on every core, in ranges
// and blocks, is the table made row after row: the same widths, the same
// lines in the same order. The expected text is laid out here, without
// the grid, at sizes around the block and range boundaries.
func TestSpreadTableIsTheSerialTable(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Cleanup(func() { runtime.GOMAXPROCS(1) })
		runtime.GOMAXPROCS(2)
	}
	words := []string{"a", "release-name", "∞", "3/5", "in 1m–2m", "日本語", "x…", ""}
	headers := []string{"NAME", "FAILURES", "MESSAGE"}
	for _, n := range []int{0, 1, spreadMin - 1, 2*spreadMin - 1, 2 * spreadMin, 2*spreadMin + 1, 5003} {
		rows := make([][]string, n)
		for i := range rows {
			rows[i] = []string{fmt.Sprintf("r%d", i), words[i%len(words)], strings.Repeat("m", i%37) + words[(i/7)%len(words)]}
		}
		var got bytes.Buffer
		if err := fixedGrid(headers, rows, make([]inspect.Phase, n)).plain(&got, true); err != nil {
			t.Fatal(err)
		}
		if want := laidOut(append([][]string{headers}, rows...)); got.String() != want {
			t.Errorf("%d rows: the table differs from the serial layout", n)
		}
	}
}

// laidOut is the plain table by the book: each column as wide as its
// widest cell, two spaces apart, no trailing blanks.
func laidOut(rows [][]string) string {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var l strings.Builder
		for i, c := range r {
			l.WriteString(c + strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	return b.String()
}
