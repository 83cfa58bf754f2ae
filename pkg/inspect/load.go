package inspect

import (
	"fmt"
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
	Context    string `json:"context,omitempty"`
	Concurrent int    `json:"concurrent"`
	// Busy counts the visible releases running a Helm action.
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
// fill --concurrent, marks the attempts that fall due before a worker
// frees up as queued: each, in the order they fall due, takes the next
// worker to free up, and its window ends then at the latest instead of
// turning overdue. complete says whether states cover every namespace the
// controller watches.
func ApplyLoad(states []RetryState, s Settings, now time.Time, complete bool) Load {
	s = s.sane()
	type holder struct {
		until time.Time
		name  string
	}
	var held []holder
	for i := range states {
		if w := states[i].WorkerUntil; w != nil {
			held = append(held, holder{*w, states[i].Namespace + "/" + states[i].Name})
		}
	}
	sort.SliceStable(held, func(i, j int) bool { return held[i].until.Before(held[j].until) })
	l := Load{Concurrent: s.Concurrent, Busy: len(held), LowerBound: !complete}
	for _, h := range held {
		l.Holders = append(l.Holders, h.name)
	}
	if len(held) < s.Concurrent {
		return l
	}
	l.Full = true
	l.FreeBy = ptr(held[0].until)
	for k, i := range dueInOrder(states) {
		n := &states[i].Next
		// Past the holders we can see, the k-th worker is unknown: the
		// last one seen is the honest floor.
		free := held[min(k, len(held)-1)].until
		if !n.Earliest.Before(free) {
			break
		}
		n.Queued = true
		if end := free.Add(queueSlack); end.After(*n.Latest) {
			n.Latest = ptr(end)
		}
		n.Overdue = n.Anchored && now.After(*n.Latest)
		n.Why += fmt.Sprintf("; every controller worker is running a Helm action (%d of --concurrent %d), so it waits in the queue until one frees up, by %s at the latest",
			len(held), s.Concurrent, free.UTC().Format(time.RFC3339))
		l.Queued++
	}
	return l
}

// dueInOrder lists the scheduled attempts that do not hold a worker, in the
// order they fall due.
func dueInOrder(states []RetryState) []int {
	var due []int
	for i := range states {
		n := states[i].Next
		if states[i].WorkerUntil == nil && n.Action != ActionNone && n.Earliest != nil && n.Latest != nil {
			due = append(due, i)
		}
	}
	sort.SliceStable(due, func(a, b int) bool { return states[due[a]].Next.Earliest.Before(*states[due[b]].Next.Earliest) })
	return due
}
