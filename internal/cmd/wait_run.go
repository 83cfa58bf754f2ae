package cmd

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/render"
)

// errWaitOver stops follow once the outcome of a wait is known.
var errWaitOver = errors.New("wait over")

// waiter follows the target's scope and judges the releases selected when
// the wait began, after every change and every second (--stuck-after is a
// matter of time, and so are the countdowns on a terminal).
type waiter struct {
	o        *WaitOptions
	future   *settingsFuture
	j        *judges
	deadline time.Time

	health   *healthPoll      // the controllers' health, read again (nil: never)
	evidence *evidencePoll    // the Events of the releases they time, read again (nil: never)
	seen     *analyses        // every object of the scope, for the controller's load
	tracked  []string         // the releases waited for, in list order
	waited   map[string]int64 // their generation when the wait began

	started bool
	items   []render.WaitItem // the last judgement
	shown   map[string]string // pipe: the last line printed per release
	judged  map[string]inspect.Verdict
	live    render.Live // terminal: the last frame, to redraw in place
	code    int         // the exit code once decided, -1 until then
	conn    connState   // the API server away (watch_conn.go)

	// When the last judgement was made, at which terminal size, and
	// whether a change came since that it has not weighed (coalesce).
	judgedAt time.Time
	size     [2]int
	behind   bool
}

func newWaiter(o *WaitOptions, f *settingsFuture, deadline time.Time) *waiter {
	return &waiter{o: o, future: f, deadline: deadline, waited: map[string]int64{},
		shown: map[string]string{}, judged: map[string]inspect.Verdict{}, code: -1}
}

// listed takes a LIST: the first one chooses the releases waited for.
func (w *waiter) listed(objs []inspect.Decoded) error {
	if w.seen == nil {
		w.j = w.future.judges()
		w.seen = newAnalyses(w.j, clockStep)
	}
	w.seen.reset(objs, w.o.deps.Now())
	w.evidence.readNow(w.seen, w.o.deps.Now())
	if !w.started {
		if err := w.begin(); err != nil {
			return err
		}
	}
	return w.judge(false)
}

// begin selects the releases: the names (all of them must exist unless
// the goal is their deletion), or what the selection and --phase keep.
func (w *waiter) begin() error {
	w.started = true
	if w.future.note != "" {
		_, _ = fmt.Fprintln(w.o.deps.Streams.ErrOut, w.future.note)
	}
	t := w.o.target
	if len(t.names) > 0 {
		var missing []string
		for _, name := range t.names {
			k := t.namespace + "/" + name
			if !w.seen.has(k) && w.o.goal.Kind != inspect.GoalDeleted {
				missing = append(missing, name)
			}
			w.track(k)
		}
		if len(missing) > 0 {
			return fmt.Errorf("HelmRelease %s not found in namespace %s", quoteAll(missing), t.namespace)
		}
		return nil
	}
	states, _ := w.seen.all(w.o.deps.Now(), w.o.target)
	for _, st := range w.o.filter.Apply(states) {
		w.track(st.Namespace + "/" + st.Name)
	}
	if len(w.tracked) == 0 && w.o.goal.Kind != inspect.GoalDeleted {
		return errors.New(render.NoneFound(t.namespace, t.allNamespaces) + " Nothing to wait for.")
	}
	return nil
}

func (w *waiter) track(k string) {
	w.tracked = append(w.tracked, k)
	if d, ok := w.seen.object(k); ok {
		w.waited[k] = d.Object.Generation
	}
}

// apply folds in one event.
func (w *waiter) apply(ev watch.Event) error {
	d, deleted, ok, err := decodeEvent(ev)
	if !ok {
		return err
	}
	if deleted {
		w.seen.remove(key(d))
	} else {
		w.seen.put(d, w.o.deps.Now())
	}
	if w.coalesce() {
		w.behind = true
		return nil
	}
	return w.judge(false)
}

// coalesce: a change that comes within frameGap of the last judgement is
// weighed by the next tick, with any others in between, when the wait is
// on more than manyKeys releases. A judgement weighs every release waited
// for under the load of the whole scope (~100 ms at 20,000): one per change
// would not keep up with a fleet's mass upgrade. A smaller wait judges
// every change, so that each shows.
func (w *waiter) coalesce() bool {
	return len(w.tracked) > manyKeys && w.o.deps.Now().Sub(w.judgedAt) < frameGap
}

// tick judges again when there is something to weigh: a controller's
// health read again and changed (healthPoll), a change held back
// (coalesce), a new second (--stuck-after, the countdowns), a new terminal
// size (a resize ticks at once).
func (w *waiter) tick() error {
	if _, moved := pollHealth(w.health, w.seen, w.o.deps.Now(), w.o.deps.Streams.ErrOut); moved {
		w.j = w.seen.j
		return w.judge(true) // a controller down fails the wait at once, as at its start
	}
	if _, sharper := pollEvidence(w.evidence, w.seen, w.o.deps.Now()); sharper {
		return w.judge(true)
	}
	width, height := w.o.term.size()
	if w.behind || [2]int{width, height} != w.size || !sameSecond(w.o.deps.Now(), w.judgedAt) {
		return w.judge(!w.behind)
	}
	return nil
}

// sameSecond: a and b read the same on a clock that shows seconds.
func sameSecond(a, b time.Time) bool { return a.Truncate(time.Second).Equal(b.Truncate(time.Second)) }

// states is the state of every release waited for at now (by key; absent
// once deleted), with the controller's load over every object of the scope
// (a queued retry never reads overdue).
func (w *waiter) states(now time.Time) map[string]*inspect.RetryState {
	states := w.seen.some(now, w.o.target, w.tracked...)
	w.j.warnNew(w.o.deps.Streams.ErrOut)
	if len(w.o.target.names) > 0 {
		// One watch per name sees no other release: the windows say so
		// rather than pass for load-aware ones.
		markUnloaded(states, "wait watches only the releases it waits for (status NAME judges the window under the load)")
	}
	byKey := make(map[string]*inspect.RetryState, len(states))
	for i := range states {
		byKey[states[i].Namespace+"/"+states[i].Name] = &states[i]
	}
	return byKey
}

// judge weighs every release waited for, shows the progress, and stops
// the wait once its outcome is known. tick: the clock moved, no object.
func (w *waiter) judge(tick bool) error {
	now := w.o.deps.Now()
	width, height := w.o.term.size()
	w.judgedAt, w.size, w.behind = now, [2]int{width, height}, false
	byKey := w.states(now)
	w.items = w.items[:0]
	for _, k := range w.tracked {
		it := render.WaitItem{Waited: w.waited[k], State: byKey[k]}
		it.Namespace, it.Name, _ = strings.Cut(k, "/")
		it.Verdict, it.Why = w.o.goal.Progress(it.Waited, it.State, w.o.limits, now)
		w.items = append(w.items, it)
	}
	w.show(now, tick)
	w.code = outcomeCode(w.items)
	if w.code >= 0 {
		return errWaitOver
	}
	return nil
}

// outcomeCode: a release that cannot get there ends the wait at once
// (fail fast), then a superseded spec; all reached is success. -1: wait on.
func outcomeCode(items []render.WaitItem) int {
	code, reached := -1, 0
	for _, it := range items {
		switch it.Verdict {
		case inspect.VerdictUnreachable, inspect.VerdictGone:
			return ExitFailed
		case inspect.VerdictSuperseded:
			code = ExitSuperseded
		case inspect.VerdictReached:
			reached++
		}
	}
	if code < 0 && reached == len(items) {
		code = ExitOK
	}
	return code
}
