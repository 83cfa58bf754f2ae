package groundtruth

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
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
		settings, err := rec.rc.settings("")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rec.rc.Releases {
			for i, s := range r.States {
				c := apimeta.FindStatusCondition(s.HR.Status.Conditions, "Reconciling")
				if c == nil || c.Status != metav1.ConditionTrue || c.Message != prologueMessage ||
					inspect.Analyze(s.HR, s.At, settings).Phase != inspect.PhaseProgressing {
					continue // not a prologue as the plugin reads it: a message left from a reconcile that ended
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
	held := 0
	var slack []time.Duration
	for _, rec := range recs {
		rows, err := prologueRows(rec.rc, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range rows {
			if x.Verdict != agree {
				t.Errorf("%s %s %s: %s, predicted %s; observed %s", rec.name, x.Scenario, x.Release, x.State, x.Predicted, x.Observed)
			}
		}
		held += len(rows)
		for _, x := range rows {
			slack = append(slack, x.SlackLate)
		}
	}
	if held == 0 {
		t.Error("no prologue followed by a whole Helm action in the kept recordings: the worker's hold is checked nowhere")
	}
	slices.Sort(slack)
	if len(slack) > 0 {
		// The hold is a bound (each hook phase at its timeout, the cache
		// wait): how far past the action's end it reaches, for the record.
		t.Logf("prologues whose worker is held through the recorded action: %d; the hold past the action's end: median %s, max %s",
			held, slack[len(slack)/2].Round(100*time.Millisecond), slack[len(slack)-1].Round(100*time.Millisecond))
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

// prologueRows checks the worker's hold inspect.Analyze gives each recorded
// prologue of a release not ready that led to a Helm action (its
// workerUntil, which the controller's load counts): the action must have
// ended, its next status patch recorded, by then plus the allowance. This
// is the end the recording shows; the worker may be held longer still (the
// cache wait), which the hold also counts, so only a hold that is too
// short fails. mutationCheck adds these rows to the replay's: the
// prologue-short mutant is caught by them.
func prologueRows(rc recording, mutant inspect.Mutant) ([]row, error) {
	s, err := rc.settings(mutant)
	if err != nil {
		return nil, err
	}
	var rows []row
	for _, r := range rc.Releases {
		for i, st := range r.States {
			c := apimeta.FindStatusCondition(st.HR.Status.Conditions, "Reconciling")
			if c == nil || c.Status != metav1.ConditionTrue || c.Message != prologueMessage ||
				apimeta.IsStatusConditionTrue(st.HR.Status.Conditions, "Ready") && st.HR.Status.ObservedGeneration == st.HR.Generation {
				continue
			}
			end, ok := actionEnd(r.States[i+1:])
			if !ok {
				continue // no action followed, or the recording ended inside it
			}
			rs := inspect.Analyze(st.HR, st.At, s)
			if rs.Phase != inspect.PhaseProgressing {
				continue // a message left from a reconcile that ended before Helm (waiting, failed): not a prologue
			}
			x := row{Scenario: r.Scenario, Release: r.Name, State: "progressing (reconcile prologue)", Offline: true,
				expectation: "prologue-hold", stateIdx: i}
			x.Observed = fmt.Sprintf("its Helm action ended at %+.1fs", end.Sub(st.At).Seconds())
			x.Verdict = disagree
			if rs.WorkerUntil != nil {
				x.Predicted = fmt.Sprintf("worker held until %+.1fs", rs.WorkerUntil.Sub(st.At).Seconds())
				x.SlackLate = rs.WorkerUntil.Sub(end) // how much longer the hold is than the action shown
				if !end.After(rs.WorkerUntil.Add(allowance)) {
					x.Verdict = agree
				}
			} else {
				x.Predicted = "no worker held"
			}
			rows = append(rows, x)
		}
	}
	return rows, nil
}

// actionEnd is when the Helm action after a prologue ended: the first
// recorded state after its "Running '<action>'" states that says something
// else (the failure or success patch). ok is false when no action follows
// the prologue or the recording ends inside it.
func actionEnd(after []state) (time.Time, bool) {
	running := ""
	for _, s := range after {
		c := apimeta.FindStatusCondition(s.HR.Status.Conditions, "Reconciling")
		msg := ""
		if c != nil {
			msg = c.Message
		}
		switch {
		case running == "" && msg == prologueMessage:
		case running == "" && strings.HasPrefix(msg, "Running '"):
			running = msg
		case running == "":
			return time.Time{}, false // ended before Helm
		case msg != running:
			return s.At, true
		}
	}
	return time.Time{}, false
}
