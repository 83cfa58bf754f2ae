package groundtruth

import (
	"strings"
	"testing"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestProloguesLeadToActions is the evidence for inspect's prologueHold,
// read from the real controller's kept recordings: a reconcile that begins
// ("Fulfilling prerequisites") for a release that is not ready for its spec
// goes on to a Helm action ("Running '<action>' ...") in the same reconcile,
// or ends before Helm (a dependency not ready, values missing: the
// condition is left as it was, or removed), never to anything else. So its
// worker is held at most through the action: the bound prologueHold gives.
// It fails when no recording shows a prologue leading to an action (the
// rule would rest on nothing) or when one leads elsewhere. Ready releases
// are only counted: theirs lead to an action when something outside the
// object changed (a new chart, deleted storage, drift), which the object
// does not show, and prologueHold counts them as in sync.
func TestProloguesLeadToActions(t *testing.T) {
	recs, err := kept()
	if err != nil {
		t.Fatal(err)
	}
	var toAction, beforeHelm, readyQuiet, readyAction int
	for _, rec := range recs {
		for _, r := range rec.rc.Releases {
			for i, s := range r.States {
				c := apimeta.FindStatusCondition(s.HR.Status.Conditions, "Reconciling")
				if c == nil || c.Status != metav1.ConditionTrue || c.Message != prologueMessage {
					continue
				}
				next, ended := nextReconcilingWord(r.States[i+1:])
				ready := apimeta.IsStatusConditionTrue(s.HR.Status.Conditions, "Ready") &&
					s.HR.Status.ObservedGeneration == s.HR.Generation
				action := strings.HasPrefix(next, "Running '")
				switch {
				case ready && action:
					readyAction++
				case ready:
					readyQuiet++
				case action:
					toAction++
				case ended:
					beforeHelm++
				default:
					t.Errorf("%s %s/%s: the prologue at %s of a release not ready led to %q: neither a Helm action nor an end",
						rec.name, r.Namespace, r.Name, s.At.Format("15:04:05.000"), next)
				}
			}
		}
	}
	if toAction == 0 {
		t.Error("no prologue of a release not ready led to a Helm action in the kept recordings: nothing shows the rule")
	}
	t.Logf("prologues of releases not ready: %d led to a Helm action, %d ended before Helm; of ready ones %d led to none, %d to an action",
		toAction, beforeHelm, readyQuiet, readyAction)
}

// prologueMessage is the Reconciling message a reconcile begins with.
const prologueMessage = "Fulfilling prerequisites"

// nextReconcilingWord is the first Reconciling message after a prologue
// that says something else; ended: there is none (the condition was
// removed, or left as it was until the recording ended).
func nextReconcilingWord(states []state) (string, bool) {
	for _, s := range states {
		c := apimeta.FindStatusCondition(s.HR.Status.Conditions, "Reconciling")
		if c == nil {
			return "", true
		}
		if c.Message != prologueMessage {
			return c.Message, false
		}
	}
	return "", true
}
