package render

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
	"github.com/hrretry/kubectl-hrretry/pkg/trigger"
)

// TestGoldenForce pins everything `force` prints: the plan (dry run and
// real), one result line per outcome, and the summary, on a terminal and
// piped. A failed attempt's next window must read as `status` reads it.
func TestGoldenForce(t *testing.T) {
	const token = "2026-11-23T12:00:00.123456789Z"
	targets := []trigger.Target{
		{Namespace: "apps", Name: "web", Phase: inspect.PhaseRetrying},
		{Namespace: "apps", Name: "paused", Suspended: true, Phase: inspect.PhaseSuspended},
		{Namespace: "apps", Name: "gone", Phase: inspect.PhaseDeleting},
		{Namespace: "db", Name: "pg", Phase: inspect.PhaseStalled},
	}
	plans := []trigger.Plan{
		trigger.NewPlan(targets, trigger.Request{Token: token, Force: true}),
		trigger.NewPlan(targets, trigger.Request{Token: token, Force: true, Reset: true, Resume: true}),
		trigger.NewPlan(targets[:1], trigger.Request{Token: token}),
	}
	fx := states(t, "ready", "retrying-upgrade", "retrying-overdue", "stalled-retries-exceeded", "force-not-honoured")
	results := []trigger.Result{
		{Namespace: "apps", Name: "ready", Outcome: trigger.OutcomeReady, Message: "Helm upgrade succeeded", State: &fx[0]},
		{Namespace: "apps", Name: "retrying-upgrade", Outcome: trigger.OutcomeFailed, Message: fx[1].Message, State: &fx[1]},
		{Namespace: "apps", Name: "retrying-overdue", Outcome: trigger.OutcomeFailed, Message: "line one\nline two", State: &fx[2]},
		{Namespace: "apps", Name: "stalled", Outcome: trigger.OutcomeStalled, Message: "Failed to upgrade after 3 attempt(s)", State: &fx[3]},
		{Namespace: "apps", Name: "waiting", Outcome: trigger.OutcomeNotHonoured, Message: "handled as a plain reconcile", State: &fx[4]},
		{Namespace: "apps", Name: "slow", Outcome: trigger.OutcomeTimedOut, Message: "the controller did not finish handling the request within 5m0s"},
		{Namespace: "apps", Name: "paused", Outcome: trigger.OutcomeRefused, Message: "suspended"},
		{Namespace: "apps", Name: "sent", Outcome: trigger.OutcomePatched, Message: "request sent"},
		{Namespace: "apps", Name: "hostile", Outcome: trigger.OutcomeError, Err: errors.New("denied \x1b]52;c;Y3VybA==\x07\x1b[2J")},
	}
	for _, mode := range []struct {
		name string
		o    Options
	}{{"tty", tty}, {"piped", piped}} {
		t.Run(mode.name, func(t *testing.T) {
			var b bytes.Buffer
			for _, p := range plans {
				if err := ForcePlan(&b, p, true); err != nil {
					t.Fatal(err)
				}
				if err := ForcePlan(&b, p, false); err != nil {
					t.Fatal(err)
				}
			}
			for _, r := range results {
				if err := ForceResult(&b, r, mode.o); err != nil {
					t.Fatal(err)
				}
			}
			b.WriteString(ForceSummary(results) + "\n")
			if strings.Contains(sgr.ReplaceAllString(b.String(), ""), "\x1b") {
				t.Errorf("a raw escape sequence reached the output:\n%q", b.String())
			}
			golden(t, "force-"+mode.name+".golden", b.Bytes())
		})
	}
}

// TestForceWindowIsStatusWindow: the window after "next:" is the NEXT
// column of the table, whatever the mode.
func TestForceWindowIsStatusWindow(t *testing.T) {
	st := states(t, "retrying-upgrade")[0]
	r := trigger.Result{Namespace: st.Namespace, Name: st.Name, Outcome: trigger.OutcomeFailed, Message: "boom", State: &st}
	for _, o := range []Options{tty, piped} {
		o.Color = false
		var b bytes.Buffer
		if err := ForceResult(&b, r, o); err != nil {
			t.Fatal(err)
		}
		want := "apps/retrying-upgrade  failed  boom; next: " + nextText(st, o) + "\n"
		if b.String() != want {
			t.Errorf("relative=%v: got %q, want %q", o.Relative, b.String(), want)
		}
	}
}
