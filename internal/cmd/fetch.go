package cmd

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// settingsFuture is the controller's settings, read beside the HelmReleases
// (one GET that must not add its latency) and waited for only by analysis.
type settingsFuture struct {
	ch   chan struct{}
	s    inspect.Settings
	note string
}

func readSettings(ctx context.Context, client Cluster, g *globalOptions) *settingsFuture {
	f := &settingsFuture{ch: make(chan struct{})}
	go func() {
		f.s, f.note = client.ControllerSettings(ctx, g.controllerNamespace, g.controllerName)
		close(f.ch)
	}()
	return f
}

func (f *settingsFuture) get() inspect.Settings {
	<-f.ch
	return f.s
}

// fetchStates GETs the named objects (reporting every missing one after
// fetching the others) or LISTs the selection page by page. Each page is
// decoded and analyzed while the next one is on its way, and only its
// RetryStates are kept: decoding hides behind the network, and neither a
// page's JSON nor its typed objects outlive it.
func fetchStates(ctx context.Context, client Cluster, t target, chunkSize int64, now time.Time,
	settings *settingsFuture) ([]inspect.RetryState, error) {
	analyze := func(raws [][]byte) []inspect.RetryState {
		objs := inspect.DecodeAll(raws)
		return inspect.AnalyzeDecoded(objs, now, settings.get())
	}
	if len(t.names) > 0 {
		raws, err := getNamed(ctx, client, t)
		return analyze(raws), err
	}
	var pages []*[]inspect.RetryState // one slot per page, each written by its own goroutine
	var wg sync.WaitGroup
	_, err := client.List(ctx, t.listOptions(chunkSize), func(p cluster.Page) error {
		slot := new([]inspect.RetryState)
		pages = append(pages, slot)
		wg.Go(func() { *slot = analyze(p.Items) })
		return nil
	})
	wg.Wait()
	if err != nil {
		return nil, &apiError{verb: "list", resource: cluster.Resource, namespace: t.namespace, err: err}
	}
	var all []inspect.RetryState
	for _, p := range pages {
		all = append(all, *p...)
	}
	return all, nil
}

// getNamed GETs each name; a missing one is reported after the others.
func getNamed(ctx context.Context, client Cluster, t target) ([][]byte, error) {
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
