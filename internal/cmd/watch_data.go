package cmd

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// dataFormats are the -o values `status --watch` streams, one document per
// change (the table and -o wide are liveView's).
var dataFormats = map[string]bool{"json": true, "yaml": true, "name": true, "jsonpath": true, "go-template": true}

// dataView is `status --watch -o json|yaml|name|jsonpath|go-template`: each
// release of the listing, then each change, as one document (one line of
// JSON), for a program to read: `status -A -w -o json | jq`. It never
// redraws, on a terminal either; the clock moving is not a change.
type dataView struct {
	o      *StatusOptions
	s      inspect.Settings
	known                    // every object seen, for the controller's load
	seen   map[string]string // resourceVersion last printed, per object
	events bool              // --output-watch-events
}

func (o *StatusOptions) runWatchData(ctx context.Context, client Cluster, s inspect.Settings) error {
	v := &dataView{o: o, s: s, seen: map[string]string{}, events: o.watchEvents}
	err := follow(ctx, client, o.target, o.sel.chunkSize, 0, v)
	if ctx.Err() != nil {
		return nil // Ctrl-C and --timeout end a watch normally
	}
	return err
}

// listed prints what is new or changed since the last print: the whole
// listing the first time, and after a re-list (410 Gone) only the
// differences, with DELETED for what went away meanwhile.
func (v *dataView) listed(objs []inspect.Decoded) error {
	before := v.objects
	v.objects, v.order = map[string]inspect.Decoded{}, nil
	for _, d := range objs {
		v.put(d)
	}
	for _, d := range objs {
		typ := watch.Modified
		if _, ok := before[key(d)]; !ok {
			typ = watch.Added
		}
		if err := v.print(d, typ); err != nil {
			return err
		}
	}
	for k, d := range before {
		if _, ok := v.objects[k]; !ok {
			if err := v.print(d, watch.Deleted); err != nil {
				return err
			}
		}
	}
	return nil
}

// apply prints one change.
func (v *dataView) apply(ev watch.Event) error {
	d, deleted, ok, err := decodeEvent(ev)
	if !ok {
		return err
	}
	if deleted {
		delete(v.objects, key(d))
		return v.print(d, watch.Deleted)
	}
	typ := watch.Modified
	if _, known := v.objects[key(d)]; !known {
		typ = watch.Added
	}
	v.put(d)
	return v.print(d, typ)
}

func (v *dataView) tick() error { return nil }

// print writes d's state, analyzed now with the controller's load over
// every object seen (a retry due while every worker is busy says queued),
// unless the filter drops it or it was printed at this resourceVersion.
func (v *dataView) print(d inspect.Decoded, typ watch.EventType) error {
	k := key(d)
	if typ == watch.Deleted {
		delete(v.seen, k)
	} else if rv := d.Object.ResourceVersion; rv != "" && v.seen[k] == rv {
		return nil
	} else {
		v.seen[k] = rv
	}
	now := v.o.deps.Now()
	st := d.Analyze(now, v.s)
	if typ != watch.Deleted {
		st = v.withLoad(k, st, now)
	}
	if !v.o.filter.Keep(st) {
		return nil
	}
	return render.WatchChange(v.o.deps.Streams.Out, st, string(typ), v.events, v.o.out)
}

// withLoad is st as the listing's load marks it.
func (v *dataView) withLoad(k string, st inspect.RetryState, now time.Time) inspect.RetryState {
	all := make([]inspect.RetryState, 0, len(v.order))
	idx := -1
	for _, id := range v.order {
		if d, ok := v.objects[id]; ok {
			if id == k {
				idx = len(all)
			}
			all = append(all, d.Analyze(now, v.s))
		}
	}
	v.o.target.withLoad(all, v.s, now)
	if idx < 0 {
		return st
	}
	return all[idx]
}
