package cmd

import (
	"context"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// loadForNames applies the controller's load to named releases. One object
// says nothing of the others, but a release due while every worker is held
// waits in the work queue (ground truth: windows late by up to 8.4 s at
// start-up, minutes with 5-minute timeouts), so the releases in the
// controller's scope are listed too, every namespace (helm-controller
// watches all by default), kept as table rows only, and played through the
// same queue model as `status -A`. Without that list (--no-load, or RBAC),
// each named window says that the load was not considered and why.
func loadForNames(ctx context.Context, client Cluster, named []inspect.RetryState, chunkSize int64,
	now time.Time, settings *settingsFuture, noLoad bool) *inspect.Load {
	if len(named) == 0 {
		return nil
	}
	if noLoad {
		markUnloaded(named, "--no-load")
		return nil
	}
	if !anyDue(named) {
		// The LIST costs what status -A does (6.2 s against 31 ms at
		// 20,000 releases, BENCHMARKS.md): paid only for a release whose
		// next attempt a busy controller can delay.
		markUnloaded(named, "only a failing or progressing release is judged under it (status -A shows the load)")
		return nil
	}
	fleet, err := fetch(ctx, client, target{allNamespaces: true}, chunkSize, now, settings, keepState(render.TableOnly), false)
	if err != nil {
		markUnloaded(named, "the other HelmReleases could not be listed: "+err.Error())
		return nil
	}
	key := func(st *inspect.RetryState) string { return st.Namespace + "/" + st.Name }
	pos := make(map[string]int, len(fleet))
	for i := range fleet {
		pos[key(&fleet[i])] = i
	}
	// The named states replace their table rows: the queue model marks
	// and re-times the windows in place.
	at := make([]int, len(named))
	for i := range named {
		j, ok := pos[key(&named[i])]
		if ok {
			fleet[j] = named[i]
		} else {
			fleet = append(fleet, named[i])
			j = len(fleet) - 1
			pos[key(&named[i])] = j
		}
		at[i] = j
	}
	loads := settings.judges().loads(fleet, now, true)
	for i := range named {
		named[i] = fleet[at[i]]
	}
	return ownLoad(loads, named[0])
}

// anyDue: one of the states waits for an attempt the controller's queue
// can delay (a retry, a remediation, a backoff, a recheck, a first
// reconcile, the end of a running action), not a ready, stalled, suspended
// or deleting release.
func anyDue(states []inspect.RetryState) bool {
	for _, st := range states {
		switch st.Phase {
		case inspect.PhaseRetrying, inspect.PhaseRemediating, inspect.PhaseFailed, inspect.PhaseWaiting,
			inspect.PhasePending, inspect.PhaseProgressing:
			return true
		}
	}
	return false
}

// markUnloaded says on each window that the controller's load was left out.
func markUnloaded(states []inspect.RetryState, why string) {
	for i := range states {
		if states[i].Next.Earliest != nil { // nothing scheduled, nothing to delay
			states[i].Next.LoadNote = "the controller's load was not considered: " + why
		}
	}
}

// ownLoad is the load of st's controller among loads (one per controller):
// the one the detail view shows under its window.
func ownLoad(loads []inspect.Load, st inspect.RetryState) *inspect.Load {
	if len(loads) == 1 {
		return &loads[0]
	}
	for i := range loads {
		if st.Controller != nil && loads[i].Controller == st.Controller.Name {
			return &loads[i]
		}
	}
	return nil
}
