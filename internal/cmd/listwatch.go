package cmd

import (
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
// resourceVersion, and a new LIST when that version expired (410 Gone).
// Between events it calls tick every `every` (0: never), and at once when
// the terminal is resized (ticks). It returns the
// first error of a request or of the follower, or ctx's.
func follow(ctx context.Context, client Cluster, t target, chunkSize int64, every time.Duration, f follower) error {
	for {
		objs, rv, err := listScope(ctx, client, t, chunkSize)
		if err != nil {
			return err
		}
		if err := f.listed(objs); err != nil {
			return err
		}
		if err = watchScope(ctx, client, t, rv, every, f); !errors.Is(err, errRelist) {
			return err
		}
	}
}

// listScope LISTs the target page by page, decoding each object.
func listScope(ctx context.Context, client Cluster, t target, chunkSize int64) ([]inspect.Decoded, string, error) {
	var objs []inspect.Decoded
	rv, err := client.List(ctx, t.listOptions(chunkSize), func(p cluster.Page) error {
		objs = append(objs, inspect.DecodeAll(p.Items)...)
		return nil
	})
	if err != nil {
		return nil, "", &apiError{verb: "list", resource: cluster.Resource, namespace: t.namespace, err: err}
	}
	return objs, rv, nil
}

// watchScope watches the target from rv until ctx ends or f fails.
func watchScope(ctx context.Context, client Cluster, t target, rv string, every time.Duration, f follower) error {
	ri := client.HelmReleases().Namespace(t.namespace)
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
	tick, stop := ticks(every)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
			if err := f.tick(); err != nil {
				return err
			}
		case ev, ok := <-w.ResultChan():
			if !ok {
				return ctx.Err()
			}
			if err := f.apply(ev); err != nil {
				return err
			}
		}
	}
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
		return d, false, false, fmt.Errorf("watching HelmReleases: %w", apierrors.FromObject(ev.Object))
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
