package cmd

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// judges are the helm-controllers of one cluster as the commands use them:
// each release is judged by the settings of the controller that reconciles
// it, and each controller's workers are its own. It records the releases
// two controllers select (each would reconcile it: their results race), to
// warn once per pair. It is safe for concurrent use (runs are analyzed in
// parallel).
type judges struct {
	cs cluster.Controllers

	mu       sync.Mutex
	overlaps map[[2]int]overlap
	warned   map[[2]int]bool // the pairs warnNew printed
}

// overlap is a pair of controllers selecting the same releases: which
// (a set: the live views judge a release again on every change), and the
// first seen.
type overlap struct {
	releases map[string]bool
	first    string
}

func newJudges(cs cluster.Controllers) *judges { return &judges{cs: cs} }

// of is the settings hr is judged by: its controller's, or the defaults
// marked unwatched, with why.
func (j *judges) of(hr *v2.HelmRelease) inspect.Settings {
	if hr == nil {
		return j.cs.SettingsFor(cluster.Match{Owner: 0, Also: -1})
	}
	m := j.cs.Match(hr.Namespace, hr.Labels)
	if m.Also >= 0 {
		j.mu.Lock()
		if j.overlaps == nil {
			j.overlaps = map[[2]int]overlap{}
		}
		o := j.overlaps[[2]int{m.Owner, m.Also}]
		ref := hr.Namespace + "/" + hr.Name
		if o.releases == nil {
			o.first, o.releases = ref, map[string]bool{}
		}
		o.releases[ref] = true
		j.overlaps[[2]int{m.Owner, m.Also}] = o
		j.mu.Unlock()
	}
	return j.cs.SettingsFor(m)
}

// first is the settings of the first controller, for what is not judged
// per release (force's wait for the outcome of its own patch).
func (j *judges) first() inspect.Settings {
	return j.of(nil)
}

// warnings are the lines stderr gets about two controllers selecting the
// same releases, in a stable order.
func (j *judges) warnings() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.overlapLines(func([2]int) bool { return true })
}

// warnNew prints the warnings about pairs not warned about yet: the live
// views (watch, wait) analyze again on every change, and a pair is news
// once.
func (j *judges) warnNew(w io.Writer) {
	j.mu.Lock()
	defer j.mu.Unlock()
	lines := j.overlapLines(func(pair [2]int) bool {
		if j.warned[pair] {
			return false
		}
		if j.warned == nil {
			j.warned = map[[2]int]bool{}
		}
		j.warned[pair] = true
		return true
	})
	for _, l := range lines {
		_, _ = fmt.Fprintln(w, l)
	}
}

// overlapLines are the warnings of the pairs keep keeps. Called with j.mu
// held.
func (j *judges) overlapLines(keep func([2]int) bool) []string {
	var lines []string
	for pair, o := range j.overlaps {
		if !keep(pair) {
			continue
		}
		a, b := j.cs.List[pair[0]].Ref(), j.cs.List[pair[1]].Ref()
		lines = append(lines, fmt.Sprintf("warning: %d HelmRelease(s) (%s first) are selected by two helm-controllers, %s and %s: both reconcile them and race; their windows are judged by %s",
			len(o.releases), render.Escape(o.first, false), render.Escape(a, false), render.Escape(b, false), render.Escape(a, false)))
	}
	sort.Strings(lines)
	return lines
}

// loads applies each controller's load to the releases it reconciles and
// returns one Load per controller (one alone when a single controller
// judges everything, as before sharding was considered). complete says
// whether states cover every release of the cluster.
func (j *judges) loads(states []inspect.RetryState, now time.Time, complete bool) []inspect.Load {
	hints := make([]hinted, len(states))
	for i := range states {
		hints[i] = j.hint(&states[i])
	}
	return j.hintLoads(len(hints), func(i int) *hinted { return &hints[i] }, now, complete,
		func(i int, f func(*inspect.Next)) { f(&states[i].Next) })
}

// hinted is a release's part of its controller's load: the hint, and the
// controller's number in queueSettings (-1: none reconciles it).
type hinted struct {
	inspect.LoadHint
	queue int
}

func (j *judges) hint(st *inspect.RetryState) hinted {
	return hinted{inspect.HintOf(st), j.queueOf(st)}
}

// hintLoads is loads over the hints of n releases (hint(i) is the i-th's);
// mark(i, f) marks the i-th release's window (inspect.ApplyHints).
func (j *judges) hintLoads(n int, hint func(int) *hinted, now time.Time, complete bool,
	mark func(int, func(*inspect.Next))) []inspect.Load {
	settings := j.queueSettings()
	if len(j.cs.List) == 0 || j.cs.All {
		// One controller judges every release: no grouping.
		l := inspect.ApplyHints(n, func(i int) *inspect.LoadHint { return &hint(i).LoadHint }, settings[0], now, complete, mark)
		return []inspect.Load{l}
	}
	idx := make([][]int, len(settings))
	for i := range n {
		if k := hint(i).queue; k >= 0 {
			idx[k] = append(idx[k], i)
		}
	}
	out := make([]inspect.Load, 0, len(settings))
	for k, s := range settings {
		l := inspect.ApplyHints(len(idx[k]), func(g int) *inspect.LoadHint { return &hint(idx[k][g]).LoadHint }, s, now, complete,
			func(g int, f func(*inspect.Next)) { mark(idx[k][g], f) })
		l.Controller = j.cs.List[k].Ref()
		out = append(out, l)
	}
	return out
}

// loadView puts loads where the views take them: one controller's in Load
// (controllerLoad, as before), several in Loads (controllerLoads).
func loadView(loads []inspect.Load) (*inspect.Load, []inspect.Load) {
	if len(loads) == 1 {
		return &loads[0], nil
	}
	return nil, loads
}
