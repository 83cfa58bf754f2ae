package cmd

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// perReleaseEvents: up to this many releases, their Events are listed one
// release at a time (a field selector each); past it, one LIST of every
// HelmRelease Event in the selection's namespace costs less.
const perReleaseEvents = 20

// wanting is a state whose window the release's Events would sharpen
// (inspect.RetryState.WantsEvents), with the object it came from and where
// what the listing keeps of it is.
type wanting[T any] struct {
	slot *[]T
	i    int
	obj  inspect.Decoded
}

// evidenceWants collects the states of a fetch that want Events. Runs are
// analyzed concurrently, so it locks.
type evidenceWants[T any] struct {
	off   bool // not wanted: a listing for the controller's load only
	brief bool // the states are for a table (inspect.AnalyzeBrief)
	mu    sync.Mutex
	list  []wanting[T]
}

// note records st, the i-th of its run, when it wants Events.
func (w *evidenceWants[T]) note(slot *[]T, i int, st *inspect.RetryState, obj inspect.Decoded) {
	if w.off || !st.WantsEvents() {
		return
	}
	w.mu.Lock()
	w.list = append(w.list, wanting[T]{slot: slot, i: i, obj: obj})
	w.mu.Unlock()
}

// resolve reads the Events of every wanting release and analyzes it again
// with them. Only failures before Helm and dependency waits want them, so
// a healthy fleet costs nothing here.
func (w *evidenceWants[T]) resolve(ctx context.Context, client Cluster, t target, now time.Time, j *judges,
	keep func(*inspect.RetryState) T) {
	if len(w.list) == 0 {
		return
	}
	decoded := make([]inspect.Decoded, len(w.list))
	for i, x := range w.list {
		decoded[i] = x.obj
	}
	evidence := readEvidence(ctx, client, t, decoded)
	for i, x := range w.list {
		st := analyzeOne(decoded[i], now, j, evidence(decoded[i]), w.brief)
		(*x.slot)[x.i] = keep(&st)
	}
}

// readEvidence lists the Events of the decoded releases and returns each
// one's Evidence.
func readEvidence(ctx context.Context, client Cluster, t target, decoded []inspect.Decoded) func(inspect.Decoded) inspect.Evidence {
	byRelease := map[string][]inspect.Event{}
	key := func(ns, name string) string { return ns + "/" + name }
	var note string
	if len(decoded) <= perReleaseEvents {
		for _, d := range decoded {
			evs, err := releaseEvents(ctx, client, d.Object.Namespace, d.Object.Name)
			if err != nil {
				note = eventsNote(err)
				break
			}
			byRelease[key(d.Object.Namespace, d.Object.Name)] = evs
		}
	} else {
		ns := t.namespace
		if t.allNamespaces {
			ns = ""
		}
		evs, err := client.KindEvents(ctx, ns)
		if err != nil {
			note = eventsNote(err)
		}
		for i := range evs {
			k := key(evs[i].InvolvedObject.Namespace, evs[i].InvolvedObject.Name)
			byRelease[k] = append(byRelease[k], inspect.EventsFromCore(evs[i:i+1])...)
		}
	}
	return func(d inspect.Decoded) inspect.Evidence {
		if note != "" {
			return inspect.Evidence{EventsNote: note}
		}
		return inspect.Evidence{EventsRead: true, Events: byRelease[key(d.Object.Namespace, d.Object.Name)]}
	}
}

// releaseEvents lists one release's Events through core/v1, the API the
// controller writes, and through events.k8s.io/v1 for a user allowed only
// that one.
func releaseEvents(ctx context.Context, client Cluster, namespace, name string) ([]inspect.Event, error) {
	core, err := client.CoreEvents(ctx, namespace, name)
	if err == nil {
		return inspect.EventsFromCore(core), nil
	}
	if !apierrors.IsForbidden(err) {
		return nil, err
	}
	v1, err2 := client.Events(ctx, namespace, name)
	if err2 != nil {
		return nil, err
	}
	return inspect.EventsFromV1(v1), nil
}

// eventsNote is Next.Bound's reason when the Events could not be read.
func eventsNote(err error) string {
	if apierrors.IsForbidden(err) {
		return "the release's Events are not readable (RBAC: list events)"
	}
	return "the release's Events could not be listed"
}
