package inspect

import (
	"slices"
	"time"
)

// Queue is ApplyLoad's model of the controller's work queue kept between
// changes, for a live view that shows one release per change: Set updates
// one state's part of it (the worker it holds, its place in line), and
// Mark gives a state the window ApplyLoad would give it among all of them,
// without building and sorting the whole line again (at 20,000 releases,
// ~5 ms a change). The states are numbered as the view keeps them; the
// order of their numbers breaks ties in line, as the order of ApplyLoad's
// slice does. TestQueueMarksAsApplyLoad holds it to ApplyLoad.
type Queue struct {
	s      Settings // sane
	want   []queued // per state: its part as last Set
	placed []queued // per state: its part in line and held now
	line   []inLine // sorted (compareInLine)
	spare  []inLine // merge's other buffer: the line is merged into it, and the old line becomes it
	held   []time.Time
	// changed lists the states Set since line and held were brought up to
	// date (dirty marks them); renumbered: a Delete moved them all.
	changed    []int
	dirty      []bool
	renumbered bool
}

// queued is one state's part: its entry in line and the worker it holds.
type queued struct {
	in   inLine
	ok   bool       // it has an entry in line
	hold *time.Time // WorkerUntil
}

// fewChanges is how many changes are moved into line one by one (each a
// binary search and a copy of part of it); more, as when the clock
// re-reads many states at once, are sorted and merged into it.
const fewChanges = 8

// NewQueue is an empty Queue for the controller settings s.
func NewQueue(s Settings) *Queue { return &Queue{s: s.sane()} }

// Set makes st the i-th state (i = the number of states: one more).
func (q *Queue) Set(i int, st *RetryState) {
	in, ok := lineEntry(st, i, time.Time{}) // a pending entry's latest is the clock reading, filled in by Mark
	e := queued{in: in, ok: ok}
	if st.WorkerUntil != nil {
		e.hold = ptr(*st.WorkerUntil)
	}
	if i == len(q.want) {
		q.want, q.placed, q.dirty = append(q.want, queued{}), append(q.placed, queued{}), append(q.dirty, false)
	}
	q.want[i] = e
	if !q.dirty[i] {
		q.dirty[i] = true
		q.changed = append(q.changed, i)
	}
}

// Delete removes the i-th state; the later ones move down by one.
func (q *Queue) Delete(i int) {
	q.want, q.placed, q.dirty = slices.Delete(q.want, i, i+1), slices.Delete(q.placed, i, i+1), slices.Delete(q.dirty, i, i+1)
	for j := i; j < len(q.want); j++ {
		q.want[j].in.seq = j
		if q.want[j].in.state >= 0 {
			q.want[j].in.state = j
		}
	}
	q.renumbered = true
}

// update brings line and held up to date with the states Set.
func (q *Queue) update() {
	switch {
	case q.renumbered:
		q.line, q.held = q.line[:0], q.held[:0]
		for _, e := range q.want {
			if e.ok {
				q.line = append(q.line, e.in)
			}
			if e.hold != nil {
				q.held = append(q.held, *e.hold)
			}
		}
		sortLine(q.line)
		slices.SortFunc(q.held, time.Time.Compare)
		copy(q.placed, q.want)
	case len(q.changed) <= fewChanges:
		for _, i := range q.changed {
			q.move(i)
		}
	default:
		q.merge()
	}
	q.changed, q.renumbered = q.changed[:0], false
	clear(q.dirty)
}

// move takes the i-th state's old part out of line and held and puts its
// new part in.
func (q *Queue) move(i int) {
	old, e := q.placed[i], q.want[i]
	if old.ok {
		if k, found := slices.BinarySearchFunc(q.line, old.in, compareInLine); found {
			q.line = slices.Delete(q.line, k, k+1)
		}
	}
	if e.ok {
		k, _ := slices.BinarySearchFunc(q.line, e.in, compareInLine)
		q.line = slices.Insert(q.line, k, e.in)
	}
	if old.hold != nil {
		if k, found := slices.BinarySearchFunc(q.held, *old.hold, time.Time.Compare); found {
			q.held = slices.Delete(q.held, k, k+1)
		}
	}
	if e.hold != nil {
		k, _ := slices.BinarySearchFunc(q.held, *e.hold, time.Time.Compare)
		q.held = slices.Insert(q.held, k, *e.hold)
	}
	q.placed[i] = e
}

// merge replaces the parts of many changed states at once: the line
// without them, merged with their new entries sorted (the clock re-reads
// them in order and often to the same time, which the sort finds sorted).
func (q *Queue) merge() {
	// Filtered in place and merged into the spare buffer, which the old
	// line then becomes: at 20,000 releases the line is ~1.6 MB, and the
	// clock merges into it every second (new slices each time were a
	// fifth of a live view's CPU per change, BenchmarkLiveChange20000).
	kept := q.line[:0]
	for _, it := range q.line {
		if !q.dirty[it.seq] {
			kept = append(kept, it)
		}
	}
	slices.Sort(q.changed)
	var fresh []inLine
	for _, i := range q.changed {
		if q.want[i].ok {
			fresh = append(fresh, q.want[i].in)
		}
		q.placed[i] = q.want[i]
	}
	sortLine(fresh)
	q.line, q.spare = mergeLines(q.spare[:0], kept, fresh), kept[:0]
	q.held = q.held[:0]
	for _, e := range q.placed {
		if e.hold != nil {
			q.held = append(q.held, *e.hold)
		}
	}
	slices.SortFunc(q.held, time.Time.Compare)
}

// mergeLines appends the merge of two sorted lines to out (which shares
// no array with them).
func mergeLines(out, a, b []inLine) []inLine {
	out = slices.Grow(out, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if compareInLine(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// Mark gives st, the i-th state as last Set, the window ApplyLoad gives it
// over every state at now: queued, and its window's end moved to when a
// worker is free for it, when every worker is held.
func (q *Queue) Mark(st *RetryState, i int, now time.Time) {
	if len(q.changed) > 0 || q.renumbered {
		q.update()
	}
	s := q.s
	if s.Controller.Down || i < 0 || i >= len(q.placed) || !q.placed[i].ok || q.placed[i].in.state < 0 {
		return // no worker runs, or st has no window of its own
	}
	if s.Mutant == MutantNoQueue || len(q.held) < s.Concurrent {
		return // a worker is free
	}
	workers := slices.Clone(q.held[len(q.held)-s.Concurrent:])
	k, _ := slices.BinarySearchFunc(q.line, q.placed[i].in, compareInLine)
	n := &st.Next
	upto := max(k, lastBefore(q.line, *n.Latest))
	// The releases never reconciled are ready now: first in line (their
	// earliest is the zero time), due by the clock reading.
	for j := 0; j < len(q.line) && q.line[j].pending; j++ {
		q.line[j].latest = now
	}
	free := freeTimes(workers, q.line, upto+1)
	queue(n, free[upto], len(q.held), s, now)
}
