package cmd

import (
	"context"
	"fmt"
	"sync"

	"github.com/hrretry/kubectl-hrretry/pkg/render"
	"github.com/hrretry/kubectl-hrretry/pkg/trigger"
)

// runContexts is force over several clusters: each cluster's selection is
// fetched and planned through its own client, every plan is printed
// (each line with its context) before anything is sent, the confirmation
// counts the total, then each cluster is patched and waited for through
// its own client, concurrently. A cluster that cannot be read is patched
// nowhere, the others are, and the exit code is 1.
func (o *ForceOptions) runContexts(ctx context.Context) error {
	errOut := o.deps.Streams.ErrOut
	ms := o.g.members(o.contexts, o.target)
	plans := make([]trigger.Plan, len(ms))
	o.g.fanOut(ctx, ms, contextsInFlight, o.ctxFlags.timeout, nil, func(ctx context.Context, i int, m *member) error {
		targets, err := o.targets(ctx, m.client, m.target, m.settings)
		plans[i] = trigger.NewPlan(targets, o.req)
		return err
	})
	settle()
	o.g.fleetNotes(ms, errOut)

	planOut := errOut
	if o.dryRun == "client" {
		planOut = o.deps.Streams.Out
	}
	total, items := 0, 0
	for i, m := range ms {
		if m.err == nil && len(plans[i].Items) > 0 {
			total, items = total+plans[i].Patched(), items+len(plans[i].Items)
			_ = render.ForcePlan(render.NewPrefixWriter(planOut, new(sync.Mutex), render.ContextPrefix(m.context)), plans[i], o.dryRun == "client")
		}
	}
	if items == 0 || o.dryRun == "client" {
		if items == 0 && len(contextErrors(ms)) == 0 {
			_, _ = fmt.Fprintln(errOut, render.NoneFound(o.target.namespace, o.target.allNamespaces))
		}
		return fleetError(ms, errOut)
	}
	if err := o.confirm(total); err != nil {
		return err
	}

	results := o.applyContexts(ctx, ms, plans)
	_, _ = fmt.Fprintln(errOut, render.ForceSummary(results))
	if err := fleetError(ms, errOut); err != nil {
		return err
	}
	if code := exitCodeFor(results); code != ExitOK {
		return silentError(code)
	}
	return nil
}

// applyContexts patches each cluster's plan through its own client, the
// result lines of all of them on one stdout, each with its context.
func (o *ForceOptions) applyContexts(ctx context.Context, ms []*member, plans []trigger.Plan) []trigger.Result {
	var outMu, errMu, resMu sync.Mutex
	var results []trigger.Result
	o.g.fanOut(ctx, ms, len(ms), 0, nil, // each waits for its controller: none may queue behind another
		func(ctx context.Context, i int, m *member) error {
			if len(plans[i].Items) == 0 {
				return nil
			}
			out := render.NewPrefixWriter(o.deps.Streams.Out, &outMu, render.ContextPrefix(m.context))
			errOut := render.NewPrefixWriter(o.deps.Streams.ErrOut, &errMu, render.ContextPrefix(m.context))
			rs := o.applier(ctx, m.client, m.settings.judges(), out, errOut).Apply(ctx, plans[i])
			_, _ = out.Flush(), errOut.Flush()
			resMu.Lock()
			results = append(results, rs...)
			resMu.Unlock()
			return nil
		})
	return results
}
