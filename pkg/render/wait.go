package render

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// WaitItem is one release of `kubectl hrretry wait`: its last state and
// what the goal makes of it.
type WaitItem struct {
	Namespace, Name string
	// State is nil once the object is gone.
	State *inspect.RetryState
	// Waited is the generation the wait began with.
	Waited  int64
	Verdict inspect.Verdict
	Why     string
}

func (it WaitItem) ref() string { return it.Namespace + "/" + it.Name }

// WaitLine is what the progress shows of one release, without its name:
// the phase and next window while it waits, the verdict once there is one.
// Piped (absolute times) it changes only when the release does, so the
// command prints it again only then.
func WaitLine(it WaitItem, o Options) string {
	pal := palette{on: o.Color}
	switch it.Verdict {
	case inspect.VerdictReached:
		if it.State == nil {
			return pal.phase(inspect.PhaseReady, "deleted")
		}
		return pal.phase(inspect.PhaseReady, "reached") + releaseText(*it.State)
	case inspect.VerdictGone:
		return pal.phase(inspect.PhaseStalled, "deleted") + " while waiting"
	case inspect.VerdictSuperseded:
		return pal.phase(inspect.PhaseRetrying, "superseded") + ": " + Escape(it.Why, false)
	}
	st := *it.State
	s := pal.phase(st.Phase, string(st.Phase))
	if next := nextText(st, o); next != "-" && next != string(st.Phase) {
		s += ", next: " + next
	}
	switch {
	case st.FailingSince != nil && st.Attempts > 0:
		s += fmt.Sprintf("; %d failed attempt(s), failing since %s", st.Attempts, when(*st.FailingSince, o))
	case st.FailingSince != nil:
		s += "; failing since " + when(*st.FailingSince, o)
	}
	if inspect.Superseded(it.Waited, st) {
		s += fmt.Sprintf("; generation %d superseded by %d", it.Waited, st.Generation)
	}
	if it.Verdict == inspect.VerdictUnreachable {
		s += "; " + pal.phase(inspect.PhaseStalled, "cannot get there") + ": " + Escape(firstLine(it.Why), false)
	}
	return s
}

// releaseText: " (revision 3, podinfo 6.5.0)", what reached the goal.
func releaseText(st inspect.RetryState) string {
	if st.Release.Revision == 0 {
		return ""
	}
	return fmt.Sprintf(" (revision %d, %s %s)", st.Release.Revision, Escape(st.Release.Chart, false), Escape(st.Release.Version, false))
}

// WaitLog writes one progress line for a pipe: the time, the release and
// its WaitLine.
func WaitLog(w io.Writer, it WaitItem, o Options) error {
	_, err := fmt.Fprintf(w, "%s  %s  %s\n", stamp(o.Now), it.ref(), WaitLine(it, o))
	return err
}

// WaitFrame is the live view of a terminal: a header line, then one line
// per release (WaitList).
func WaitFrame(goal inspect.Goal, items []WaitItem, deadline time.Time, o Options) ([]string, WaitList) {
	reached := 0
	for _, it := range items {
		if it.Verdict == inspect.VerdictReached {
			reached++
		}
	}
	header := fmt.Sprintf("Waiting for %s: %d of %d reached, timeout %s  (Ctrl-C to stop)",
		Escape(goal.String(), false), reached, len(items), when(deadline, o))
	return []string{header}, WaitList{Items: items, O: o}
}

// WaitList is the releases of a wait's live frame as a Body: all of them
// when the terminal is tall enough; otherwise those not there yet first
// (one that cannot get there, then one waiting), and a last line counting
// the others.
type WaitList struct {
	Items []WaitItem
	O     Options
}

// Lines lays the list out in height lines (Fit cuts them to the width).
func (l WaitList) Lines(_, height int) []string {
	items := l.Items
	var hidden []WaitItem
	if len(items) > height {
		items = slices.Clone(items)
		slices.SortStableFunc(items, func(a, b WaitItem) int { return waitRank(a) - waitRank(b) })
		k := max(height-1, 0)
		items, hidden = items[:k], items[k:]
	}
	pad := 0
	for _, it := range items {
		pad = max(pad, len(it.ref()))
	}
	lines := make([]string, 0, len(items)+1)
	for _, it := range items {
		lines = append(lines, fmt.Sprintf("  %-*s  %s", pad, it.ref(), WaitLine(it, l.O)))
	}
	if len(hidden) > 0 {
		byVerdict := map[inspect.Verdict]int{}
		var order []string
		for _, it := range hidden {
			if byVerdict[it.Verdict] == 0 {
				order = append(order, string(it.Verdict))
			}
			byVerdict[it.Verdict]++
		}
		parts := make([]string, len(order))
		for i, v := range order {
			parts[i] = fmt.Sprintf("%d %s", byVerdict[inspect.Verdict(v)], v)
		}
		lines = append(lines, fmt.Sprintf("  … and %d more (%s)", len(hidden), strings.Join(parts, ", ")))
	}
	return lines
}

// waitRank orders a wait's releases for a short terminal: what cannot get
// there, then what waits, then what is there.
func waitRank(it WaitItem) int {
	switch it.Verdict {
	case inspect.VerdictReached:
		return 2
	case inspect.VerdictWaiting:
		return 1
	}
	return 0
}

// WaitReached is the line on standard output for a release that reached
// the goal: the data of the command, like kubectl wait's "condition met".
func WaitReached(w io.Writer, it WaitItem, goal inspect.Goal) error {
	_, err := fmt.Fprintf(w, "%s reached %s\n", it.ref(), Escape(goal.String(), false))
	return err
}

// WaitDone is the last line of a wait that succeeded.
func WaitDone(w io.Writer, goal inspect.Goal, n int) error {
	_, err := fmt.Fprintf(w, "All %d HelmRelease(s) reached %s.\n", n, Escape(goal.String(), false))
	return err
}

// WaitUnreachable explains why a wait gave up early: each release that
// cannot reach the goal, and its way out.
func WaitUnreachable(w io.Writer, goal inspect.Goal, items []WaitItem, o Options) error {
	var b strings.Builder
	for _, it := range items {
		if it.Verdict == inspect.VerdictGone {
			fmt.Fprintf(&b, "%s was deleted while waiting for %s.\n", it.ref(), Escape(goal.String(), false))
			continue
		}
		fmt.Fprintf(&b, "%s cannot reach %s: %s.\n", it.ref(), Escape(goal.String(), false), Escape(strings.TrimSuffix(it.Why, "."), true))
		if it.State == nil {
			continue
		}
		if steps := wayOut(*it.State, o.Command); len(steps) > 0 {
			b.WriteString("  The way out:\n")
			for _, s := range steps {
				fmt.Fprintf(&b, "    %s\n", Escape(s, false))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WaitSuperseded explains a wait --for ready whose spec was replaced, and
// how to wait for the new one, spelled with command (Options.Command).
func WaitSuperseded(w io.Writer, items []WaitItem, command string) error {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "%s: %s.\n  To wait for the new spec: %s wait %s -n %s --for ready\n",
			it.ref(), Escape(it.Why, false), commandOr(command), it.Name, it.Namespace)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WaitTimedOut lists what had not reached the goal at --timeout: each
// release's phase and next window.
func WaitTimedOut(w io.Writer, goal inspect.Goal, timeout time.Duration, items []WaitItem, o Options) error {
	var b strings.Builder
	var open []WaitItem
	for _, it := range items {
		if it.Verdict != inspect.VerdictReached {
			open = append(open, it)
		}
	}
	fmt.Fprintf(&b, "Timed out after %s waiting for %s: %d of %d HelmRelease(s) not there yet:\n",
		Human(timeout), Escape(goal.String(), false), len(open), len(items))
	for _, it := range open {
		fmt.Fprintf(&b, "  %s  %s\n", it.ref(), WaitLine(it, o))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
