package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/trigger"
)

// ForceResult writes one line for one object's outcome.
func ForceResult(w io.Writer, r trigger.Result, o Options) error {
	pal := palette{on: o.Color}
	msg := r.Message
	if r.Err != nil {
		msg = r.Err.Error()
	}
	_, err := fmt.Fprintf(w, "%s/%s  %s  %s\n", r.Namespace, r.Name, pal.phase(outcomePhase(r.Outcome), string(r.Outcome)),
		Escape(firstLine(msg), false))
	return err
}

// outcomePhase borrows the phase colours for outcomes.
func outcomePhase(o trigger.Outcome) inspect.Phase {
	switch o {
	case trigger.OutcomeReady, trigger.OutcomePatched, trigger.OutcomeDryRun:
		return inspect.PhaseReady
	case trigger.OutcomeNotHonoured, trigger.OutcomeTimedOut:
		return inspect.PhaseRetrying
	case trigger.OutcomeRefused:
		return inspect.PhaseSuspended
	}
	return inspect.PhaseStalled
}

// ForceSummary counts outcomes: "3 HelmRelease(s): 1 ready, 1 failed, 1 not-honoured".
func ForceSummary(results []trigger.Result) string {
	order := []trigger.Outcome{trigger.OutcomeReady, trigger.OutcomePatched, trigger.OutcomeDryRun, trigger.OutcomeNotHonoured,
		trigger.OutcomeFailed, trigger.OutcomeStalled, trigger.OutcomeTimedOut, trigger.OutcomeRefused, trigger.OutcomeError}
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
