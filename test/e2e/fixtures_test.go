package e2e

import (
	"context"
	"testing"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/hrretry/kubectl-hrretry/test/fixtures"
)

// TestFixturesAsStored reads the seeded objects back: the API server
// (CRD schema, defaulting, pruning) must have kept the status the fixtures
// wrote, or every other test would be testing something else.
func TestFixturesAsStored(t *testing.T) {
	h := env(t)
	ctx := context.Background()
	for _, r := range fixtures.Fleet() {
		var hr v2.HelmRelease
		if err := h.admin.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: r.Name}, &hr); err != nil {
			t.Fatal(err)
		}
		st := hr.Status
		name := r.Namespace + "/" + r.Name
		if r.State == fixtures.NeverReconciled {
			// The CRD defaults status to {observedGeneration: -1}.
			if len(st.Conditions) != 0 || st.ObservedGeneration != -1 {
				t.Errorf("%s: never reconciled, yet conditions %v, observedGeneration %d", name, st.Conditions, st.ObservedGeneration)
			}
			continue
		}
		if len(st.Conditions) < 2 {
			t.Errorf("%s: %d conditions stored, want Ready and more", name, len(st.Conditions))
		}
		for _, c := range st.Conditions {
			if c.LastTransitionTime.After(h.seededAt) || c.Message == "" || c.ObservedGeneration == 0 {
				t.Errorf("%s: condition %s: lastTransitionTime %s (seeded %s), message %q, observedGeneration %d",
					name, c.Type, c.LastTransitionTime, h.seededAt, c.Message, c.ObservedGeneration)
			}
		}
		// Stories that never finished a reconcile keep the CRD's -1.
		wantObserved := hr.Generation
		switch r.State {
		case fixtures.WaitingDependency, fixtures.ValuesError:
			wantObserved = -1
		case fixtures.Remediating, fixtures.InProgress:
			wantObserved = 1 // the spec change to generation 2 is not observed yet
		case fixtures.Deleting:
			wantObserved = 1 // deletion moved the generation after the last reconcile
		}
		if st.ObservedGeneration != wantObserved {
			t.Errorf("%s (%s): observedGeneration %d, want %d (generation %d)", name, r.State, st.ObservedGeneration, wantObserved, hr.Generation)
		}
		for i, s := range st.History {
			if s.Digest == "" || s.FirstDeployed.IsZero() || (i > 0 && s.Version >= st.History[i-1].Version) {
				t.Errorf("%s: history[%d] = %+v: want digest, firstDeployed, newest first", name, i, s)
			}
		}
	}
}
