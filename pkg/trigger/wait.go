package trigger

import (
	"context"
	"errors"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// waitAll watches the patched objects until each has an outcome or the
// timeout passes. It uses one list+watch per namespace (or one across all
// namespaces), not one per object, so a bulk force costs a handful of
// watches; the initial list means an update that landed before the watch
// started is not missed.
func (a *Applier) waitAll(ctx context.Context, req Request, patched []int, results []Result, rep *reporter) {
	ctx, cancel := context.WithTimeout(ctx, a.Timeout)
	defer cancel()

	w := &waiter{req: req, a: a, rep: rep, results: results, pending: map[string]int{}, last: map[string]*inspect.RetryState{},
		objs: map[string]inspect.Decoded{}, stops: map[string]context.CancelCauseFunc{}}
	byNamespace := map[string]int{}
	for _, i := range patched {
		w.pending[key(results[i].Namespace, results[i].Name)] = i
		byNamespace[results[i].Namespace]++
	}
	scopes := make([]string, 0, len(byNamespace))
	if a.AllNamespaces && len(byNamespace) > 1 {
		scopes = append(scopes, metav1.NamespaceAll)
	} else {
		for ns := range byNamespace {
			scopes = append(scopes, ns)
		}
	}
	var wg sync.WaitGroup
	for _, ns := range scopes {
		scope, stop := context.WithCancelCause(ctx)
		w.stops[ns] = stop
		wg.Go(func() {
			defer stop(nil)
			_, _ = watchtools.UntilWithSync(scope, a.listWatch(ns, stop), &unstructured.Unstructured{}, nil, w.observe)
			var we *WaitError
			if errors.As(context.Cause(scope), &we) {
				w.failRemaining(ns, we)
			}
		})
	}
	rechecks := w.recheck(ctx)
	wg.Wait()
	cancel()
	<-rechecks
	w.timeOutRemaining()
}

// listWatch feeds the informer of one scope. The informer retries every
// failed list and watch, which cures a dropped connection but not a missing
// permission: that would only end at --timeout, so it ends the scope's wait
// at once, through fail.
func (a *Applier) listWatch(ns string, fail context.CancelCauseFunc) cache.ListerWatcher {
	ri := a.HelmReleases.Namespace(ns)
	// A client that cannot serve WatchList streams (client-go's fakes) says
	// so, and the reflector lists instead; a server is asked for a stream.
	return cache.ToListWatcherWithWatchListSemantics(&cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			l, err := ri.List(ctx, o)
			return l, stopOn(fail, "list", err)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			w, err := ri.Watch(ctx, o)
			return w, stopOn(fail, "watch", err)
		},
	}, a.HelmReleases)
}

// stopOn ends the wait on an error no retry cures.
func stopOn(fail context.CancelCauseFunc, verb string, err error) error {
	if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || apierrors.IsNotFound(err) {
		fail(&WaitError{Verb: verb, Err: err})
	}
	return err
}

// WaitError is a list or watch that failed while waiting for the controller;
// Verb ("list", "watch") lets the command name the permission it needs.
type WaitError struct {
	Verb string
	Err  error
}

func (e *WaitError) Error() string { return "waiting: " + e.Verb + ": " + e.Err.Error() }

// Unwrap exposes the API error.
func (e *WaitError) Unwrap() error { return e.Err }

// waiter holds what the watches share.
type waiter struct {
	req     Request
	a       *Applier
	rep     *reporter
	mu      sync.Mutex
	results []Result
	pending map[string]int                 // namespace/name -> result index
	last    map[string]*inspect.RetryState // last state seen, for time-outs
	objs    map[string]inspect.Decoded     // last object seen, to judge again (rejudge)
	stops   map[string]context.CancelCauseFunc
}

func key(ns, name string) string { return ns + "/" + name }

// observe is the watch condition: it evaluates every event for a pending
// object and ends the watch when nothing in its scope is pending.
func (w *waiter) observe(ev watch.Event) (bool, error) {
	u, ok := ev.Object.(*unstructured.Unstructured)
	if !ok {
		return false, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	k := key(u.GetNamespace(), u.GetName())
	i, ok := w.pending[k]
	if !ok {
		return w.noneLeft(u.GetNamespace()), nil
	}
	if ev.Type == watch.Deleted {
		w.finish(k, i, Result{Namespace: u.GetNamespace(), Name: u.GetName(), Outcome: OutcomeError,
			Err: fmt.Errorf("deleted while waiting")})
		return w.noneLeft(u.GetNamespace()), nil
	}
	w.judge(k, i, inspect.ReadUnstructured(u))
	return w.noneLeft(u.GetNamespace()), nil
}

// judge decides the pending release k (result i) from d, the object as
// last seen, at the clock's reading: handled, blocked, or still pending
// (callers hold mu).
func (w *waiter) judge(k string, i int, d inspect.Decoded) {
	now := w.a.Now()
	s := w.a.settings(d)
	res, done := Evaluate(d, w.req, now, s)
	u := d.Object
	if !done {
		// One analysis per event: Evaluate's, when it got that far.
		st := res.State
		if st == nil {
			analyzed := d.Analyze(now, s)
			st = &analyzed
		}
		if st.Next.Blocked != "" {
			// The controller is down or none watches the release: nothing
			// handles the request until that changes. Said now, not at
			// --timeout; the request stays for when it does.
			w.finish(k, i, Result{Namespace: u.GetNamespace(), Name: u.GetName(), Outcome: OutcomeBlocked, State: st,
				Message: "patched, but no controller handles it now: " + st.Next.Blocked + " (the request stays until one does)"})
			return
		}
		// The watch sees the forced releases only, not the others that
		// may hold the controller's workers.
		if st.Next.Earliest != nil {
			st.Next.LoadNote = "the controller's load was not considered: force --wait watches only the forced releases"
		}
		w.last[k], w.objs[k] = st, d
		return
	}
	w.finish(k, i, res)
}

func (w *waiter) finish(k string, i int, res Result) {
	delete(w.pending, k)
	delete(w.objs, k)
	w.results[i] = res
	w.rep.send(res)
}

// noneLeft: nothing pending in this watch's scope (callers hold mu).
func (w *waiter) noneLeft(ns string) bool {
	if w.a.AllNamespaces {
		return len(w.pending) == 0
	}
	for _, i := range w.pending {
		if w.results[i].Namespace == ns {
			return false
		}
	}
	return true
}

func (w *waiter) failRemaining(ns string, err *WaitError) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, i := range w.pending {
		if ns == metav1.NamespaceAll || w.results[i].Namespace == ns {
			r := w.results[i]
			w.finish(k, i, Result{Namespace: r.Namespace, Name: r.Name, Outcome: OutcomeError, Err: err})
		}
	}
}

func (w *waiter) timeOutRemaining() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, i := range w.pending {
		r := w.results[i]
		res := Result{Namespace: r.Namespace, Name: r.Name, Outcome: OutcomeTimedOut, State: w.last[k],
			Message: fmt.Sprintf("the controller did not finish handling the request within %s", w.a.Timeout)}
		if st := w.last[k]; st != nil {
			res.Message += fmt.Sprintf(" (last seen: %s, %s)", st.Phase, st.Next.Why)
		}
		w.finish(k, i, res)
	}
}
