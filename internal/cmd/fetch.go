package cmd

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
)

// fetchObjects GETs the named objects (reporting every missing one after
// fetching the others) or LISTs the selection page by page.
func fetchObjects(ctx context.Context, client *cluster.Client, t target, chunkSize int64) ([][]byte, error) {
	if len(t.names) == 0 {
		var raws [][]byte
		_, err := client.List(ctx, cluster.ListOptions{Namespace: t.namespace, LabelSelector: t.labelSelector,
			FieldSelector: t.fieldSelector, ChunkSize: chunkSize}, func(p cluster.Page) error {
			for _, item := range p.Items {
				raws = append(raws, item)
			}
			return nil // analyzed after the settings arrive
		})
		if err != nil {
			return nil, &apiError{verb: "list", resource: cluster.Resource, namespace: t.namespace, err: err}
		}
		return raws, nil
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
			return raws, &apiError{verb: "get", resource: cluster.Resource, namespace: t.namespace, name: name, err: err}
		}
	}
	if len(missing) > 0 {
		return raws, fmt.Errorf("HelmRelease %s not found in namespace %s", quoteAll(missing), t.namespace)
	}
	return raws, nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
