package cmd

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// errRelist: the watch's resourceVersion is too old (410 Gone).
var errRelist = errors.New("resource version expired")

// follower is what follow feeds: a whole listing, then each change, and a
// tick between changes.
type follower interface {
	// listed replaces everything known with a LIST's objects.
	listed(objs []inspect.Decoded) error
	// apply folds in one watch event (decodeEvent reads it).
	apply(ev watch.Event) error
	tick() error
}

// follow is `status --watch` and `wait`: one LIST of the target (one
// namespace, or all of them), then one WATCH from the list's
// resourceVersion, resumed from the last version seen when the server
// ends it, and a new LIST when that version expired (410 Gone). When the
// server cannot be reached (the watch broke and cannot be resumed), the
// follower hears of it, and the LIST is retried until the server answers,
// then the follower hears it is back and gets the fresh LIST: a watch that
// closes is never the end. Between events it calls tick every `every` (0:
// never), and at once when the terminal is resized (ticks). It returns the first error of the first LIST, of a request the
// server refused, or of the follower, or ctx's.
func follow(ctx context.Context, client Cluster, t target, chunkSize int64, every time.Duration, f follower) error {
	first, lost, tries := true, false, 0
	for {
		objs, rv, err := listScope(ctx, client, t, chunkSize)
		switch {
		case err != nil && (first || ctx.Err() != nil || !retriable(err)):
			return err
		case err != nil:
			tries++
			if err := pause(ctx, retryDelay(tries), every, f); err != nil {
				return err
			}
			continue
		case lost:
			lost, tries = false, 0
			notifyRestored(f)
		}
		first = false
		if err := f.listed(objs); err != nil {
			return err
		}
		err = watchScope(ctx, client, t, rv, every, f)
		var broke *errConnLost
		switch {
		case errors.Is(err, errRelist):
		case errors.As(err, &broke) && ctx.Err() == nil:
			lost = true
			notifyLost(f, broke.err)
			if err := pause(ctx, retryDelay(0), every, f); err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// listScope LISTs the target page by page, decoding each object.
func listScope(ctx context.Context, client Cluster, t target, chunkSize int64) ([]inspect.Decoded, string, error) {
	var objs []inspect.Decoded
	rv, err := client.List(ctx, t.listOptions(chunkSize), func(p cluster.Page) error {
		objs = append(objs, p.Objects...)
		return nil
	})
	if err != nil {
		return nil, "", &apiError{verb: "list", resource: cluster.Resource, namespace: t.namespace, err: err}
	}
	return objs, rv, nil
}

// watchScope watches the target from rv until ctx ends or f fails. When
// the server ends the watch (its timeout, a restart), it is resumed at
// once from the last version seen; if that cannot be done, it returns
// errConnLost (or, for a refused watch, the request's error).
func watchScope(ctx context.Context, client Cluster, t target, rv string, every time.Duration, f follower) error {
	tick, stop := ticks(every)
	defer stop()
	for {
		w, err := openWatch(ctx, client, t, rv)
		if err != nil {
			return err
		}
		rv, err = drain(ctx, w, tick, f, rv)
		w.Stop()
		if err != nil {
			return inNamespace(err, t.namespace)
		}
	}
}

// openWatch starts one WATCH from rv; a failure is the loss of the
// connection when it may pass, the command's error otherwise.
func openWatch(ctx context.Context, client Cluster, t target, rv string) (watch.Interface, error) {
	w, err := client.HelmReleases().Namespace(t.namespace).Watch(ctx, metav1.ListOptions{ResourceVersion: rv,
		LabelSelector: t.labelSelector, FieldSelector: t.fieldSelector, AllowWatchBookmarks: true})
	switch {
	case err == nil:
		return w, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case apierrors.IsResourceExpired(err) || apierrors.IsGone(err):
		return nil, errRelist
	}
	err = &apiError{verb: "watch", resource: cluster.Resource, namespace: t.namespace, err: err}
	if retriable(err) {
		return nil, &errConnLost{err: err}
	}
	return nil, err
}

// drain feeds w's events to f until w closes (nil: resume from the
// returned version), ctx ends, or f or the stream fails.
func drain(ctx context.Context, w watch.Interface, tick <-chan time.Time, f follower, rv string) (string, error) {
	for {
		select {
		case <-ctx.Done():
			return rv, ctx.Err()
		case <-tick:
			if err := f.tick(); err != nil {
				return rv, err
			}
		case ev, ok := <-w.ResultChan():
			if !ok {
				return rv, nil // the server ended it: resume
			}
			if v := eventVersion(ev); v != "" {
				rv = v
			}
			if err := f.apply(ev); err != nil {
				return rv, err
			}
		}
	}
}

// eventVersion is the resourceVersion an event leaves the watch at.
func eventVersion(ev watch.Event) string {
	if ev.Type == watch.Error {
		return ""
	}
	if o, ok := ev.Object.(metav1.Object); ok {
		return o.GetResourceVersion()
	}
	return ""
}

// decodeEvent reads a watch event: the object and whether it was deleted.
// ok is false for an event that carries no HelmRelease (a bookmark); an
// expired resourceVersion is errRelist.
func decodeEvent(ev watch.Event) (d inspect.Decoded, deleted, ok bool, err error) {
	switch ev.Type {
	case watch.Error:
		if status := apierrors.FromObject(ev.Object); apierrors.IsResourceExpired(status) || apierrors.IsGone(status) {
			return d, false, false, errRelist
		}
		err := &apiError{verb: "watch", resource: cluster.Resource, err: apierrors.FromObject(ev.Object)}
		if retriable(err) {
			return d, false, false, &errConnLost{err: err}
		}
		return d, false, false, err
	case watch.Bookmark:
		return d, false, false, nil
	}
	u, isObject := ev.Object.(*unstructured.Unstructured)
	if !isObject {
		return d, false, false, nil
	}
	return inspect.ReadUnstructured(u), ev.Type == watch.Deleted, true, nil
}

// key names an object in the maps of the followers.
func key(d inspect.Decoded) string { return d.Object.Namespace + "/" + d.Object.Name }

// inNamespace names the namespace in an error event's sentence:
// decodeEvent, called by the followers, does not know it.
func inNamespace(err error, namespace string) error {
	var ae *apiError
	if errors.As(err, &ae) && ae.verb == "watch" && ae.namespace == "" {
		ae.namespace = namespace
	}
	return err
}
