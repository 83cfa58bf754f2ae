package inspect

import "time"

// LoadHint is what ApplyLoad reads of one state: the worker its reconcile
// holds, and its place in the controller's queue line. A view that keeps
// less than whole states (the table keeps a compact row a release) takes
// the hints as it analyzes, and applies the load over them (ApplyHints)
// once every state of the controller is read: about a tenth of a state's
// memory, and none of it kept past the load.
type LoadHint struct {
	holder           string    // namespace/name, when it holds a worker
	until            time.Time // WorkerUntil
	earliest, latest time.Time // its entry in line, when it has one
	hold             time.Duration
	entry            entryKind
	holds            bool
}

// entryKind is what a state puts in the queue line (lineEntry).
type entryKind uint8

const (
	noEntry       entryKind = iota
	ownEntry                // its own window
	followUpEntry           // the attempt its running action leads to
	pendingEntry            // never reconciled: ready now
)

// HintOf is st's part of the load.
func HintOf(st *RetryState) LoadHint {
	var h LoadHint
	if w := st.WorkerUntil; w != nil {
		h.holds, h.until, h.holder = true, *w, st.Namespace+"/"+st.Name
	}
	// As Queue.Set: the numbers and a pending entry's latest (the clock
	// reading) are filled in when the line is built.
	if in, ok := lineEntry(st, 0, time.Time{}); ok {
		h.earliest, h.latest, h.hold = in.earliest, in.latest, in.hold
		switch {
		case in.pending:
			h.entry = pendingEntry
		case in.state < 0:
			h.entry = followUpEntry
		default:
			h.entry = ownEntry
		}
	}
	return h
}

// hintLine lists the attempts that will need a worker, in the order they
// fall due, numbered as the hints are: releases never reconciled (ready
// now), every scheduled attempt of a release not running an action (one in
// its cache wait included: it needs a worker again after it), and the
// follow-ups of running actions.
func hintLine(n int, hint func(int) *LoadHint, now time.Time) []inLine {
	var line []inLine
	for i := range n {
		h := hint(i)
		if h.entry == noEntry {
			continue
		}
		it := inLine{state: -1, seq: i, earliest: h.earliest, latest: h.latest, hold: h.hold}
		switch h.entry {
		case ownEntry:
			it.state = i
		case pendingEntry:
			it.pending, it.latest = true, now
		}
		line = append(line, it)
	}
	sortLine(line)
	return line
}
