package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// tableEntry is what the table of a listing keeps of a release until the
// load is applied: its row and its part of the load.
type tableEntry struct {
	row  render.Row
	hint hinted
}

// runTable is Run for the table of a listing (tableOnly, one cluster):
// it keeps a compact row a release and the load's hints, never the
// releases' states, so that memory grows by a few hundred bytes a release
// (issue 26). The windows, filters, sort and --check are those of Run.
func (o *StatusOptions) runTable(ctx context.Context, client Cluster, settings *settingsFuture) error {
	now := o.deps.Now()
	entries, loads, fetchErr := o.listRows(ctx, client, o.target, settings, now, o.rowMaker(), "")
	settle()
	if fetchErr != nil && len(entries) == 0 {
		return fetchErr // the settings note would only repeat the same failure
	}
	o.note(settings)
	shown, stuck, err := o.chooseRows(entries)
	if err != nil {
		return err
	}
	if err := o.printRows(shown, now, loads); err != nil {
		return err
	}
	return listExit(fetchErr, stuck, len(shown))
}

func (o *StatusOptions) rowMaker() *render.RowMaker {
	return &render.RowMaker{Wide: o.out.Format == "wide"}
}

// listRows lists t in one cluster (context: its name, with several) for
// the table: its rows, marked stuck with --check, their windows under the
// load of the controllers, and the loads.
func (o *StatusOptions) listRows(ctx context.Context, client Cluster, t target, settings *settingsFuture, now time.Time,
	rows *render.RowMaker, context string) ([]*tableEntry, []inspect.Load, error) {
	limits := inspect.Limits{MaxFailures: o.maxFailures, StuckAfter: o.stuckAfter}
	runs, err := fetchRuns(ctx, client, t, o.sel.chunkSize, now, settings,
		func(st *inspect.RetryState) tableEntry {
			st.Context = context
			if o.check {
				st.Stuck, _ = limits.Stuck(*st, now)
			}
			return tableEntry{row: rows.New(st), hint: settings.judges().hint(st)}
		}, true, true)
	// Pointers into the runs: the entries are never copied into one array.
	var entries []*tableEntry
	for _, r := range runs {
		for i := range r {
			entries = append(entries, &r[i])
		}
	}
	if len(entries) == 0 {
		return nil, nil, err
	}
	loads := settings.judges().hintLoads(len(entries), func(i int) *hinted { return &entries[i].hint }, now,
		t.seesAll(), func(i int, f func(*inspect.Next)) { entries[i].row.Mark(f) })
	return entries, loads, err
}

// chooseRows is choose for rows: the filters and the sort, and the count
// of the stuck releases shown.
func (o *StatusOptions) chooseRows(entries []*tableEntry) ([]*render.Row, int, error) {
	shown, stuck := make([]*render.Row, 0, len(entries)), 0
	for _, e := range entries {
		if o.filter.KeepPhase(e.row.Phase()) {
			shown = append(shown, &e.row)
			if e.row.Stuck() {
				stuck++
			}
		}
	}
	if err := render.SortRows(shown, o.sortBy); err != nil {
		return nil, 0, usageError(err)
	}
	return shown, stuck, nil
}

// printRows is print for rows: the table, or a note when nothing matched.
func (o *StatusOptions) printRows(rows []*render.Row, now time.Time, loads []inspect.Load) error {
	if len(rows) == 0 {
		_, _ = fmt.Fprintln(o.deps.Streams.ErrOut, render.NoneFound(o.target.namespace, o.target.allNamespaces))
		return nil
	}
	ro := o.renderOptions(now)
	ro.Load, ro.Loads = loadView(loads)
	return render.TableRows(o.deps.Streams.Out, rows, ro)
}
