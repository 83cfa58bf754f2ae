package groundtruth

import (
	"encoding/json"
	"fmt"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// allowance is added to the end of every predicted window: the observed
// time of an attempt is when its first status patch reached this test's
// watch, which is later than the controller's requeue by the cache-sync poll
// the controller runs after patching (up to 1 s, helm-controller's
// waitForHistoryCacheSync), its reconcile prologue and the watch delivery on
// a loaded 2-core machine. Nothing is added to the start of a window: an
// observation can only be late.
const allowance = 2500 * time.Millisecond

// minQuiet is how long "nothing happens next" must be observed to count.
const minQuiet = 20 * time.Second

// Verdicts.
const (
	agree      = "agree"
	disagree   = "DISAGREE"
	superseded = "superseded" // the test changed the release or its source first
	unresolved = "unresolved" // the recording ended before the window did
)

// row is one prediction checked against what the controller did next.
type row struct {
	Scenario, Release string
	State             string // the plugin's phase (and Ready reason) for the state it saw
	Predicted         string // next action and window, in seconds after the state was observed
	Observed          string
	Verdict           string
	Detail            string // for a disagreement: the object's status and the plugin's output
}

// expectation: whenever the release is in a state matching Match, the
// plugin must report Phase and Action (the controller's behaviour in that
// state is known from its code and from the measurements).
type expectation struct {
	Desc    string
	Match   func(*v2.HelmRelease) bool
	Phase   inspect.Phase
	Action  inspect.Action
	Warning string // a warning code the plugin must give too, if set
	// WithRequest: it also holds while a reconcile request is pending (a
	// force the controller has not picked up yet); most expectations are
	// about what the controller does unasked.
	WithRequest bool
}

// verdicts checks every prediction of a resting state (the plugin says the
// controller is waiting: retrying, remediating, waiting, failed, ready, or
// doing nothing: stalled, suspended) against the next observed attempt.
// Predictions of a running action are not checked: they are about the end
// of the attempt under way, not the next one.
func (r *recorder) verdicts(scenario string, expect []expectation) []row {
	r.mu.Lock()
	defer r.mu.Unlock()
	attempts := attemptsOf(r.states, r.depChecks)
	var rows []row
	checked := map[int]bool{}
	for _, p := range r.preds {
		if checked[p.State] {
			continue
		}
		checked[p.State] = true
		s := r.states[p.State]
		base := row{Scenario: scenario, Release: r.name, State: stateText(p.RS)}
		if p.Offline {
			base.State += ", force pending (inspect.Analyze)"
		}
		for _, e := range expect {
			if (e.WithRequest || !requestPending(s.HR)) && e.Match(s.HR) && (p.RS.Phase != e.Phase || p.RS.Next.Action != e.Action || !warns(p.RS, e.Warning)) {
				x := base
				x.Predicted = fmt.Sprintf("phase %s, next %s, warnings %v", p.RS.Phase, p.RS.Next.Action, warningCodes(p.RS))
				x.Observed = fmt.Sprintf("%s: want phase %s, next %s", e.Desc, e.Phase, e.Action)
				if e.Warning != "" {
					x.Observed += ", warning " + e.Warning
				}
				rows = append(rows, r.disagreement(x, s, p))
			}
		}
		switch p.RS.Phase {
		case inspect.PhaseProgressing, inspect.PhasePending, inspect.PhaseDeleting:
			continue
		}
		rows = append(rows, r.check(base, s, p, attempts))
	}
	return rows
}

// check compares one prediction with the first attempt after it.
func (r *recorder) check(x row, s state, p prediction, attempts []attempt) row {
	after := s.At
	if p.Ran.After(after) {
		after = p.Ran
	}
	var next *attempt
	for i := range attempts {
		if attempts[i].At.After(after) {
			next = &attempts[i]
			break
		}
	}
	end := r.ended
	for _, iv := range r.interventions {
		if iv.Supersedes && iv.At.After(s.At) && (next == nil || iv.At.Before(next.At)) {
			x.Predicted, x.Observed, x.Verdict = predictedText(p.RS, s.At), iv.What, superseded
			return x
		}
	}
	x.Predicted = predictedText(p.RS, s.At)
	if p.RS.Next.Action == inspect.ActionNone {
		if next != nil && next.At.Before(end) {
			x.Observed = fmt.Sprintf("%s at %s", next.Action, offset(next.At, s.At))
			return r.disagreement(x, s, p)
		}
		quiet := end.Sub(s.At)
		x.Observed = fmt.Sprintf("nothing for %.0fs", quiet.Seconds())
		x.Verdict = agree
		if quiet < minQuiet {
			x.Verdict = unresolved
		}
		return x
	}
	if next == nil {
		x.Observed = fmt.Sprintf("nothing by %s", offset(end, s.At))
		x.Verdict = unresolved
		if p.RS.Next.Latest != nil && end.After(p.RS.Next.Latest.Add(allowance)) {
			x.Verdict = disagree
			return r.disagreement(x, s, p)
		}
		return x
	}
	x.Observed = fmt.Sprintf("%s at %s", next.Action, offset(next.At, s.At))
	if next.Open {
		x.Observed, x.Verdict = fmt.Sprintf("an attempt at %s, action not seen", offset(next.At, s.At)), unresolved
		return x
	}
	want := p.RS.Next.Action
	actionOK := want == inspect.ActionReconcile || want == inspect.ActionRecheck || string(want) == next.Action
	inWindow := p.RS.Next.Earliest == nil || p.RS.Next.Latest == nil ||
		(!next.At.Before(*p.RS.Next.Earliest) && !next.At.After(p.RS.Next.Latest.Add(allowance)))
	if actionOK && inWindow {
		x.Verdict = agree
		return x
	}
	return r.disagreement(x, s, p)
}

func (r *recorder) disagreement(x row, s state, p prediction) row {
	status, _ := json.MarshalIndent(struct {
		Generation int64                `json:"generation"`
		Spec       v2.HelmReleaseSpec   `json:"spec"`
		Status     v2.HelmReleaseStatus `json:"status"`
	}{s.HR.Generation, s.HR.Spec, s.HR.Status}, "", "  ")
	x.Verdict = disagree
	x.Detail = fmt.Sprintf("observed at %s:\n%s\nplugin output (started %s):\n%s",
		s.At.Format(time.RFC3339Nano), status, p.Ran.Format(time.RFC3339Nano), p.JSON)
	return x
}

// requestPending: the release carries a reconcile request (requestedAt)
// the controller has not handled yet; it acts on it at once.
func requestPending(hr *v2.HelmRelease) bool {
	token := hr.Annotations[inspect.AnnotationRequestedAt]
	return token != "" && token != hr.Status.LastHandledReconcileAt
}

func stateText(rs inspect.RetryState) string {
	if rs.Reason == "" {
		return string(rs.Phase)
	}
	return fmt.Sprintf("%s (%s)", rs.Phase, rs.Reason)
}

func predictedText(rs inspect.RetryState, at time.Time) string {
	n := rs.Next
	if n.Earliest == nil || n.Latest == nil {
		return string(n.Action)
	}
	return fmt.Sprintf("%s in [%s, %s]", n.Action, offset(*n.Earliest, at), offset(*n.Latest, at))
}

func offset(t, from time.Time) string {
	return fmt.Sprintf("%+.1fs", t.Sub(from).Seconds())
}

func warns(rs inspect.RetryState, code string) bool {
	if code == "" {
		return true
	}
	for _, w := range rs.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

func warningCodes(rs inspect.RetryState) []string {
	var out []string
	for _, w := range rs.Warnings {
		out = append(out, w.Code)
	}
	return out
}
