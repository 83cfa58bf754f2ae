package render

import (
	"strings"
	"sync"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Row is one release as the status table keeps it: what its cells, the
// summary, the column sorts and the load's marks read, and nothing else.
// A listing for the table keeps a Row a release instead of a state
// (~220 bytes and the strings it prints, against ~900 for a state trimmed
// by TableOnly), so that memory grows little with the fleet (issue 26:
// RSS(20,000) against RSS(1,000)). TestRowsPrintAsStates holds the table
// of rows to the table of the states they were made from.
type Row struct {
	name, message            string // the message's first line
	chart, version           string // with -o wide only
	words                    *rowWords
	earliest, latest, anchor time.Time     // the window; the anchor's time
	or                       *[2]time.Time // the other window (inspect.Next.Or), rare
	retryInterval            inspect.Duration
	count, allowed, total    int64 // Failures
	revision, toRevision     int32
	flags                    rowFlags
}

// rowWords are the words of a row that releases share: a fleet has a few
// dozen combinations of them a namespace, which RowMaker keeps once each.
type rowWords struct {
	context, namespace    string
	ready, lastAction     string
	phase                 inspect.Phase
	strategy, remediation string // the names of the strategy and of the remediation
	remNext, action       inspect.Action
}

// RowMaker makes rows, keeping what they share once (their words). Safe
// for concurrent use: a listing's runs are analyzed in parallel.
type RowMaker struct {
	// Wide keeps the chart and its version, which only -o wide prints.
	Wide bool

	mu    sync.Mutex
	words map[rowWords]*rowWords
}

// shared returns the kept copy of w.
func (m *RowMaker) shared(w rowWords) *rowWords {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.words == nil {
		m.words = map[rowWords]*rowWords{}
	}
	p, ok := m.words[w]
	if !ok {
		p = &w
		m.words[w] = p
	}
	return p
}

type rowFlags uint16

const (
	hasEarliest rowFlags = 1 << iota
	hasLatest
	hasAnchor
	anchoredWindow
	overdue
	queued
	bound
	blocked
	unwatched
	reconcilingAnchor // the anchor is the Reconciling condition
	holdsWorker       // WorkerUntil is set
	stuck
)

func (f rowFlags) has(g rowFlags) bool { return f&g != 0 }

func flagIf(cond bool, g rowFlags) rowFlags {
	if cond {
		return g
	}
	return 0
}

// New keeps of st what the table prints. st is read as TableOnly leaves
// it: mark it stuck (inspect.Limits) before.
func (m *RowMaker) New(st *inspect.RetryState) Row {
	n := &st.Next
	words := m.shared(rowWords{context: st.Context, namespace: st.Namespace, ready: st.Ready,
		lastAction: st.LastAction, phase: st.Phase, strategy: st.Strategy.Name, remediation: st.Remediation.Strategy,
		remNext: st.Remediation.Next, action: n.Action})
	r := Row{name: st.Name, words: words, message: cloneIfPart(firstLine(st.Message), st.Message),
		retryInterval: st.Strategy.RetryInterval, count: st.Failures.Count, allowed: st.Failures.Allowed,
		total: st.Failures.Total, revision: int32(st.Release.Revision), toRevision: int32(st.Remediation.ToRevision),
		flags: flagIf(n.Bound != "", bound) | flagIf(n.Blocked != "", blocked) | flagIf(n.Unwatched, unwatched) |
			flagIf(st.WorkerUntil != nil, holdsWorker) | flagIf(st.Stuck, stuck)}
	if m.Wide {
		r.chart, r.version = st.Release.Chart, st.Release.Version
	}
	r.setNext(n)
	if n.Or != nil {
		r.or = &[2]time.Time{n.Or.Earliest, n.Or.Latest}
	}
	if a := n.Anchor; a != nil {
		r.anchor = a.Time
		r.flags |= hasAnchor | flagIf(a.Condition == "Reconciling", reconcilingAnchor)
	}
	return r
}

// cloneIfPart copies part when it is a part of whole: a substring would
// keep the whole message.
func cloneIfPart(part, whole string) string {
	if part == whole {
		return part
	}
	return strings.Clone(part)
}

// setNext keeps what the load changes of a window.
func (r *Row) setNext(n *inspect.Next) {
	r.flags &^= hasEarliest | hasLatest | anchoredWindow | overdue | queued | bound
	if n.Earliest != nil {
		r.earliest, r.flags = *n.Earliest, r.flags|hasEarliest
	}
	if n.Latest != nil {
		r.latest, r.flags = *n.Latest, r.flags|hasLatest
	}
	r.flags |= flagIf(n.Anchored, anchoredWindow) | flagIf(n.Overdue, overdue) | flagIf(n.Queued, queued) |
		flagIf(n.Bound != "", bound)
}

// next is the row's window, as the load reads and marks it.
func (r *Row) next() inspect.Next {
	n := inspect.Next{Action: r.shared().action, Anchored: r.flags.has(anchoredWindow), Overdue: r.flags.has(overdue),
		Queued: r.flags.has(queued), Unwatched: r.flags.has(unwatched)}
	if r.flags.has(hasEarliest) {
		n.Earliest = &r.earliest
	}
	if r.flags.has(hasLatest) {
		n.Latest = &r.latest
	}
	if r.flags.has(bound) {
		n.Bound = "bound" // only tested for: the table prints the mark, not the reason
	}
	if r.or != nil {
		n.Or = &inspect.Window{Earliest: r.or[0], Latest: r.or[1]}
	}
	return n
}

// Mark applies f, the load's mark of a queued attempt (inspect.ApplyHints),
// to the row's window.
func (r *Row) Mark(f func(*inspect.Next)) {
	n := r.next()
	f(&n)
	r.setNext(&n)
}

// state is the row as a state, for the cells: the fields the table reads,
// the texts it only tests for ("bound", "blocked") as placeholders.
func (r *Row) state() inspect.RetryState {
	w := r.shared()
	st := inspect.RetryState{Context: w.context, Namespace: w.namespace, Name: r.name, Message: r.message,
		Ready: w.ready, LastAction: w.lastAction, Phase: w.phase, Stuck: r.flags.has(stuck),
		Strategy:    inspect.Strategy{Name: w.strategy, RetryInterval: r.retryInterval},
		Failures:    inspect.Failures{Count: r.count, Allowed: r.allowed, Total: r.total},
		Remediation: inspect.Remediation{Strategy: w.remediation, Next: w.remNext, ToRevision: int(r.toRevision)},
		Release:     inspect.Release{Chart: r.chart, Version: r.version, Revision: int(r.revision)},
		Next:        r.next()}
	if r.flags.has(blocked) {
		st.Next.Blocked = "blocked"
	}
	if r.flags.has(hasAnchor) {
		st.Next.Anchor = &inspect.Anchor{Time: r.anchor}
		if r.flags.has(reconcilingAnchor) {
			st.Next.Anchor.Condition = "Reconciling"
		}
	}
	if r.flags.has(holdsWorker) {
		st.WorkerUntil = &r.latest // only tested for; the row does not keep the time
	}
	return st
}

// Context is the kubeconfig context the release was read through, when a
// command reads several clusters.
func (r *Row) Context() string { return r.shared().context }

// Name is the release's name.
func (r *Row) Name() string { return r.name }

// Namespace is the release's namespace.
func (r *Row) Namespace() string { return r.shared().namespace }

// Phase is the row's phase (the filters).
func (r *Row) Phase() inspect.Phase { return r.shared().phase }

// shared is the row's words; none for a Row not made by a RowMaker (the
// zero Row prints as a release without a name, never a panic).
func (r *Row) shared() *rowWords {
	if r.words == nil {
		return &rowWords{}
	}
	return r.words
}

// Stuck tells whether status --check marked the release stuck.
func (r *Row) Stuck() bool { return r.flags.has(stuck) }

// RowsOf makes the rows of states.
func RowsOf(states []inspect.RetryState) []*Row {
	m := RowMaker{Wide: true}
	rows, ptrs := make([]Row, len(states)), make([]*Row, len(states))
	for i := range states {
		rows[i] = m.New(&states[i])
		ptrs[i] = &rows[i]
	}
	return ptrs
}
