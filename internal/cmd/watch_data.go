package cmd

import (
	"context"

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
	j      *judges
	known                    // every object seen, for the controller's load
	seen   map[string]string // resourceVersion last printed, per object
	events bool              // --output-watch-events
}

func (o *StatusOptions) runWatchData(ctx context.Context, client Cluster, j *judges) error {
	v := &dataView{o: o, j: j, seen: map[string]string{}, events: o.watchEvents}
	err := follow(ctx, client, o.target, o.sel.chunkSize, 0, v)
	if ctx.Err() != nil {
		return nil // Ctrl-C and --timeout end a watch normally
	}
	return err
}

// listed prints what is new or changed since the last print: the whole
// listing the first time, and after a re-list (410 Gone) only the
// differences, with DELETED for what went away meanwhile. The listing is
// analyzed once, with the load over all of it (not once per object: at
// 20,000 releases that would be 20,000 analyses per object).
func (v *dataView) listed(objs []inspect.Decoded) error {
	before := v.objects
	v.objects, v.order = map[string]inspect.Decoded{}, nil
	for _, d := range objs {
		v.put(d)
	}
	states := v.analyzeAll()
	for _, d := range objs {
		typ := watch.Modified
		if _, ok := before[key(d)]; !ok {
			typ = watch.Added
		}
		if err := v.print(d, states[key(d)], typ); err != nil {
			return err
		}
	}
	for k, d := range before {
		if _, ok := v.objects[k]; !ok {
			if err := v.print(d, d.Analyze(v.o.deps.Now(), v.j.of(d.Object)), watch.Deleted); err != nil {
				return err
			}
		}
	}
	return nil
}

// apply prints one change: a deleted release as last seen, any other with
// the load over every object seen (a retry due while every worker is busy
// says queued), as the table's line for it does.
func (v *dataView) apply(ev watch.Event) error {
	d, deleted, ok, err := decodeEvent(ev)
	if !ok {
		return err
	}
	if deleted {
		delete(v.objects, key(d))
		return v.print(d, d.Analyze(v.o.deps.Now(), v.j.of(d.Object)), watch.Deleted)
	}
	typ := watch.Modified
	if _, known := v.objects[key(d)]; !known {
		typ = watch.Added
	}
	v.put(d)
	return v.print(d, v.analyzeAll()[key(d)], typ)
}

func (v *dataView) tick() error { return nil }

// analyzeAll analyzes every object seen at one clock reading, with the
// controller's load over all of them, by key.
func (v *dataView) analyzeAll() map[string]inspect.RetryState {
	now := v.o.deps.Now()
	all := make([]inspect.RetryState, 0, len(v.order))
	for _, k := range v.order {
		if d, ok := v.objects[k]; ok {
			all = append(all, d.Analyze(now, v.j.of(d.Object)))
		}
	}
	v.o.target.withLoad(all, v.j, now)
	v.j.warnNew(v.o.deps.Streams.ErrOut)
	byKey := make(map[string]inspect.RetryState, len(all))
	for _, st := range all {
		byKey[st.Namespace+"/"+st.Name] = st
	}
	return byKey
}

// print writes st, d's state, unless the filter drops it or d was printed
// at this resourceVersion already (a re-list repeats what did not change).
func (v *dataView) print(d inspect.Decoded, st inspect.RetryState, typ watch.EventType) error {
	k, rv := key(d), d.Object.ResourceVersion
	switch {
	case typ == watch.Deleted:
		delete(v.seen, k)
	case rv != "" && v.seen[k] == rv:
		return nil
	default:
		v.seen[k] = rv
	}
	if !v.o.filter.Keep(st) {
		return nil
	}
	return render.WatchChange(v.o.deps.Streams.Out, st, string(typ), v.events, v.o.out)
}
