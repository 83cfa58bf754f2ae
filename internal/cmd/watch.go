package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// errRelist: the watch's resourceVersion is too old (410 Gone).
var errRelist = errors.New("resource version expired")

// liveView is `status --watch`: one LIST, then one WATCH from the list's
// resourceVersion; between events it only re-renders (once a second on a
// terminal, so countdowns move), without further API requests.
type liveView struct {
	o       *StatusOptions
	client  Cluster
	s       inspect.Settings
	objects map[string]inspect.Decoded
	order   []string // keys in the order the LIST returned them
	lines   int      // lines of the last frame, to redraw in place
}

func (o *StatusOptions) runWatch(ctx context.Context, client Cluster, s inspect.Settings) error {
	if o.watchTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.watchTimeout)
		defer cancel()
	}
	v := &liveView{o: o, client: client, s: s}
	for {
		rv, err := v.list(ctx)
		if err != nil {
			return v.end(ctx, err)
		}
		v.drawAll()
		if err = v.watch(ctx, rv); !errors.Is(err, errRelist) {
			return v.end(ctx, err)
		}
	}
}

// end: Ctrl-C and --timeout are a normal end of a watch (exit 0).
func (v *liveView) end(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (v *liveView) list(ctx context.Context) (string, error) {
	t := v.o.target
	v.objects, v.order = map[string]inspect.Decoded{}, nil
	rv, err := v.client.List(ctx, t.listOptions(v.o.sel.chunkSize), func(p cluster.Page) error {
		for _, raw := range p.Items {
			v.put(inspect.Read(raw))
		}
		return nil
	})
	if err != nil {
		return "", &apiError{verb: "list", resource: cluster.Resource, namespace: t.namespace, err: err}
	}
	return rv, nil
}

func (v *liveView) put(d inspect.Decoded) {
	k := d.Object.Namespace + "/" + d.Object.Name
	if _, ok := v.objects[k]; !ok {
		v.order = append(v.order, k)
	}
	v.objects[k] = d
}

func (v *liveView) watch(ctx context.Context, rv string) error {
	t := v.o.target
	ri := v.client.HelmReleases().Namespace(t.namespace)
	w, err := watchtools.NewRetryWatcherWithContext(ctx, rv, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, lo metav1.ListOptions) (watch.Interface, error) {
			lo.LabelSelector, lo.FieldSelector = t.labelSelector, t.fieldSelector
			return ri.Watch(ctx, lo)
		},
	})
	if err != nil {
		return err
	}
	defer w.Stop()
	var tick <-chan time.Time
	if v.o.term.tty {
		ticker := time.NewTicker(time.Second)
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
			v.drawAll()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return ctx.Err()
			}
			if err := v.apply(ev); err != nil {
				return err
			}
		}
	}
}

// apply folds one event into the view and shows it.
func (v *liveView) apply(ev watch.Event) error {
	switch ev.Type {
	case watch.Error:
		if status := apierrors.FromObject(ev.Object); apierrors.IsResourceExpired(status) || apierrors.IsGone(status) {
			return errRelist
		}
		return fmt.Errorf("watching HelmReleases: %w", apierrors.FromObject(ev.Object))
	case watch.Bookmark:
		return nil
	}
	u, ok := ev.Object.(*unstructured.Unstructured)
	if !ok {
		return nil
	}
	d := inspect.ReadUnstructured(u)
	if ev.Type == watch.Deleted {
		k := d.Object.Namespace + "/" + d.Object.Name
		delete(v.objects, k)
		if v.o.term.tty {
			v.drawAll()
		}
		return nil
	}
	v.put(d)
	if v.o.term.tty {
		v.drawAll()
		return nil
	}
	return v.drawOne(d) // a pipe gets one line per change, like kubectl get -w
}

// states analyzes every object at one clock reading, with the
// controller's load over all of them (a queued retry never reads overdue),
// and keeps those the filter selects.
func (v *liveView) statesWithLoad(now time.Time) ([]inspect.RetryState, *inspect.Load) {
	all := make([]inspect.RetryState, 0, len(v.order))
	for _, k := range v.order {
		if d, ok := v.objects[k]; ok {
			all = append(all, d.Analyze(now, v.s))
		}
	}
	load := v.o.target.withLoad(all, v.s, now)
	out := v.o.filter.Apply(all)
	_ = render.Sort(out, v.o.sortBy) // validated before the watch started
	return out, load
}

// states is statesWithLoad without the load.
func (v *liveView) states(now time.Time) []inspect.RetryState {
	out, _ := v.statesWithLoad(now)
	return out
}

func (v *liveView) drawAll() {
	now := v.o.deps.Now()
	var b bytes.Buffer
	states, load := v.statesWithLoad(now)
	ro := v.o.renderOptions(now)
	ro.Load = load
	if v.o.term.tty {
		b.WriteString(render.Redraw(v.lines))
		fmt.Fprintf(&b, "%s  (watching; Ctrl-C to stop)\n", now.Format("15:04:05"))
	}
	if len(states) == 0 {
		fmt.Fprintln(&b, render.NoneFound(v.o.target.namespace, v.o.target.allNamespaces))
	} else {
		_ = render.Table(&b, states, ro)
	}
	v.lines = bytes.Count(b.Bytes(), []byte{'\n'})
	_, _ = v.o.deps.Streams.Out.Write(b.Bytes())
}

func (v *liveView) drawOne(d inspect.Decoded) error {
	now := v.o.deps.Now()
	st := d.Analyze(now, v.s)
	if !v.o.filter.Keep(st) {
		return nil
	}
	// The line of a release due while every worker is busy says queued:
	// the load is over every object seen, this one included.
	for _, s := range v.states(now) {
		if s.Namespace == st.Namespace && s.Name == st.Name {
			st = s
		}
	}
	ro := v.o.renderOptions(now)
	ro.NoHeaders = true
	return render.Table(v.o.deps.Streams.Out, []inspect.RetryState{st}, ro)
}
