package cmd

import (
	"slices"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// clockStep is how old the state of a window that moves with the clock
// ("from now until ...") may get in a live view: a second, as the
// countdowns on a terminal. Every other state is exact (see stableUntil).
const clockStep = time.Second

// analyses is what a list+watch has seen: every object in first-seen
// order, with its state as analysis left it (before the controller's load)
// and until when that state holds. A change re-analyzes its object alone,
// and the clock only the states that depend on it: at 20,000 releases a
// full analysis takes ~100 ms, and a fleet in a mass upgrade writes dozens
// of changes a second (issue 26).
type analyses struct {
	j       *judges        // each release's settings and controller
	step    time.Duration  // clockStep; 0: a window that moves with the clock is re-analyzed at every reading
	index   map[string]int // key → position in the slices below
	objects []inspect.Decoded
	states  []inspect.RetryState // contiguous: the controller's load reads them all
	until   []time.Time          // re-analyze once the clock reaches it; zero: never
	queues  []*inspect.Queue     // each controller's load, kept state by state (judges.queueSettings)
	group   []int                // the queue of each state's controller; -1: none
	// evidence is the Events of the releases they time, as a live view
	// last read them (evidencePoll), by key; nil until one is read.
	evidence map[string]inspect.Evidence
	// trim, when set, drops what the view never prints from each state
	// as it is analyzed (render.TableOnly: a few hundred bytes a release
	// kept instead of kilobytes).
	trim func(*inspect.RetryState)
}

func newAnalyses(j *judges, step time.Duration) *analyses {
	a := &analyses{j: j, step: step}
	a.reset(nil, time.Time{})
	return a
}

// reset replaces everything with a LIST's objects, analyzed at now.
func (a *analyses) reset(objs []inspect.Decoded, now time.Time) {
	a.index = make(map[string]int, len(objs))
	a.objects, a.states, a.until, a.group = a.objects[:0], a.states[:0], a.until[:0], a.group[:0]
	a.queues = a.queues[:0]
	for _, s := range a.j.queueSettings() {
		a.queues = append(a.queues, inspect.NewQueue(s))
	}
	for _, d := range objs {
		a.put(d, now)
	}
}

// put records d and analyzes it at now, keeping its place when it was seen
// before; added says it was not.
func (a *analyses) put(d inspect.Decoded, now time.Time) (added bool) {
	k := key(d)
	i, ok := a.index[k]
	if !ok {
		i = len(a.objects)
		a.index[k] = i
		a.objects, a.states, a.until = append(a.objects, d), append(a.states, inspect.RetryState{}), append(a.until, time.Time{})
		a.group = append(a.group, -1)
		for _, q := range a.queues {
			q.Set(i, &inspect.RetryState{}) // nothing in line, no worker, until analyze says
		}
	}
	a.objects[i] = d
	a.analyze(i, now)
	return !ok
}

func (a *analyses) analyze(i int, now time.Time) {
	s := a.j.of(a.objects[i].Object)
	a.states[i] = a.objects[i].AnalyzeWith(now, s, a.evidenceOf(i))
	a.until[i] = a.stableUntil(now, &a.states[i], a.objects[i], s)
	g := a.j.queueOf(&a.states[i])
	if old := a.group[i]; old >= 0 && old != g {
		a.queues[old].Set(i, &inspect.RetryState{}) // its controller changed: out of the old one's line
	}
	if a.group[i] = g; g >= 0 {
		a.queues[g].Set(i, &a.states[i])
	}
	if a.trim != nil {
		a.trim(&a.states[i])
	}
}

// remove forgets the object named k (a deletion is rare: the slices move).
func (a *analyses) remove(k string) {
	i, ok := a.index[k]
	if !ok {
		return
	}
	delete(a.index, k)
	delete(a.evidence, k)
	a.objects, a.states, a.until = slices.Delete(a.objects, i, i+1), slices.Delete(a.states, i, i+1), slices.Delete(a.until, i, i+1)
	a.group = slices.Delete(a.group, i, i+1)
	for _, q := range a.queues {
		q.Delete(i)
	}
	for j := i; j < len(a.objects); j++ {
		a.index[key(a.objects[j])] = j
	}
}

func (a *analyses) has(k string) bool { _, ok := a.index[k]; return ok }

func (a *analyses) object(k string) (inspect.Decoded, bool) {
	i, ok := a.index[k]
	if !ok {
		return inspect.Decoded{}, false
	}
	return a.objects[i], true
}

// refresh re-analyzes, at now, the states the clock has changed.
func (a *analyses) refresh(now time.Time) {
	for i := range a.until {
		if u := a.until[i]; !u.IsZero() && !now.Before(u) {
			a.analyze(i, now)
		}
	}
}

// all is every state at now, with the controller's load over all of them
// (copies: the cache keeps the states before the load).
func (a *analyses) all(now time.Time, t target) ([]inspect.RetryState, []inspect.Load) {
	a.refresh(now)
	out := slices.Clone(a.states)
	return out, t.withLoad(out, a.j, now)
}

// some is the states of the objects named keys (those seen) at now, each
// with the controller's load over every object (the queue model: no state
// but these is copied or judged).
func (a *analyses) some(now time.Time, t target, keys ...string) []inspect.RetryState {
	if len(keys) > manyKeys {
		return a.pick(now, t, keys)
	}
	a.refresh(now)
	out := make([]inspect.RetryState, 0, len(keys))
	for _, k := range keys {
		i, ok := a.index[k]
		if !ok {
			continue
		}
		out = append(out, a.states[i])
		if g := a.group[i]; g >= 0 && len(t.names) == 0 { // names: one object says nothing of the others (target.withLoad)
			a.queues[g].Mark(&out[len(out)-1], i, now)
		}
	}
	return out
}

// manyKeys: beyond this many releases (a wait on a whole fleet), each
// Mark playing its part of the line costs more than ApplyLoad over all.
const manyKeys = 32

// pick is some through all: one ApplyLoad over every state.
func (a *analyses) pick(now time.Time, t target, keys []string) []inspect.RetryState {
	all, _ := a.all(now, t)
	out := make([]inspect.RetryState, 0, len(keys))
	for _, k := range keys {
		if i, ok := a.index[k]; ok {
			out = append(out, all[i])
		}
	}
	return out
}

// queueSettings are the settings of each controller's work queue, in the
// order of queueOf, grouped as loads groups them.
func (j *judges) queueSettings() []inspect.Settings {
	switch {
	case len(j.cs.List) == 0:
		return []inspect.Settings{inspect.DefaultSettings()}
	case j.cs.All:
		return []inspect.Settings{j.cs.List[0].Settings}
	}
	out := make([]inspect.Settings, 0, len(j.cs.List))
	for k := range j.cs.List {
		out = append(out, j.cs.List[k].Settings)
	}
	return out
}

// queueOf is the queue of the controller that reconciles st's release
// (queueSettings); -1: none does, so it holds and waits for no worker.
func (j *judges) queueOf(st *inspect.RetryState) int {
	if len(j.cs.List) == 0 || j.cs.All {
		return 0
	}
	if st.Controller == nil {
		return -1
	}
	for k := range j.cs.List {
		if j.cs.List[k].Ref() == st.Controller.Name {
			return k
		}
	}
	return -1
}
