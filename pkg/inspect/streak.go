package inspect

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// failingSince is the earliest time the object shows the current failure
// streak began, and what shows it. Nothing is failing when the phase is
// ready, progressing without a failure, pending, suspended or deleting.
//   - history: the oldest failed snapshot since the last successful install
//     or upgrade; Helm stamps a release with the time its action began.
//   - Released: False keeps the time of the streak's first failure while
//     every attempt fails the same way (fluxcd/pkg/runtime conditions.Set
//     moves lastTransitionTime only when status, reason or message change).
//   - Ready: False since then, at the latest.
func (o *observation) failingSince(st *RetryState) (*time.Time, string) {
	failing := st.Phase.Failing() || (st.Phase == PhaseProgressing && o.ready != nil && o.ready.Status == metav1.ConditionFalse)
	if !failing {
		return nil, ""
	}
	if st.Phase == PhasePending || st.Phase == PhaseDeleting {
		return nil, ""
	}
	var since *time.Time
	source := ""
	consider := func(t time.Time, from string) {
		if !t.IsZero() && (since == nil || t.Before(*since)) {
			since, source = ptr(t), from
		}
	}
	for _, h := range o.history {
		if releaseAction(h.Action) && h.Status != "failed" {
			break
		}
		if h.Status == "failed" {
			consider(h.LastDeployed.Time, "history")
		}
	}
	for _, c := range o.hr.Status.Conditions {
		if (c.Type == "Released" || c.Type == "Ready") && c.Status == metav1.ConditionFalse {
			consider(c.LastTransitionTime.Time, c.Type)
		}
	}
	return since, source
}
