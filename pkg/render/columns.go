package render

import (
	"slices"

	"github.com/charmbracelet/x/ansi"
)

// When a live frame's table is wider than the terminal, MESSAGE shrinks
// first (down to minMessage columns), then columns go in this order until
// the table fits: -o wide's own columns, then ACTION, STRATEGY and READY
// (the phase says most of what they say), then MESSAGE, FAILURES,
// NAMESPACE, STUCK and CONTEXT. NAME, PHASE and NEXT
// never go: they say which release, what state, what next and when. A
// table still too wide after that has its widest column cut.
// docs/live.md and `status --help` say the same.
var dropOrder = []string{
	"ANCHOR", "RETRY-INTERVAL", "REMEDIATION", "REVISION", "CHART",
	"ACTION", "STRATEGY", "READY",
	"MESSAGE", "FAILURES", "NAMESPACE", "STUCK", "CONTEXT",
}

// minMessage is as far as MESSAGE shrinks before any column goes: less
// than that rarely says what failed.
const minMessage = 20

// DropOrder is the order columns leave a live table too wide for the
// terminal, for the help text.
func DropOrder() []string { return slices.Clone(dropOrder) }

// fitColumns returns the table's headers and rows narrowed to cols: the
// MESSAGE cells cut, columns dropped in dropOrder until the rest fits, then
// those dropped taken back, most useful first, where the room left holds
// them (a narrow column can come back after a wide one went). rows' cells
// are modified.
func fitColumns(headers []string, rows [][]string, cols int, boxed bool) ([]string, [][]string) {
	full := columnWidths(headers, rows)
	keep := make([]bool, len(headers))
	for i := range keep {
		keep[i] = true
	}
	msg := slices.Index(headers, "MESSAGE")
	fits := func() bool {
		ws := make([]int, 0, len(full))
		for i, w := range full {
			if keep[i] {
				if i == msg {
					w = min(w, minMessage) // MESSAGE takes what is left, at least this
				}
				ws = append(ws, w)
			}
		}
		return tableWidth(ws, boxed) <= cols
	}
	var dropped []int
	for _, name := range dropOrder {
		if fits() {
			break
		}
		if i := slices.Index(headers, name); i >= 0 {
			keep[i] = false
			dropped = append(dropped, i)
		}
	}
	for _, i := range slices.Backward(dropped) {
		if keep[i] = true; !fits() {
			keep[i] = false
		}
	}
	var kept []int
	for i, k := range keep {
		if k {
			kept = append(kept, i)
		}
	}
	headers = pick(headers, kept)
	for r := range rows {
		rows[r] = pick(rows[r], kept)
	}
	shrinkMessage(headers, rows, cols, boxed, 1)
	shrinkWidest(headers, rows, cols, boxed)
	return headers, rows
}

func pick(cells []string, idx []int) []string {
	out := make([]string, len(idx))
	for j, i := range idx {
		out[j] = cells[i]
	}
	return out
}

// shrinkWidest is the last resort, when NAME, PHASE and NEXT alone are
// wider than the terminal: NAME is cut first (down to minName: the start
// of a name still tells which release), then the widest column, cell by
// cell, so the table keeps its shape (a row cut at the edge loses its
// border, and the end of NEXT is the time).
func shrinkWidest(headers []string, rows [][]string, cols int, boxed bool) {
	if i := slices.Index(headers, "NAME"); i >= 0 {
		shrinkColumn(headers, rows, cols, boxed, i, minName)
	}
	for range headers {
		widths := columnWidths(headers, rows)
		c := 0
		for i, w := range widths {
			if w-width(headers[i]) > widths[c]-width(headers[c]) {
				c = i
			}
		}
		if !shrinkColumn(headers, rows, cols, boxed, c, 1) {
			return
		}
	}
}

const minName = 16

// shrinkColumn cuts column c's cells (not under floor, nor its header) by
// what the table is over width; it says whether it was over.
func shrinkColumn(headers []string, rows [][]string, cols int, boxed bool, c, floor int) bool {
	widths := columnWidths(headers, rows)
	over := tableWidth(widths, boxed) - cols
	if over <= 0 {
		return false
	}
	to := max(widths[c]-over, width(headers[c]), floor)
	for _, r := range rows {
		if width(r[c]) > to {
			r[c] = ansi.Truncate(r[c], to, "…")
		}
	}
	return true
}

// shrinkMessage cuts the MESSAGE cells so the table fits width, if it can
// without going under floor columns, and says whether the table fits.
func shrinkMessage(headers []string, rows [][]string, cols int, boxed bool, floor int) bool {
	widths := columnWidths(headers, rows)
	over := tableWidth(widths, boxed) - cols
	if over <= 0 {
		return true
	}
	m := slices.Index(headers, "MESSAGE")
	if m < 0 || widths[m]-over < floor {
		return false
	}
	for _, r := range rows {
		if width(r[m]) > widths[m]-over {
			r[m] = ansi.Truncate(r[m], widths[m]-over, "…")
		}
	}
	return true
}

func columnWidths(headers []string, rows [][]string) []int {
	ws := make([]int, len(headers))
	for i, h := range headers {
		ws[i] = width(h)
	}
	for _, r := range rows {
		for i, c := range r {
			ws[i] = max(ws[i], width(c))
		}
	}
	return ws
}

// tableWidth is the width grid draws: two blanks between plain columns;
// "│ " before each boxed column, " " after it, and a closing "│".
func tableWidth(widths []int, boxed bool) int {
	n := 0
	for _, w := range widths {
		n += w
	}
	if boxed {
		return n + 3*len(widths) + 1
	}
	return n + 2*max(len(widths)-1, 0)
}
