package inspect

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Load is what the visible releases tell of the controller's workers:
// helm-controller reconciles at most --concurrent HelmReleases at once
// (MaxConcurrentReconciles, main.go), and a reconcile that runs a Helm
// action holds its worker until the action, its tests and remediation and
// the final cache wait are over. A release that falls due meanwhile waits
// in the work queue (controller-runtime hands an item to the next free
// worker, in the order the items became ready).
type Load struct {
	// Context is the kubeconfig context of the controller, when a command
	// reads several clusters: each cluster's controller has its own
	// workers. ApplyLoad leaves it empty.
	Context string `json:"context,omitempty"`
	// Controller is the controller's Deployment (namespace/name), when the
	// cluster runs several (sharded): each has its own workers. ApplyLoad
	// leaves it empty.
	Controller string `json:"controller,omitempty"`
	Concurrent int    `json:"concurrent"`
	// Busy counts the visible releases holding a worker (WorkerUntil).
	Busy int `json:"busy"`
	// Holders are those releases (namespace/name), the soonest free first.
	Holders []string `json:"holders,omitempty"`
	// Full: Busy has reached Concurrent.
	Full bool `json:"full"`
	// LowerBound: the plugin did not see every namespace the controller
	// watches, so more workers may be busy than Busy says.
	LowerBound bool `json:"lowerBound"`
	// FreeBy is when the first worker is free at the latest, when Full.
	FreeBy *time.Time `json:"freeBy,omitempty"`
	// Queued counts the attempts marked queued.
	Queued int `json:"queued"`
}

// queueSlack is the start of the queued reconcile after its worker frees:
// the prologue's status patch and the watch delivery.
const queueSlack = retrySlack

// ApplyLoad counts the workers the releases in states hold and, when they
// fill --concurrent, marks the attempts that fall due before a worker is
// free for them as queued, and ends their windows when that worker is free
// at the latest, instead of turning them overdue. complete says whether
// states cover every namespace the controller watches. With a worker seen
// free nothing is queued: the holds below are upper bounds (a failure can
// take milliseconds), and on an idle controller they would queue attempts
// that are not.
//
// It plays the controller's work queue forward with upper bounds:
// controller-runtime's priority queue (the default in v0.24, used by
// helm-controller v1.6.4) hands a ready item to the next free worker,
// oldest ready first (priorityqueue.handleWaitingItems bumps AddedCounter
// when an item becomes ready; lessReady orders by it). Each due attempt,
// in the order they fall due (a release never reconciled first: it is
// ready already), takes the worker that frees up first and holds it for as
// long as its reconcile may take (queueHint.hold; a reconcile that runs no
// Helm action takes milliseconds and keeps no worker from the others); the
// attempt a running action's failure leads to joins the line too. As the
// windows overlap, an attempt may fall due after some that are later in
// that order: it waits, at the latest, for the worker the last of those
// gets.
func ApplyLoad(states []RetryState, s Settings, now time.Time, complete bool) Load {
	hints := make([]LoadHint, len(states))
	for i := range states {
		hints[i] = HintOf(&states[i])
	}
	return ApplyHints(len(hints), func(i int) *LoadHint { return &hints[i] }, s, now, complete,
		func(i int, mark func(*Next)) { mark(&states[i].Next) })
}

// ApplyHints is ApplyLoad over the hints of n states (HintOf; hint(i) is
// the i-th's), for a view that keeps less than whole states (the table's
// rows): mark(i, f) applies f to the Next of the i-th state, for each
// state whose attempt is queued.
func ApplyHints(n int, hint func(i int) *LoadHint, s Settings, now time.Time, complete bool, mark func(i int, f func(*Next))) Load {
	s = s.sane()
	if s.Controller.Down {
		return Load{} // no worker runs: stale "Running" conditions hold none (health.go)
	}
	if s.Mutant == MutantNoQueue {
		s.Concurrent = n + 1 // never full
	}
	type holder struct {
		until time.Time
		name  string
	}
	var held []holder
	for i := range n {
		if h := hint(i); h.holds {
			held = append(held, holder{h.until, h.holder})
		}
	}
	slices.SortStableFunc(held, func(a, b holder) int { return a.until.Compare(b.until) })
	l := Load{Concurrent: s.Concurrent, Busy: len(held), LowerBound: !complete}
	for _, h := range held {
		l.Holders = append(l.Holders, h.name)
	}
	if len(held) < s.Concurrent {
		return l
	}
	l.Full = true
	// More holders than workers: some have passed their worker on already
	// (each until is an upper bound, and a reconcile ending early frees its
	// worker early). The latest --concurrent of them bound the workers'
	// free times whichever those are (measured: a release whose cache wait
	// had just ended was still counted while the next release ran on its
	// worker).
	held = held[len(held)-s.Concurrent:]
	l.FreeBy = ptr(held[0].until)
	// When each worker is free, at the latest (a few: a scan beats a heap).
	workers := make([]time.Time, 0, len(held))
	for _, h := range held {
		workers = append(workers, h.until)
	}
	line := hintLine(n, hint, now)
	free := freeTimes(workers, line, len(line))
	for k, it := range line {
		if it.state < 0 {
			continue // a follow-up: it has no window of its own to change
		}
		worker := free[max(k, lastBefore(line, it.latest))]
		if !it.earliest.Before(worker) {
			continue // a worker is free when it falls due
		}
		l.Queued++
		mark(it.state, func(n *Next) { queue(n, worker, l.Busy, s, now) })
	}
	return l
}

// freeTimes plays the first upto of the line forward from the workers'
// free times (changed): free[k] is when the worker the k-th in line gets is
// free, at the latest (the latest of the first k+1).
func freeTimes(workers []time.Time, line []inLine, upto int) []time.Time {
	free := make([]time.Time, upto)
	for k, it := range line[:upto] {
		w := soonest(workers)
		free[k] = workers[w]
		start := free[k]
		if it.latest.After(start) && it.hold > 0 {
			start = it.latest
		}
		workers[w] = start.Add(it.hold)
		if k > 0 && free[k-1].After(free[k]) {
			free[k] = free[k-1] // the latest of the first k+1
		}
	}
	return free
}

// lastBefore is the last in line that may fall due by latest (-1: none).
func lastBefore(line []inLine, latest time.Time) int {
	return sort.Search(len(line), func(j int) bool { return line[j].earliest.After(latest) }) - 1
}

// queue marks n queued when it falls due before worker, the worker it
// gets, is free: its window then ends when that worker is free at the
// latest, instead of turning overdue.
func queue(n *Next, worker time.Time, busy int, s Settings, now time.Time) bool {
	if !n.Earliest.Before(worker) {
		return false // a worker is free when it falls due
	}
	n.Queued = true
	if end := worker.Add(queueSlack); end.After(*n.Latest) {
		n.Latest = ptr(end)
		// The worker's free time counts each reconcile ahead at its
		// longest (a Helm action at its timeout): the attempt comes when
		// the first of them ends, which the cluster does not show.
		if n.Bound == "" && s.Mutant != MutantQueueUnbound {
			n.Bound = boundQueued
		}
	}
	n.Overdue = n.Anchored && now.After(*n.Latest)
	if n.Why == "" {
		// A state trimmed for the table (render.TableOnly) has no
		// explanation to extend: at 20,000 releases, most of them queued,
		// this sentence was megabytes the table never prints.
		return true
	}
	n.Why += fmt.Sprintf("; every controller worker is held (%d of --concurrent %d: Helm actions, their cache waits, reconciles starting or ending) and the attempts due before it take them next, so it waits in the queue until one is free for it, by %s at the latest",
		busy, s.Concurrent, worker.UTC().Format(time.RFC3339))
	return true
}

// inLine is one attempt waiting for a worker: states[state]'s Next (-1: the
// follow-up of a running action), when it falls due, and how long it holds
// the worker it gets.
type inLine struct {
	state            int
	earliest, latest time.Time
	hold             time.Duration
	seq              int  // the index of its state: ties keep the order of states
	pending          bool // never reconciled: ready now (latest is the clock reading)
}

// lineEntry is what st, the i-th state, puts in the queue line, if anything.
func lineEntry(st *RetryState, i int, now time.Time) (inLine, bool) {
	n := st.Next
	switch {
	case st.Phase == PhasePending:
		return inLine{state: -1, seq: i, latest: now, hold: st.queue.hold, pending: true}, true
	case st.Phase == PhaseProgressing && st.WorkerUntil != nil:
		if f := st.queue.followUp; f != nil {
			return inLine{state: -1, seq: i, earliest: f.earliest, latest: f.latest, hold: f.hold}, true
		}
	case n.Action != ActionNone && n.Earliest != nil && n.Latest != nil:
		return inLine{state: i, seq: i, earliest: *n.Earliest, latest: *n.Latest, hold: st.queue.hold}, true
	}
	return inLine{}, false
}

// sortLine orders the line as the attempts fall due, ties in the order of
// the states, without a stable sort's moves: a live view runs this often,
// and at 20,000 releases sort.SliceStable's swaps were most of its cost.
func sortLine(line []inLine) {
	slices.SortFunc(line, compareInLine)
}

func compareInLine(a, b inLine) int {
	if c := a.earliest.Compare(b.earliest); c != 0 {
		return c
	}
	return a.seq - b.seq
}

// soonest is the index of the earliest time in ts (not empty).
func soonest(ts []time.Time) int {
	k := 0
	for i := range ts {
		if ts[i].Before(ts[k]) {
			k = i
		}
	}
	return k
}
