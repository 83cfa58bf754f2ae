package render

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/trigger"
)

// ForcePlan writes the plan, one line per object, before anything is
// patched: the request it sends, or with dryRun what it would patch.
func ForcePlan(w io.Writer, p trigger.Plan, dryRun bool) error {
	var b strings.Builder
	if dryRun {
		fmt.Fprintf(&b, "Would patch %d of %d HelmRelease(s) (dry run, nothing sent):\n", p.Patched(), len(p.Items))
	} else {
		fmt.Fprintf(&b, "Requesting %s (token %s) for %d HelmRelease(s):\n", requestText(p.Request), p.Request.Token, p.Patched())
	}
	keys := annotationKeys(p)
	for _, it := range p.Items {
		if it.Refused != "" {
			fmt.Fprintf(&b, "  skip   %s/%s: %s\n", it.Namespace, it.Name, it.Refused)
			continue
		}
		extra := ""
		if strings.Contains(string(it.Patch), `"suspend":false`) {
			extra = ", spec.suspend=false"
		}
		fmt.Fprintf(&b, "  patch  %s/%s: %s=%s%s\n", it.Namespace, it.Name, keys, p.Request.Token, extra)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func requestText(r trigger.Request) string {
	switch {
	case r.Reset && r.Force:
		return "a forced reconcile with reset"
	case r.Reset:
		return "a reconcile with reset"
	case r.Force:
		return "a forced reconcile"
	}
	return "a reconcile"
}

// annotationKeys names what every patch sets: "forceAt,requestedAt".
func annotationKeys(p trigger.Plan) string {
	if len(p.Items) == 0 {
		return ""
	}
	keys := make([]string, 0, 3)
	for k := range p.Items[0].Annotations {
		keys = append(keys, strings.TrimPrefix(k, "reconcile.fluxcd.io/"))
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// ForceResult writes one line for one object's outcome. A failed attempt
// ends with the next one, its window written as the NEXT column of
// `status` writes it: relative on a terminal, absolute when piped.
func ForceResult(w io.Writer, r trigger.Result, o Options) error {
	pal := palette{on: o.Color}
	msg := r.Message
	if r.Err != nil {
		msg = r.Err.Error()
	}
	msg = firstLine(msg)
	if st := r.State; r.Outcome == trigger.OutcomeFailed && st != nil && st.Next.Earliest != nil && st.Next.Latest != nil {
		msg += "; next: " + nextText(*st, o)
	}
	_, err := fmt.Fprintf(w, "%s/%s  %s  %s\n", r.Namespace, r.Name, pal.phase(outcomePhase(r.Outcome), string(r.Outcome)),
		Escape(msg, false))
	return err
}

// outcomePhase borrows the phase colours for outcomes.
func outcomePhase(o trigger.Outcome) inspect.Phase {
	switch o {
	case trigger.OutcomeReady, trigger.OutcomePatched, trigger.OutcomeDryRun:
		return inspect.PhaseReady
	case trigger.OutcomeNotHonoured, trigger.OutcomeTimedOut, trigger.OutcomeBlocked:
		return inspect.PhaseRetrying
	case trigger.OutcomeRefused:
		return inspect.PhaseSuspended
	}
	return inspect.PhaseStalled
}

// ForceSummary counts outcomes: "3 HelmRelease(s): 1 ready, 1 failed, 1 not-honoured".
func ForceSummary(results []trigger.Result) string {
	order := []trigger.Outcome{trigger.OutcomeReady, trigger.OutcomePatched, trigger.OutcomeDryRun, trigger.OutcomeNotHonoured,
		trigger.OutcomeFailed, trigger.OutcomeStalled, trigger.OutcomeTimedOut, trigger.OutcomeBlocked, trigger.OutcomeRefused, trigger.OutcomeError}
	counts := map[trigger.Outcome]int{}
	for _, r := range results {
		counts[r.Outcome]++
	}
	var parts []string
	for _, o := range order {
		if counts[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[o], o))
		}
	}
	return fmt.Sprintf("%d HelmRelease(s): %s", len(results), strings.Join(parts, ", "))
}
