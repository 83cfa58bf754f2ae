package cmd

import (
	"context"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// loadForNames applies the controller's load to named releases. One object
// says nothing of the others, but a release due while every worker is held
// waits in the work queue (ground truth: windows late by up to 8.4 s at
// start-up, minutes with 5-minute timeouts), so the releases in the
// controller's scope are listed too, every namespace (helm-controller
// watches all by default), kept as their parts of the load only
// (inspect.LoadHint), and played through the same queue model as
// `status -A`. Without that list (--no-load, or RBAC),
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
	j := settings.judges()
	fleet, err := fetch(ctx, client, target{allNamespaces: true}, chunkSize, now, settings,
		func(st *inspect.RetryState) fleetHint { return fleetHint{st.Namespace, st.Name, j.hint(st)} }, false)
	if err != nil {
		markUnloaded(named, "the other HelmReleases could not be listed: "+err.Error())
		return nil
	}
	type key struct{ namespace, name string }
	pos := make(map[key]int, len(fleet))
	for i := range fleet {
		pos[key{fleet[i].namespace, fleet[i].name}] = i
	}
	// The named states replace their hints (they were read apart, maybe
	// later), and the queue model marks their windows in place.
	namedAt := make(map[int]int, len(named))
	for i := range named {
		st := &named[i]
		h := fleetHint{st.Namespace, st.Name, j.hint(st)}
		k, ok := pos[key{st.Namespace, st.Name}]
		if ok {
			fleet[k] = h
		} else {
			fleet = append(fleet, h)
			k = len(fleet) - 1
			pos[key{st.Namespace, st.Name}] = k
		}
		namedAt[k] = i
	}
	loads := j.hintLoads(len(fleet), func(i int) *hinted { return &fleet[i].hint }, now, true,
		func(i int, f func(*inspect.Next)) {
			if k, ok := namedAt[i]; ok {
				f(&named[k].Next)
			}
		})
	return ownLoad(loads, named[0])
}

// fleetHint is what the load of named releases keeps of each other one:
// its part of the load, not its state.
type fleetHint struct {
	namespace, name string
	hint            hinted
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
