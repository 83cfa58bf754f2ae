package render

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// grid lays rows of cells out in aligned columns.
//
// It does what lipgloss/table does for this table, but measures every cell
// once, with an ASCII fast path: lipgloss/table re-measures grapheme widths
// several times per cell (about 120 µs a row, 0.6 s for 5,000 rows, against
// a 50 ms budget for analyzing and rendering them). lipgloss still provides
// the styles and the border glyphs.
//
// Its rows are made on demand, once to measure and once to write, and
// never kept: at fleet scale the cells were megabytes (TableRows). A grid
// of rows already made is fixedGrid.
type grid struct {
	headers []string
	n       int                                  // rows
	row     func(i int, cells []string) []string // the i-th row's cells, made into cells[:0]
	phase   func(i int) inspect.Phase            // for colouring the PHASE column
	widths  []int
}

// fixedGrid is a grid of rows already made.
func fixedGrid(headers []string, rows [][]string, phases []inspect.Phase) *grid {
	return &grid{headers: headers, n: len(rows),
		row:   func(i int, _ []string) []string { return rows[i] },
		phase: func(i int) inspect.Phase { return phases[i] }}
}

// width is the display width of s, without a grapheme walk for printable
// ASCII and the few symbols the table prints itself (∞ in FAILURES, – in a
// window, … where a cell is cut), one column each as ansi.StringWidth
// counts them (TestWidthOfOwnSymbols): a fleet's cells have them in most
// rows, and the walk was 3 % of listing ten clusters. Anything else, or one
// of them followed by what may join it (a combining mark), takes the walk.
func width(s string) int {
	n := 0
	for i := 0; i < len(s); n++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != '∞' && r != '–' && r != '…' {
			return ansi.StringWidth(s)
		}
		i += size
	}
	return n
}

func (g *grid) measure(withHeaders bool) {
	g.widths = make([]int, len(g.headers))
	if withHeaders {
		for i, h := range g.headers {
			g.widths[i] = width(h)
		}
	}
	for _, ws := range spread(g.n, g.measureRange) {
		for i, w := range ws {
			g.widths[i] = max(g.widths[i], w)
		}
	}
}

// measureRange is the widest cell of each column in rows [lo, hi).
func (g *grid) measureRange(lo, hi int) []int {
	widths := make([]int, len(g.headers))
	var cells []string
	for r := lo; r < hi; r++ {
		cells = g.row(r, cells)
		for i, c := range cells {
			widths[i] = max(widths[i], width(c))
		}
	}
	return widths
}

// textWriter is a strings.Builder or a bufio.Writer.
type textWriter interface {
	WriteString(string) (int, error)
	WriteByte(byte) error
}

func pad(b textWriter, s string, n int) {
	// Unchecked: a strings.Builder never fails, a bufio.Writer keeps its
	// error for Flush.
	_, _ = b.WriteString(s)
	for ; n > 0; n-- {
		_ = b.WriteByte(' ')
	}
}

// plain writes kubectl-style columns: two spaces apart, no trailing blanks.
func (g *grid) plain(w io.Writer, withHeaders bool) error {
	g.measure(withHeaders)
	// Block by block through a buffer rather than one string of the whole
	// table: at fleet scale that string and its growth were megabytes of
	// peak memory. bufio keeps the first write error and Flush returns it.
	b := bufio.NewWriterSize(w, 32<<10)
	if withHeaders {
		_, _ = b.Write(g.appendLine(nil, g.headers))
	}
	inBlocks(g.n, g.lines, func(text []byte) { _, _ = b.Write(text) })
	return b.Flush()
}

// lines are rows [lo, hi) as plain text.
func (g *grid) lines(lo, hi int) []byte {
	var text []byte
	var cells []string
	for r := lo; r < hi; r++ {
		cells = g.row(r, cells)
		text = g.appendLine(text, cells)
	}
	return text
}

// appendLine appends one line of cells, padded to the widths, without
// trailing blanks.
func (g *grid) appendLine(text []byte, cells []string) []byte {
	for i, c := range cells {
		text = append(text, c...)
		for n := g.widths[i] - width(c) + 2; n > 0; n-- {
			text = append(text, ' ')
		}
	}
	return append(bytes.TrimRight(text, " "), '\n')
}

// boxed writes the terminal form: rounded borders, bold headers, the phase
// column coloured. Colour codes are added after measuring, so they never
// count towards widths.
func (g *grid) boxed(w io.Writer, withHeaders bool, phaseCol int) error {
	g.measure(withHeaders)
	border := lipgloss.RoundedBorder()
	faint := lipgloss.NewStyle().Faint(true)
	bold := lipgloss.NewStyle().Bold(true)
	rule := func(left, mid, right string) string {
		parts := make([]string, len(g.widths))
		for i, wd := range g.widths {
			parts[i] = strings.Repeat(border.Top, wd+2)
		}
		return faint.Render(left+strings.Join(parts, mid)+right) + "\n"
	}
	bar := faint.Render(border.Left)
	b := bufio.NewWriterSize(w, 32<<10) // as in plain

	b.WriteString(rule(border.TopLeft, border.MiddleTop, border.TopRight))
	row := func(cells []string, style func(i int, s string) string) {
		b.WriteString(bar)
		for i, c := range cells {
			b.WriteByte(' ')
			pad(b, style(i, c), g.widths[i]-width(c)+1)
			b.WriteString(bar)
		}
		b.WriteByte('\n')
	}
	if withHeaders {
		row(g.headers, func(_ int, s string) string { return bold.Render(s) })
		b.WriteString(rule(border.MiddleLeft, border.Middle, border.MiddleRight))
	}
	styled := map[inspect.Phase]string{}
	var cells []string
	for r := range g.n {
		cells = g.row(r, cells)
		ph := g.phase(r)
		row(cells, func(i int, s string) string {
			if i != phaseCol {
				return s
			}
			if _, ok := styled[ph]; !ok {
				styled[ph] = phaseStyle(ph).Render(s)
			}
			return styled[ph]
		})
	}
	b.WriteString(rule(border.BottomLeft, border.MiddleBottom, border.BottomRight))
	return b.Flush()
}
