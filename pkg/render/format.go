// Package render turns RetryStates into what a person or a script reads: a
// table, a detail view, JSON, YAML or names. It has no clock, no environment
// and no os.Stdout: the time, colour and width decisions arrive in Options.
package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Options are decided once by the command (TTY, --color, NO_COLOR, width).
type Options struct {
	// Now is the reading of the clock the states were analyzed at.
	Now time.Time
	// Color enables ANSI colour and box-drawing glyphs (a terminal).
	Color bool
	// Relative prints times as "in 3m12s"; otherwise absolute RFC3339 UTC.
	Relative bool
	// Width is the terminal width the table fits into; 0 never truncates.
	Width int
	// Wide adds columns (-o wide).
	Wide bool
	// NoHeaders omits the header row and the summary line.
	NoHeaders bool
	// ShowNamespace adds the NAMESPACE column (-A).
	ShowNamespace bool
	// Summary adds the per-phase count line under the table (a terminal).
	Summary bool
	// Check adds the STUCK column of `status --check` (RetryState.Stuck).
	Check bool
	// Load is the controller's load, printed under the table when a
	// worker is busy.
	Load *inspect.Load
	// Command is how the user calls the plugin ("kubectl hrretry" or
	// "flux hrretry"; DefaultCommand when empty): the command lines of the
	// way out are spelled with it.
	Command string
	// ShowContext adds the CONTEXT column first (several clusters);
	// Loads are their controllers' loads (each with its Context), and
	// Errors the clusters that could not be read: a row each, after the
	// releases.
	ShowContext bool
	Loads       []inspect.Load
	Errors      []ContextError
}

// Human formats a duration compactly: 45s, 3m12s, 2h5m, 3d4h.
func Human(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
		if s == 0 {
			return fmt.Sprintf("%dm", m)
		}
		return fmt.Sprintf("%dm%ds", m, s)
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}

// stamp is an absolute time as piped output prints it (to the second).
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// stampCeil prints the end of a window rounded up, so the printed window
// never looks narrower than the computed one.
func stampCeil(t time.Time) string {
	if r := t.Truncate(time.Second); !r.Equal(t) {
		t = r.Add(time.Second)
	}
	return stamp(t)
}

// when formats one point in time, relative to now or absolute.
func when(t time.Time, o Options) string {
	if !o.Relative {
		return stamp(t)
	}
	d := t.Sub(o.Now)
	switch {
	case d > 0:
		return "in " + Human(d)
	case d > -time.Second:
		return "now"
	}
	return Human(d) + " ago"
}

// nextText is the NEXT column: the next action and its window, marked
// while the controller is down (the window holds only once it is back).
func nextText(st inspect.RetryState, o Options) string {
	if st.Next.Unwatched {
		return "unwatched"
	}
	if st.Next.Blocked != "" {
		return windowNext(st, o) + " (controller down)"
	}
	return windowNext(st, o)
}

func windowNext(st inspect.RetryState, o Options) string {
	n := st.Next
	switch {
	case st.Phase == inspect.PhaseStalled, st.Phase == inspect.PhaseSuspended:
		return string(st.Phase)
	case n.Action == inspect.ActionNone || n.Action == "":
		return "-"
	case n.Earliest == nil || n.Latest == nil:
		return string(n.Action) + " now"
	case st.Phase == inspect.PhaseProgressing && st.WorkerUntil != nil && n.Anchor != nil && n.Anchor.Condition == "Reconciling":
		// The window of a running action is when it ends at the latest:
		// its timeout for each hook phase. It is never overdue: more hook
		// weights than the object shows take longer.
		if !o.Relative {
			return string(n.Action) + " running, done by " + stampCeil(*n.Latest)
		}
		if !n.Latest.After(o.Now) {
			return string(n.Action) + " running for " + Human(o.Now.Sub(n.Anchor.Time)) + " (hooks)"
		}
		return string(n.Action) + " running, done within " + Human(n.Latest.Sub(o.Now))
	case n.Overdue:
		if !o.Relative {
			return string(n.Action) + " overdue since " + stamp(*n.Latest)
		}
		return string(n.Action) + " overdue " + Human(o.Now.Sub(*n.Latest))
	}
	text := string(n.Action) + " " + windowText(n, o)
	if or, ok := orNext(n); ok {
		text += " or " + windowText(or, o)
	}
	// A bound is not a prediction: the evidence could not narrow it (the
	// detail view and -o json say why; a queued window's end is one when
	// its worker is free at the latest).
	switch {
	case n.Queued && n.Bound != "":
		text += " (queued, bound)"
	case n.Queued:
		text += " (queued)"
	case n.Bound != "":
		text += " (bound)"
	}
	return text
}

// LoadLine is the controller's load under the table: "controller: 2/2
// workers running Helm actions (apps/a, apps/b), one free by …; 3 queued".
func LoadLine(l inspect.Load, o Options) string {
	busy := fmt.Sprintf("%d/%d", l.Busy, l.Concurrent)
	if l.LowerBound {
		busy = "at least " + busy
	}
	who := "controller"
	if l.Controller != "" {
		who += " " + Escape(l.Controller, false)
	}
	s := fmt.Sprintf("%s: %s workers running Helm actions (%s)", who, busy, Escape(strings.Join(l.Holders, ", "), false))
	if l.Full && l.FreeBy != nil {
		if o.Relative {
			s += ", the first one free within " + Human(l.FreeBy.Sub(o.Now))
		} else {
			s += ", the first one free by " + stampCeil(*l.FreeBy)
		}
	}
	if l.Queued > 0 {
		s += fmt.Sprintf("; %d attempt(s) queued", l.Queued)
	}
	return s
}

// windowText prints a window: "in 4m45s–5m16s", "within 30s", or an
// ISO 8601 interval "2026-11-23T10:04:45Z/2026-11-23T10:05:16Z" when piped.
func windowText(n inspect.Next, o Options) string {
	e, l := *n.Earliest, *n.Latest
	if !o.Relative {
		if !n.Anchored && !e.After(o.Now) {
			return "by " + stampCeil(l)
		}
		return stamp(e) + "/" + stampCeil(l)
	}
	if !e.After(o.Now) {
		return "within " + Human(l.Sub(o.Now))
	}
	lo, hi := Human(e.Sub(o.Now)), Human(l.Sub(o.Now))
	if lo == hi {
		return "in " + lo
	}
	return "in " + lo + "–" + hi
}

// orNext is n's other window (inspect.Next.Or) as a window of its own.
func orNext(n inspect.Next) (inspect.Next, bool) {
	if n.Or == nil {
		return inspect.Next{}, false
	}
	return inspect.Next{Action: n.Action, Earliest: &n.Or.Earliest, Latest: &n.Or.Latest, Anchored: true}, true
}

// failuresText is the FAILURES column: failed attempts / attempts allowed.
func failuresText(f inspect.Failures) string {
	if f.Allowed < 0 {
		return strconv.FormatInt(maxInt(f.Count, f.Total), 10) + "/∞"
	}
	// Concatenated, not Sprintf'd: every row of a table prints it, twice
	// (measured, then written), and so do the NEXT cells below.
	return strconv.FormatInt(f.Count, 10) + "/" + strconv.FormatInt(f.Allowed, 10)
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// firstLine keeps the first line of a multi-line message (Helm errors are
// long); the detail view shows all of it.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i]) + " …"
	}
	return s
}
