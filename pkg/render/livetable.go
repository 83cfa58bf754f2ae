package render

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// LiveTable is the table of `status --watch` on a terminal as a frame's
// Body: it keeps the rows that matter most when the terminal is too short
// for all of them, and drops columns when it is too narrow (columns.go).
type LiveTable struct {
	States []inspect.RetryState
	// O is the table's options; its Width is ignored (Lines gets the width).
	O Options
}

// Lines lays the table out in height lines of width columns: the table
// with its summary when every release fits; otherwise the releases that
// matter most (Priority), the controller's load, and last a line that
// counts the others by phase.
func (t LiveTable) Lines(cols, height int) []string {
	o := t.O
	o.Width = 0
	chrome := 0 // border and header lines
	switch {
	case o.Color && !o.NoHeaders:
		chrome = 4
	case o.Color:
		chrome = 2
	case !o.NoHeaders:
		chrome = 1
	}
	var load []string
	if o.Summary && o.Load != nil && o.Load.Busy > 0 {
		load = []string{palette{on: o.Color}.dim(LoadLine(*o.Load, o))}
	}
	for _, l := range o.Loads { // one line per controller of a sharded cluster
		if o.Summary && l.Busy > 0 {
			load = append(load, palette{on: o.Color}.dim(ContextPrefix(l.Context)+LoadLine(l, o)))
		}
	}
	summary := 0
	if o.Summary {
		summary = 1
	}
	if chrome+len(t.States)+summary+len(load) <= height {
		return append(t.table(t.States, cols, o), load...)
	}
	o.Summary = false // the last line counts what is left out instead
	k := height - chrome - len(load) - 1
	if k < 1 && len(load) > 0 {
		load, k = nil, k+len(load) // a release's row before the controllers' loads
	}
	if k < 1 {
		// Not even one row: the counts alone.
		return []string{fmt.Sprintf("%d HelmRelease(s): %s", len(t.States), counts(t.States))}
	}
	shown, hidden := ByPriority(t.States, k)
	more := palette{on: o.Color}.dim(fmt.Sprintf("… and %d more (%s)", len(hidden), counts(hidden)))
	return append(append(t.table(shown, cols, o), load...), more)
}

// table renders states as the table's lines, its columns fitted to width.
func (t LiveTable) table(states []inspect.RetryState, cols int, o Options) []string {
	headers, rows := tableData(RowsOf(states), o)
	if cols > 0 {
		headers, rows = fitColumns(headers, rows, cols, o.Color)
	}
	phases := make([]inspect.Phase, len(rows))
	for i, st := range states {
		phases[i] = st.Phase
	}
	g := fixedGrid(headers, rows, phases)
	var b strings.Builder
	if o.Color {
		_ = g.boxed(&b, !o.NoHeaders, indexOf(headers, "PHASE"))
	} else {
		_ = g.plain(&b, !o.NoHeaders)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if o.Summary && !o.NoHeaders {
		lines = append(lines, palette{on: o.Color}.dim(Summary(states)))
	}
	return lines
}

// counts is "110 ready, 10 retrying": states per phase, the most first
// (a line cut at the edge loses the fewest), ties in the order of
// inspect.Phases.
func counts(states []inspect.RetryState) string {
	n := map[inspect.Phase]int{}
	for _, st := range states {
		n[st.Phase]++
	}
	phases := slices.DeleteFunc(inspect.Phases(), func(p inspect.Phase) bool { return n[p] == 0 })
	slices.SortStableFunc(phases, func(a, b inspect.Phase) int { return n[b] - n[a] })
	parts := make([]string, len(phases))
	for i, p := range phases {
		parts[i] = fmt.Sprintf("%d %s", n[p], p)
	}
	return strings.Join(parts, ", ")
}

// Priority ranks a release for a frame too short for all of them, most
// urgent first: a missed window (overdue), then stalled, failing (retrying,
// remediating, failed), queued behind busy workers, progressing, waiting,
// pending, deleting, suspended, and ready last. docs/live.md documents it.
func Priority(st inspect.RetryState) int {
	if st.Next.Overdue {
		return 0
	}
	switch st.Phase {
	case inspect.PhaseStalled:
		return 1
	case inspect.PhaseRetrying, inspect.PhaseRemediating, inspect.PhaseFailed:
		return 2
	}
	if st.Next.Queued {
		return 3
	}
	switch st.Phase {
	case inspect.PhaseProgressing:
		return 4
	case inspect.PhaseWaiting:
		return 5
	case inspect.PhasePending:
		return 6
	case inspect.PhaseDeleting:
		return 7
	case inspect.PhaseSuspended:
		return 8
	case inspect.PhaseReady:
		return 10
	}
	return 9
}

// ByPriority splits states into the k that matter most, most urgent first
// (ties keep their order: --sort-by's, or the API server's), and the rest.
func ByPriority(states []inspect.RetryState, k int) (shown, hidden []inspect.RetryState) {
	sorted := slices.Clone(states)
	slices.SortStableFunc(sorted, func(a, b inspect.RetryState) int { return Priority(a) - Priority(b) })
	k = min(max(k, 0), len(sorted))
	return sorted[:k], sorted[k:]
}
