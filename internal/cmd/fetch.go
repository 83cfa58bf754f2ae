package cmd

import (
	"context"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// fetchObjects GETs the named objects (reporting every missing one after
// fetching the others) or LISTs the selection page by page, decoding each
// page while the next one is on its way, so decoding hides behind the
// network and a page's JSON is dropped as soon as it is decoded.
func fetchObjects(ctx context.Context, client *cluster.Client, t target, chunkSize int64) ([]inspect.Decoded, error) {
	if len(t.names) == 0 {
		var pages []*[]inspect.Decoded // one slot per page, each written by its decoder
		var wg sync.WaitGroup
		_, err := client.List(ctx, cluster.ListOptions{Namespace: t.namespace, LabelSelector: t.labelSelector,
			FieldSelector: t.fieldSelector, ChunkSize: chunkSize}, func(p cluster.Page) error {
			slot := new([]inspect.Decoded)
			pages = append(pages, slot)
			wg.Go(func() { *slot = inspect.DecodeAll(p.Items) })
			return nil
		})
		wg.Wait()
		if err != nil {
			return nil, &apiError{verb: "list", resource: cluster.Resource, namespace: t.namespace, err: err}
		}
		var all []inspect.Decoded
		for _, p := range pages {
			all = append(all, *p...)
		}
		return all, nil
	}
	var raws [][]byte
	var missing []string
	for _, name := range t.names {
		raw, err := client.Get(ctx, t.namespace, name)
		switch {
		case err == nil:
			raws = append(raws, raw)
		case apierrors.IsNotFound(err) && !isMissingAPI(err):
			missing = append(missing, name)
		default:
			return inspect.DecodeAll(raws), &apiError{verb: "get", resource: cluster.Resource, namespace: t.namespace, name: name, err: err}
		}
	}
	if len(missing) > 0 {
		return inspect.DecodeAll(raws), fmt.Errorf("HelmRelease %s not found in namespace %s", quoteAll(missing), t.namespace)
	}
	return inspect.DecodeAll(raws), nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
