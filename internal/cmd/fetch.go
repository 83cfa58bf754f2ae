package cmd

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// settingsFuture is the helm-controllers and their settings, read beside
// the HelmReleases (one request that must not add its latency) and waited
// for only by analysis.
type settingsFuture struct {
	ch   chan struct{}
	j    *judges
	note string
}

func readSettings(ctx context.Context, client Cluster, g *globalOptions) *settingsFuture {
	f := &settingsFuture{ch: make(chan struct{})}
	go func() {
		cs := client.Controllers(ctx, g.controllerNamespace, g.controllerName, g.pinned())
		f.j, f.note = newJudges(cs), cs.Note
		close(f.ch)
	}()
	return f
}

// judges waits for the controllers.
func (f *settingsFuture) judges() *judges {
	<-f.ch
	return f.j
}

// notes are the lines stderr gets about the controllers: how they were
// read, and the releases two of them select.
func (f *settingsFuture) notes() []string {
	j := f.judges()
	var lines []string
	if f.note != "" {
		lines = append(lines, f.note)
	}
	return append(lines, j.warnings()...)
}

// fetchStates GETs the named objects (reporting every missing one after
// fetching the others) or LISTs the selection. The LIST arrives in runs of
// items decoded from the response as it is read; each run is analyzed on
// its own goroutine while the next one is read, and only its RetryStates
// are kept. At most one run per core is in analysis: when analysis falls
// behind, reading waits (the connection's window fills), so memory holds a
// few runs of objects, never the whole list. trim, when not
// nil, is applied to each state as soon as it is made. The releases whose
// windows their Events sharpen are analyzed again with them (evidence.go).
func fetchStates(ctx context.Context, client Cluster, t target, chunkSize int64, now time.Time,
	settings *settingsFuture, trim func(*inspect.RetryState)) ([]inspect.RetryState, error) {
	return fetch(ctx, client, t, chunkSize, now, settings, keepState(trim), true)
}

// keepState keeps each state, trimmed by trim when not nil.
func keepState(trim func(*inspect.RetryState)) func(*inspect.RetryState) inspect.RetryState {
	return func(st *inspect.RetryState) inspect.RetryState {
		if trim != nil {
			trim(st)
		}
		return *st
	}
}

// fetch is fetchStates keeping keep(state) of each release, with the
// Events read or not.
func fetch[T any](ctx context.Context, client Cluster, t target, chunkSize int64, now time.Time,
	settings *settingsFuture, keep func(*inspect.RetryState) T, evidence bool) ([]T, error) {
	runs, err := fetchRuns(ctx, client, t, chunkSize, now, settings, keep, evidence, false)
	n := 0
	for _, r := range runs {
		n += len(r)
	}
	all := make([]T, 0, n)
	for _, r := range runs {
		all = append(all, r...)
	}
	return all, err
}

// fetchRuns is fetch keeping what it keeps in the runs it was analyzed in
// (the table's rows: one array of the whole fleet, and the copy into it,
// cost address space the heap never gave back). brief: the states are
// inspect.AnalyzeBrief's, for a table.
func fetchRuns[T any](ctx context.Context, client Cluster, t target, chunkSize int64, now time.Time,
	settings *settingsFuture, keep func(*inspect.RetryState) T, evidence, brief bool) ([][]T, error) {
	wants := &evidenceWants[T]{off: !evidence, brief: brief}
	analyze := func(decoded []inspect.Decoded, slot *[]T) {
		j := settings.judges()
		kept := make([]T, len(decoded))
		// One state a run, not a release: keep and note see it through a
		// pointer, which made each state escape to the heap (~0.8 KB a
		// release of garbage); neither keeps the pointer.
		var st inspect.RetryState
		for i, d := range decoded {
			st = analyzeOne(d, now, j, inspect.Evidence{}, brief)
			wants.note(slot, i, &st, d)
			kept[i] = keep(&st)
		}
		*slot = kept
	}
	if len(t.names) > 0 {
		raws, err := getNamed(ctx, client, t)
		kept := new([]T)
		analyze(inspect.DecodeAll(raws), kept)
		wants.resolve(ctx, client, t, now, settings.judges(), keep)
		return [][]T{*kept}, err
	}
	var runs []*[]T // one slot per run, each written by its own goroutine
	var wg sync.WaitGroup
	busy := make(chan struct{}, runtime.GOMAXPROCS(0))
	_, err := client.List(ctx, t.listOptions(chunkSize), func(p cluster.Page) error {
		slot := new([]T)
		runs = append(runs, slot)
		busy <- struct{}{}
		wg.Go(func() {
			analyze(p.Objects, slot)
			<-busy
		})
		return nil
	})
	wg.Wait()
	if err != nil {
		return nil, &apiError{verb: "list", resource: cluster.Resource, namespace: t.namespace, err: err}
	}
	wants.resolve(ctx, client, t, now, settings.judges(), keep)
	kept := make([][]T, len(runs))
	for i, r := range runs {
		kept[i] = *r
	}
	return kept, nil
}

// analyzeOne analyzes d, briefly for a table (inspect.AnalyzeBrief).
func analyzeOne(d inspect.Decoded, now time.Time, j *judges, ev inspect.Evidence, brief bool) inspect.RetryState {
	if brief {
		return d.AnalyzeBrief(now, j.of(d.Object), ev)
	}
	return d.AnalyzeWith(now, j.of(d.Object), ev)
}

// settle collects once what a command's listings left behind (their runs
// of JSON, the decoded objects, the runs copied): the heap goal the
// collector last set is twice the fetch's peak, and collecting here sets it
// from what is kept alone before rendering allocates. At N=20,000 peak RSS
// went from 93-108 to 90-91 MiB, for one collection of a heap the size of
// the states and no measurable CPU (BENCHMARKS.md). Once a command, after
// all its clusters are listed, never per listing: runtime.GC blocks its
// caller for a whole cycle, and ten clusters listed at once each waited
// for one or more, six to ten collections of the whole fleet's heap at the
// end of the run (10 × 1,000 replayed: ~60 ms of CPU and as much wall time,
// issue 26).
func settle() { runtime.GC() }

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
