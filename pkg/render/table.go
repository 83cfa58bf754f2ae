package render

import (
	"fmt"
	"io"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// palette colours phases; plain when colour is off.
type palette struct{ on bool }

// phaseStyle colours a phase: red stalled/failed, yellow retrying or
// remediating, blue waiting, cyan progressing, green ready, grey otherwise.
func phaseStyle(ph inspect.Phase) lipgloss.Style {
	c := "8"
	switch ph {
	case inspect.PhaseStalled, inspect.PhaseFailed, phaseError:
		c = "9"
	case inspect.PhaseRetrying, inspect.PhaseRemediating:
		c = "11"
	case inspect.PhaseWaiting, inspect.PhasePending:
		c = "12"
	case inspect.PhaseProgressing:
		c = "14"
	case inspect.PhaseReady:
		c = "10"
	}
	return lipgloss.NewStyle().Foreground(lipgloss.Color(c)).Bold(ph == inspect.PhaseStalled)
}

func (p palette) phase(ph inspect.Phase, s string) string {
	if !p.on {
		return s
	}
	return phaseStyle(ph).Render(s)
}

func (p palette) dim(s string) string {
	if !p.on {
		return s
	}
	return lipgloss.NewStyle().Faint(true).Render(s)
}

func (p palette) bold(s string) string {
	if !p.on {
		return s
	}
	return lipgloss.NewStyle().Bold(true).Render(s)
}

// Table writes the status table: boxed and coloured on a terminal, plain
// kubectl-style columns otherwise.
func Table(w io.Writer, states []inspect.RetryState, o Options) error {
	return TableRows(w, RowsOf(states), o)
}

// TableRows is Table over the compact rows a listing keeps for it. The
// cells are made row by row as they are measured and written, never all
// at once.
func TableRows(w io.Writer, rs []*Row, o Options) error {
	headers := tableHeaders(o)
	errRows := make([][]string, len(o.Errors))
	for i, e := range o.Errors {
		errRows[i] = errorRow(headers, e)
	}
	g := &grid{headers: headers, n: len(rs) + len(errRows),
		row: func(i int, cells []string) []string {
			if i < len(rs) {
				return rowCells(rs[i], o, cells)
			}
			return append(cells[:0], errRows[i-len(rs)]...)
		},
		phase: func(i int) inspect.Phase {
			if i < len(rs) {
				return rs[i].Phase()
			}
			return phaseError
		}}
	if o.Width > 0 {
		fitMessages(g, o)
	}
	var err error
	if o.Color {
		err = g.boxed(w, !o.NoHeaders, indexOf(headers, "PHASE"))
	} else {
		err = g.plain(w, !o.NoHeaders)
	}
	if err != nil {
		return err
	}
	if o.Summary && !o.NoHeaders {
		_, err = fmt.Fprintln(w, palette{on: o.Color}.dim(summary(len(rs), func(i int) inspect.Phase { return rs[i].Phase() })+
			failedContexts(o.Errors)))
	}
	// Like the summary, a terminal's only: a pipe gets the rows alone.
	if err == nil && o.Summary && o.Load != nil && o.Load.Busy > 0 && !o.NoHeaders {
		_, err = fmt.Fprintln(w, palette{on: o.Color}.dim(LoadLine(*o.Load, o)))
	}
	for _, l := range o.Loads {
		if err == nil && o.Summary && l.Busy > 0 && !o.NoHeaders {
			_, err = fmt.Fprintln(w, palette{on: o.Color}.dim(ContextPrefix(l.Context)+LoadLine(l, o)))
		}
	}
	return err
}

// failedContexts ends the summary with the clusters that could not be read.
func failedContexts(errs []ContextError) string {
	if len(errs) == 0 {
		return ""
	}
	return fmt.Sprintf(" · %d context(s) not read", len(errs))
}

// ContextPrefix is how a line about one cluster of several starts:
// "[prod-eu] ". The name comes from the user's kubeconfig, but is escaped
// all the same.
func ContextPrefix(context string) string {
	if context == "" {
		return "" // one cluster: a sharded cluster's lines need no prefix
	}
	return "[" + Escape(context, false) + "] "
}

// tableData builds the header and every row's cells.
func tableData(rs []*Row, o Options) ([]string, [][]string) {
	headers := tableHeaders(o)
	rows := make([][]string, 0, len(rs)+len(o.Errors))
	for i := range rs {
		rows = append(rows, rowCells(rs[i], o, make([]string, 0, len(headers))))
	}
	for _, e := range o.Errors {
		rows = append(rows, errorRow(headers, e))
	}
	return headers, rows
}

func tableHeaders(o Options) []string {
	headers := []string{"NAME", "READY", "PHASE", "ACTION", "STRATEGY", "FAILURES", "NEXT", "MESSAGE"}
	if o.Wide {
		headers = append(headers[:len(headers)-1], "CHART", "REVISION", "RETRY-INTERVAL", "REMEDIATION", "ANCHOR", "MESSAGE")
	}
	if o.Check {
		headers = append(headers[:3], append([]string{"STUCK"}, headers[3:]...)...)
	}
	if o.ShowNamespace {
		headers = append([]string{"NAMESPACE"}, headers...)
	}
	if o.ShowContext {
		headers = append([]string{"CONTEXT"}, headers...)
	}
	return headers
}

// rowCells makes r's cells into row[:0]. Every string from the cluster
// except names (which the API server validates) is escaped.
func rowCells(r *Row, o Options, row []string) []string {
	st := r.state()
	row = row[:0]
	if o.ShowContext {
		row = append(row, Escape(st.Context, false))
	}
	if o.ShowNamespace {
		row = append(row, st.Namespace)
	}
	row = append(row, st.Name, st.Ready, string(st.Phase))
	if o.Check {
		row = append(row, stuckCell(st))
	}
	row = append(row, orDash(st.LastAction),
		strategyText(st.Strategy), failuresText(st.Failures), nextText(st, o))
	if o.Wide {
		row = append(row, wideCells(st, o)...)
	}
	return append(row, Escape(firstLine(st.Message), false))
}

// phaseError is the PHASE cell of an error row: no release's phase, red.
const phaseError inspect.Phase = "error"

// errorRow stands for a cluster that could not be read: its context, the
// phase "error", and why in MESSAGE; "-" elsewhere.
func errorRow(headers []string, e ContextError) []string {
	row := make([]string, len(headers))
	for i, h := range headers {
		switch h {
		case "CONTEXT":
			row[i] = Escape(e.Context, false)
		case "PHASE":
			row[i] = string(phaseError)
		case "MESSAGE":
			row[i] = Escape(firstLine(e.Message), false)
		default:
			row[i] = "-"
		}
	}
	return row
}

// stuckCell marks a release `status --check` counts as stuck. The reason
// is in -o json (stuckReason) and the detail view; the cell stays one word
// so the plain table splits on blanks.
func stuckCell(st inspect.RetryState) string {
	if st.Stuck {
		return "STUCK"
	}
	return "-"
}

// fitMessages truncates the MESSAGE column (always the last) so the table
// fits the terminal. Only messages are cut: names and times are what the
// user acts on. The detail view shows the whole message.
func fitMessages(g *grid, o Options) {
	last := len(g.headers) - 1
	perColumn := 2 // padding between plain columns
	if o.Color {
		perColumn = 3 // one space either side and a border
	}
	g.measure(true)
	used := perColumn*len(g.headers) + 1
	for col := 0; col < last; col++ {
		used += g.widths[col]
	}
	budget := max(o.Width-used, len("MESSAGE"))
	if g.widths[last] <= budget {
		return
	}
	row := g.row
	g.row = func(i int, cells []string) []string {
		cells = row(i, cells)
		if width(cells[last]) > budget {
			cells[last] = ansi.Truncate(cells[last], budget, "…")
		}
		return cells
	}
}

func wideCells(st inspect.RetryState, o Options) []string {
	chart := "-"
	if st.Release.Chart != "" {
		chart = Escape(st.Release.Chart+"@"+st.Release.Version, false)
	}
	rev, interval, rem, anchor := "-", "-", "-", "-"
	if st.Release.Revision > 0 {
		rev = fmt.Sprint(st.Release.Revision)
	}
	if st.Strategy.RetryInterval > 0 {
		interval = st.Strategy.RetryInterval.String()
	}
	if st.Remediation.Strategy != "" {
		rem = st.Remediation.Strategy
		if st.Remediation.Next == inspect.ActionRollback && st.Remediation.ToRevision > 0 {
			rem += fmt.Sprintf(" to %d", st.Remediation.ToRevision)
		}
	}
	if a := st.Next.Anchor; a != nil {
		anchor = when(a.Time, o)
	}
	return []string{chart, rev, interval, rem, anchor}
}

func strategyText(s inspect.Strategy) string {
	switch s.Name {
	case inspect.RetryOnFailure:
		return "Retry"
	case inspect.RemediateOnFailure:
		return "Remediate"
	}
	return orDash(s.Name)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// Summary counts states per phase: "12 ready · 3 retrying · 1 stalled".
func Summary(states []inspect.RetryState) string {
	return summary(len(states), func(i int) inspect.Phase { return states[i].Phase })
}

func summary(n int, phase func(int) inspect.Phase) string {
	counts := map[inspect.Phase]int{}
	for i := range n {
		counts[phase(i)]++
	}
	var parts []string
	for _, ph := range inspect.Phases() {
		if counts[ph] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[ph], ph))
		}
	}
	return strings.Join(parts, " · ")
}
