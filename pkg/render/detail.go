package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Detail writes the view of one HelmRelease: what happened, what happens
// next and when, the way out, the warnings, the recent history and the
// conditions.
func Detail(w io.Writer, st inspect.RetryState, o Options) error {
	pal := palette{on: o.Color}
	b := &strings.Builder{}
	section := func(title string) { fmt.Fprintf(b, "\n%s\n", pal.bold(title)) }
	field := func(k, v string) { fmt.Fprintf(b, "  %-13s %s\n", k+":", v) }

	fmt.Fprintf(b, "%s %s/%s  %s\n", pal.bold("HelmRelease"), st.Namespace, st.Name, pal.phase(st.Phase, strings.ToUpper(string(st.Phase))))

	section("What happened")
	field("Summary", Escape(st.Summary, false))
	field("Ready", readyText(st))
	if st.Message != "" {
		field("Message", indent(Escape(strings.TrimSpace(st.Message), true), 16))
	}
	if st.Stuck {
		field("Stuck", pal.phase(inspect.PhaseStalled, Escape(st.StuckReason, false)))
	}
	if st.Release.Chart != "" {
		field("Release", Escape(fmt.Sprintf("%s@%s, revision %d", st.Release.Chart, st.Release.Version, st.Release.Revision), false))
	}
	if st.Release.AttemptedVersion != "" && st.Release.AttemptedVersion != st.Release.Version {
		field("Attempted", Escape(st.Release.AttemptedVersion, false))
	}

	section("Strategy")
	if c := st.Controller; c != nil {
		field("Controller", controllerText(*c))
	}
	field("In force", strategyLine(st))
	field("Failures", failuresLine(st.Failures))
	if st.Remediation.Strategy != "" {
		field("Remediation", remediationLine(st.Remediation))
	}

	section("Next")
	field("Action", string(st.Next.Action))
	if st.Next.Earliest != nil && st.Next.Latest != nil {
		field("When", detailWindow(st.Next, o))
	}
	if or, ok := orNext(st.Next); ok {
		field("Or", detailWindow(or, o)+", "+Escape(st.Next.Or.If, false))
	}
	if st.Next.Bound != "" {
		field("Bound", Escape(st.Next.Bound, false))
	}
	if st.Next.LoadNote != "" {
		field("Load", Escape(st.Next.LoadNote, false))
	}
	if a := st.Next.Anchor; a != nil {
		field("Anchored on", fmt.Sprintf("%s/%s at %s", a.Condition, a.Reason, stamp(a.Time)))
	}
	field("Why", Escape(st.Next.Why, false))

	if way := wayOut(st, o.Command); len(way) > 0 {
		section("Way out")
		for _, s := range way {
			fmt.Fprintf(b, "  %s\n", Escape(s, false))
		}
	}
	if len(st.Warnings) > 0 {
		section("Warnings")
		for _, wn := range st.Warnings {
			fmt.Fprintf(b, "  ! %s\n", indent(Escape(wn.Message, false), 4))
		}
	}
	writeRisks(b, st, pal.bold, "\n%s\n")
	writeHistory(b, st, o, section)
	writeConditions(b, st, o, section)
	_, err := io.WriteString(w, b.String())
	return err
}

func readyText(st inspect.RetryState) string {
	if st.Reason == "" {
		return st.Ready
	}
	return st.Ready + " (" + Escape(st.Reason, false) + ")"
}

func strategyLine(st inspect.RetryState) string {
	s := st.Strategy
	line := fmt.Sprintf("%s for %s (from %s)", s.Name, s.Action, s.Source)
	if s.RetryInterval > 0 {
		line += ", retry interval " + s.RetryInterval.String()
	}
	return line
}

func failuresLine(f inspect.Failures) string {
	line := fmt.Sprintf("%d counted, %s allowed", f.Count, f.AllowedText())
	if f.Exhausted {
		line += ", retries exhausted"
	}
	return line + fmt.Sprintf("; %d failed reconcile(s) in a row", f.Total)
}

func remediationLine(r inspect.Remediation) string {
	line := r.Strategy
	switch {
	case r.Done:
		line += ", already done for the last failure"
	case r.Next == inspect.ActionRollback && r.ToRevision > 0:
		line += fmt.Sprintf(", next: roll back to revision %d", r.ToRevision)
	case r.Next != inspect.ActionNone:
		line += ", next: " + string(r.Next)
	default:
		line += ", none pending"
	}
	return line
}

// detailWindow shows both the relative and the absolute form on a terminal.
func detailWindow(n inspect.Next, o Options) string {
	abs := windowText(n, Options{Now: o.Now})
	prefix := ""
	if n.Overdue {
		prefix = "overdue, "
	}
	if !o.Relative {
		return prefix + abs
	}
	return prefix + windowText(n, o) + "  (" + abs + ")"
}

func writeHistory(b *strings.Builder, st inspect.RetryState, o Options, section func(string)) {
	if len(st.History) == 0 {
		return
	}
	section("History")
	for _, h := range st.History {
		at := "-"
		if h.LastDeployed != nil {
			at = when(*h.LastDeployed, o)
		}
		fmt.Fprintf(b, "  %-4d %-12s %-9s %s  %s\n", h.Revision, Escape(h.Status, false), Escape(orDash(h.Action), false),
			Escape(h.Chart+"@"+h.ChartVersion, false), at)
	}
}

func writeConditions(b *strings.Builder, st inspect.RetryState, o Options, section func(string)) {
	if len(st.Conditions) == 0 {
		return
	}
	section("Conditions")
	for _, c := range st.Conditions {
		fmt.Fprintf(b, "  %-12s %-7s %-22s %s  %s\n", Escape(c.Type, false), Escape(c.Status, false), Escape(c.Reason, false),
			when(c.LastTransitionTime, o), Escape(firstLine(c.Message), false))
	}
}

// indent continues a multi-line value under its first line.
func indent(s string, n int) string {
	return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", n))
}

// controllerText names the controller that judges the release: its
// Deployment and version, "flux-system/helm-controller (v1.6.4)".
func controllerText(c inspect.Owner) string {
	if c.Version == "" {
		return Escape(c.Name, false)
	}
	return Escape(c.Name+" ("+c.Version+")", false)
}
