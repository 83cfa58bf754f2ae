package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// runContexts is status over several clusters: each one fetched and
// analyzed on its own, with its own controller's settings and load (one
// controller's workers say nothing of another's), then merged so the
// filters and the sort apply across the fleet. A cluster that cannot be
// read becomes an error row; the others print, and the exit code is 1.
func (o *StatusOptions) runContexts(ctx context.Context) error {
	if o.tableOnly() {
		return o.runContextsTable(ctx)
	}
	now := o.deps.Now()
	errOut := o.deps.Streams.ErrOut
	ms := o.g.members(o.contexts, o.target)
	parts := make([][]inspect.RetryState, len(ms))
	loads := make([][]inspect.Load, len(ms))
	o.g.fanOut(ctx, ms, contextsInFlight, o.ctxFlags.timeout, nil, func(ctx context.Context, i int, m *member) error {
		states, err := fetchStates(ctx, m.client, m.target, o.sel.chunkSize, now, m.settings, nil) // not the table: whole states
		if err != nil && len(states) == 0 {
			return err
		}
		loads[i] = m.target.withLoad(states, m.settings.judges(), now)
		for j := range states {
			states[j].Context = m.context
		}
		parts[i] = states
		return err // names missing here: the others are listed, and the row says which
	})
	settle()
	o.g.fleetNotes(ms, errOut)

	var states []inspect.RetryState
	for i := range ms {
		states = append(states, parts[i]...)
	}
	states, stuck, err := o.choose(states, now)
	if err != nil {
		return err
	}
	if err := o.printContexts(states, now, contextLoads(ms, loads), contextErrors(ms), namespacesDiffer(ms)); err != nil {
		return err
	}
	return o.contextsExit(ms, stuck, len(states))
}

// contextLoads are the clusters' loads in one list, each with its context.
func contextLoads(ms []*member, loads [][]inspect.Load) []inspect.Load {
	var out []inspect.Load
	for i, m := range ms {
		for _, l := range loads[i] {
			l.Context = m.context
			out = append(out, l)
		}
	}
	return out
}

// contextsExit is the exit of a fleet listed: partial when a cluster was
// not read, stuck with --check, of the shown releases.
func (o *StatusOptions) contextsExit(ms []*member, stuck, shown int) error {
	if err := fleetError(ms, o.deps.Streams.ErrOut); err != nil {
		return o.partial(err, ms, stuck)
	}
	if stuck > 0 {
		return &exitError{code: ExitStuck, err: fmt.Errorf("%d of %d HelmRelease(s) stuck", stuck, shown)}
	}
	return nil
}

// runContextsTable is runContexts for the table: rows, as runTable.
func (o *StatusOptions) runContextsTable(ctx context.Context) error {
	now := o.deps.Now()
	errOut := o.deps.Streams.ErrOut
	ms := o.g.members(o.contexts, o.target)
	parts := make([][]*tableEntry, len(ms))
	loads := make([][]inspect.Load, len(ms))
	o.g.fanOut(ctx, ms, contextsInFlight, o.ctxFlags.timeout, nil, func(ctx context.Context, i int, m *member) error {
		var err error
		// A maker a cluster: their rows share no words (the context is one).
		parts[i], loads[i], err = o.listRows(ctx, m.client, m.target, m.settings, now, o.rowMaker(), m.context)
		return err // names missing here: the others are listed, and the row says which
	})
	settle()
	o.g.fleetNotes(ms, errOut)

	var entries []*tableEntry
	for i := range ms {
		entries = append(entries, parts[i]...)
	}
	shown, stuck, err := o.chooseRows(entries)
	if err != nil {
		return err
	}
	errs := contextErrors(ms)
	if len(shown) == 0 && len(errs) == 0 {
		_, _ = fmt.Fprintln(errOut, render.NoneFound(o.target.namespace, o.target.allNamespaces))
	} else if err := render.TableRows(o.deps.Streams.Out, shown,
		o.contextsOptions(now, contextLoads(ms, loads), errs, namespacesDiffer(ms))); err != nil {
		return err
	}
	return o.contextsExit(ms, stuck, len(shown))
}

// printContexts is print for several clusters: always a list (a name may
// exist in several), with the CONTEXT column, an error row per cluster not
// read, and each controller's load.
func (o *StatusOptions) printContexts(states []inspect.RetryState, now time.Time, loads []inspect.Load,
	errs []render.ContextError, mixedNamespaces bool) error {
	out := o.deps.Streams.Out
	if o.out.Format != "" && o.out.Format != "wide" {
		printed := o.out
		printed.Loads, printed.Errors = loads, errs
		return render.Print(out, states, false, printed)
	}
	if len(states) == 0 && len(errs) == 0 {
		_, _ = fmt.Fprintln(o.deps.Streams.ErrOut, render.NoneFound(o.target.namespace, o.target.allNamespaces))
		return nil
	}
	return render.Table(out, states, o.contextsOptions(now, loads, errs, mixedNamespaces))
}

// contextsOptions are the table's options over several clusters: the
// CONTEXT column, an error row per cluster not read, each one's load.
func (o *StatusOptions) contextsOptions(now time.Time, loads []inspect.Load, errs []render.ContextError,
	mixedNamespaces bool) render.Options {
	ro := o.renderOptions(now)
	ro.ShowContext, ro.Loads, ro.Errors = true, loads, errs
	ro.ShowNamespace = ro.ShowNamespace || mixedNamespaces
	return ro
}

// namespacesDiffer: without -n or -A each context lists its own default
// namespace, and when they differ the table needs the NAMESPACE column.
func namespacesDiffer(ms []*member) bool {
	for _, m := range ms {
		if m.target.namespace != ms[0].target.namespace {
			return true
		}
	}
	return false
}

// partial is the exit of a fleet read in part. With --check, a cluster
// that cannot be read must not throw away what the others said (an alert
// script keeps its last data on exit 1): it is exit 6 as long as one
// cluster was read, and the output (stuck, stuckReason, errors[]) covers
// every cluster read.
func (o *StatusOptions) partial(err error, ms []*member, stuck int) error {
	read := 0
	for _, m := range ms {
		if m.err == nil {
			read++
		}
	}
	if !o.check || read == 0 {
		return err
	}
	return &exitError{code: ExitPartial, err: fmt.Errorf("%w; the %d other context(s) were read: %d HelmRelease(s) stuck there", err, read, stuck)}
}
