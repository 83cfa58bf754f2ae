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
	o        *StatusOptions
	j        *judges
	all      *analyses         // every object seen, for the controller's load
	seen     map[string]string // resourceVersion last printed, per object
	events   bool              // --output-watch-events
	health   *healthPoll       // the controllers' health, read again
	evidence *evidencePoll     // the Events of the releases they time, read again
}

func (o *StatusOptions) runWatchData(ctx context.Context, client Cluster, j *judges) error {
	v := &dataView{o: o, j: j, all: newAnalyses(j, clockStep), seen: map[string]string{}, events: o.watchEvents,
		health: newHealthPoll(ctx, client, o.g, o.deps.Now()), evidence: newEvidencePoll(ctx, client, o.target, o.deps.Now())}
	err := follow(ctx, client, o.target, o.sel.chunkSize, time.Second, v) // ticks: for the controllers' health and the Events alone
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
	now := v.o.deps.Now()
	before := v.all
	v.all = newAnalyses(v.j, clockStep)
	v.all.reset(objs, now)
	v.evidence.readNow(v.all, now)
	states, _ := v.all.all(now, v.o.target)
	v.j.warnNew(v.o.deps.Streams.ErrOut)
	byKey := make(map[string]inspect.RetryState, len(states))
	for _, st := range states {
		byKey[st.Namespace+"/"+st.Name] = st
	}
	for _, d := range objs {
		typ := watch.Modified
		if !before.has(key(d)) {
			typ = watch.Added
		}
		if err := v.print(d, byKey[key(d)], typ); err != nil {
			return err
		}
	}
	for _, d := range before.objects {
		if !v.all.has(key(d)) {
			if err := v.print(d, d.Analyze(now, v.j.of(d.Object)), watch.Deleted); err != nil {
				return err
			}
		}
	}
	return nil
}

// apply prints one change: a deleted release as last seen, any other with
// the load over every object seen (a retry due while every worker is busy
// says queued), as the table's line for it does. Only the changed object
// is analyzed again (analyses).
func (v *dataView) apply(ev watch.Event) error {
	d, deleted, ok, err := decodeEvent(ev)
	if !ok {
		return err
	}
	now := v.o.deps.Now()
	if deleted {
		v.all.remove(key(d))
		return v.print(d, d.Analyze(now, v.j.of(d.Object)), watch.Deleted)
	}
	typ := watch.Modified
	if v.all.put(d, now) {
		typ = watch.Added
	}
	states := v.all.some(now, v.o.target, key(d))
	v.j.warnNew(v.o.deps.Streams.ErrOut)
	return v.print(d, states[0], typ)
}

// tick takes a new reading of the controllers' health (healthPoll): when
// one went down or came back, each release whose next action that blocked
// or freed is written again, MODIFIED at the same resourceVersion (the
// object did not change; what it will do did), the line on stderr as in
// the table's view.
func (v *dataView) tick() error {
	now := v.o.deps.Now()
	changed, moved := pollHealth(v.health, v.all, now, v.o.deps.Streams.ErrOut)
	sharper, more := pollEvidence(v.evidence, v.all, now)
	changed, moved = union(changed, sharper), moved || more
	if !moved {
		return nil
	}
	v.j = v.all.j // a re-list keeps the new reading
	states := v.all.some(now, v.o.target, changed...)
	for _, st := range states {
		if !v.o.filter.Keep(st) {
			continue
		}
		if err := render.WatchChange(v.o.deps.Streams.Out, st, string(watch.Modified), v.events, v.o.out); err != nil {
			return err
		}
	}
	return nil
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
