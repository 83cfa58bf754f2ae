package groundtruth

import (
	"encoding/json"
	"fmt"
	"slices"
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
	midPatch   = "mid-patch"  // the first half of one controller patch (see tornAt)
)

// row is one prediction checked against what the controller did next.
type row struct {
	Scenario, Release string
	State             string // the plugin's phase (and Ready reason) for the state it saw
	Predicted         string // next action and window, in seconds after the state was observed
	Observed          string
	Verdict           string
	Detail            string // for a disagreement: the object's status and the plugin's output
	// undecided: unresolved because the attempt's action was not seen or
	// "nothing next" was not watched long enough; such a row does not count
	// as agreeing with an expectation.
	undecided bool
	// The window's rule and bound (next.rule, next.bound), its width, and
	// the slack the observed step left at each end (step − earliest,
	// latest − step); HasWidth when the row has a window and a step.
	Rule, Bound           string
	Queued                bool
	HasWidth              bool
	Width, Budget         time.Duration
	SlackEarly, SlackLate time.Duration
	// Offline: the prediction is inspect.Analyze's on the recorded object
	// at the time the watch saw it, not the binary's.
	Offline bool
	// beforeWindow: superseded, or the recording ended, before the
	// window opened.
	beforeWindow bool
	// expectation: the row is about this expectation, not the window.
	expectation string
	// What identifies the prediction across replays (mutantResult).
	stateIdx int
	ran      time.Time
	listed   bool
}

// verdicts checks every prediction of a resting state (the plugin says the
// controller is waiting: retrying, remediating, waiting, failed, ready, or
// doing nothing: stalled, suspended) against the next observed attempt, and
// every prediction against the expectations of the state it saw. It returns
// the rows and, per expectation, its tally.
// Predictions of a running action are not compared with the next attempt:
// they are about the end of the attempt under way, not the next one; unless
// a reconcile request is pending, which the controller handles (in a new
// reconcile) once the running one ends: then the next attempt is the
// request's, and it is checked.
func (r *recorder) verdicts(scenario string, expect []expectation) ([]row, []tally) {
	r.mu.Lock()
	defer r.mu.Unlock()
	attempts := attemptsOf(r.states, r.depChecks, r.errLogs)
	steps := stepsOf(r.states, attempts)
	var rows []row
	tallies := make([]tally, len(expect))
	checked := map[[2]int]bool{}
	for _, p := range r.preds {
		if !p.Polled && !p.Listed {
			// One binary run and one offline analysis per state.
			key := [2]int{p.State, 0}
			if p.Offline {
				key[1] = 1
			}
			if checked[key] {
				continue
			}
			checked[key] = true
		}
		s := r.states[p.State]
		base := row{Scenario: scenario, Release: r.name, State: stateText(p.RS), Offline: p.Offline,
			stateIdx: p.State, ran: p.Ran, listed: p.Listed}
		switch {
		case p.Offline && requestPending(s.HR):
			base.State += ", request pending (inspect.Analyze)"
		case p.Offline:
			base.State += " (inspect.Analyze)"
		case p.Polled:
			base.State += fmt.Sprintf(", polled at %s", offset(p.Ran, s.At))
		case p.Listed && p.RS.Next.Queued:
			base.State += fmt.Sprintf(", listed at %s, queued", offset(p.Ran, s.At))
		case p.Listed:
			base.State += fmt.Sprintf(", listed at %s", offset(p.Ran, s.At))
		}
		if tornAt(r.states, p.State) {
			if p.Offline || (!windowChecked(p, s, attempts) && !slices.ContainsFunc(expect, func(e expectation) bool { return e.applies(s.HR) })) {
				continue // it would not have been checked anyway
			}
			x := base
			x.Predicted, x.Observed, x.Verdict = predictedText(p.RS, s.At), "the rest of the status arrived "+
				offset(r.states[p.State+1].At, s.At), midPatch
			rows = append(rows, x)
			continue
		}
		var next *row
		switch {
		case runningChecked(p, s, attempts):
			x := r.checkRunning(base, s, p)
			rows = append(rows, x)
			next = &x
		case windowChecked(p, s, attempts):
			x := r.check(base, s, p, steps)
			rows = append(rows, x)
			next = &x
		}
		for i, e := range expect {
			if !e.applies(s.HR) {
				continue
			}
			tallies[i].matched++
			if why := e.wrong(s.HR, p); why != "" {
				x := base
				x.Predicted = fmt.Sprintf("phase %s, next %s, warnings %v", p.RS.Phase, predictedText(p.RS, s.At), warningCodes(p.RS))
				x.Observed, x.expectation = e.Desc+": "+why, e.Desc
				rows = append(rows, r.disagreement(x, s, p))
				continue
			}
			if next == nil {
				// Not compared with the next attempt (a running action): the
				// row shows the expectation it met.
				x := base
				x.Predicted, x.Observed, x.Verdict = predictedText(p.RS, s.At), "as expected: "+e.Desc, agree
				rows = append(rows, x)
			}
			// Agreeing: the window held (agree), or the test changed the
			// release or the recording ended before the window opened,
			// nothing having happened. A window the test superseded once
			// open, or the recording ended inside, is not a resolved
			// agreement.
			if next == nil || next.Verdict == agree || ((next.Verdict == superseded || next.Verdict == unresolved) && next.beforeWindow) {
				tallies[i].agreed++
			}
		}
	}
	return rows, tallies
}

// check compares one prediction with the first step after it (see
// stepsOf): the action must be the predicted one and start inside the
// window (both ends checked; an action without both ends is a
// disagreement).
func (r *recorder) check(x row, s state, p prediction, attempts []attempt) row {
	after := s.At
	if p.Ran.After(after) {
		after = p.Ran
	}
	var next *attempt
	for i := range attempts {
		// An error line logged just after the state is the end of the
		// reconcile that wrote it (a failure before Helm whose start the
		// watch did not see: a force's reconcile changes only
		// lastHandledReconcileAt), not the next one; unless the state
		// shows a request that reconcile is about to handle.
		if attempts[i].At.After(after) && (attempts[i].Via != "error-log" || attempts[i].At.Sub(s.At) >= errorMerge || requestPending(s.HR)) {
			next = &attempts[i]
			break
		}
	}
	end := r.ended
	n := p.RS.Next
	if n.Action != inspect.ActionNone && (n.Earliest == nil || n.Latest == nil) {
		x.Predicted, x.Observed = predictedText(p.RS, s.At), "a scheduled action needs a window with both ends"
		if next != nil {
			x.Observed += fmt.Sprintf("; %s at %s", next.Action, offset(next.At, s.At))
		}
		return r.disagreement(x, s, p)
	}
	outOfBand := false
	for _, iv := range r.interventions {
		if iv.Supersedes && iv.supersedes(s) && (next == nil || iv.At.Before(next.At)) {
			x.Predicted, x.Observed, x.Verdict = predictedText(p.RS, s.At), iv.What, superseded
			if n.Action == inspect.ActionNone && iv.At.Sub(s.At) >= minQuiet {
				// "Nothing next" held as long as it must to count.
				x.Observed, x.Verdict = fmt.Sprintf("nothing for %.0fs (then: %s)", iv.At.Sub(s.At).Seconds(), iv.What), agree
				return x
			}
			// Before the window opened, nothing happening was all the
			// prediction said of the time observed: resolved that far.
			x.beforeWindow = n.Earliest != nil && iv.At.Before(*n.Earliest)
			// Superseded only if the window was still open: nothing
			// happening by its end is a disagreement, whatever came later.
			if n.Action != inspect.ActionNone && iv.At.After(lastLatest(n).Add(allowance)) {
				x.Observed = fmt.Sprintf("nothing by %s (then: %s)", offset(iv.At, s.At), iv.What)
				return r.disagreement(x, s, p)
			}
			return x
		}
		outOfBand = outOfBand || (iv.OutOfBand && iv.At.After(s.At) && (next == nil || iv.At.Before(next.At)))
	}
	x.Predicted = predictedText(p.RS, s.At)
	if n.Action == inspect.ActionNone {
		if next != nil && next.At.Before(end) {
			x.Observed = fmt.Sprintf("%s at %s", next.Action, offset(next.At, s.At))
			return r.disagreement(x, s, p)
		}
		quiet := end.Sub(s.At)
		x.Observed = fmt.Sprintf("nothing for %.0fs", quiet.Seconds())
		x.Verdict = agree
		if quiet < minQuiet {
			x.Verdict, x.undecided = unresolved, true
		}
		return x
	}
	if next == nil {
		x.Observed = fmt.Sprintf("nothing by %s", offset(end, s.At))
		x.Verdict = unresolved
		x.beforeWindow = end.Before(*n.Earliest)
		if end.After(lastLatest(n).Add(allowance)) {
			return r.disagreement(x, s, p)
		}
		return x
	}
	x.Observed = fmt.Sprintf("%s at %s", next.Action, offset(next.At, s.At))
	if next.Open {
		x.Observed, x.Verdict, x.undecided = fmt.Sprintf("an attempt at %s, action not seen", offset(next.At, s.At)), unresolved, true
		return x
	}
	if outOfBand && n.Action == inspect.ActionReconcile {
		x.Observed += " (after an out-of-band change)"
	}
	held, inWindow := holding(p, next.At)
	if actionMatches(n.Action, *next, outOfBand) && inWindow {
		x.Verdict = agree
		if held.RS.Next.Earliest != n.Earliest {
			x.Observed += " (in next.or: the attempt due had run unseen)"
		}
		return r.widthCheck(x, s, held, previousAttempt(attempts, after), next, next.At)
	}
	return r.disagreement(x, s, p)
}

// holding is p with, as its window, the one of its two (inspect.Next.Or:
// the attempt due may have run, its Event not recorded yet) that holds t,
// the other as Or; false when neither does. Each window is held to both
// ends; widthCheck holds both to the rule's budget.
func holding(p prediction, t time.Time) (prediction, bool) {
	n := p.RS.Next
	in := func(e, l time.Time) bool { return !t.Before(e) && !t.After(l.Add(allowance)) }
	switch {
	case in(*n.Earliest, *n.Latest):
		return p, true
	case n.Or != nil && in(n.Or.Earliest, n.Or.Latest):
		or := *n.Or
		p.RS.Next.Earliest, p.RS.Next.Latest = &or.Earliest, &or.Latest
		p.RS.Next.Or = &inspect.Window{Earliest: *n.Earliest, Latest: *n.Latest, If: "the window of the attempt due"}
		return p, true
	}
	return p, false
}

// lastLatest is the end of n's later window.
func lastLatest(n inspect.Next) time.Time {
	if n.Or != nil && n.Or.Latest.After(*n.Latest) {
		return n.Or.Latest
	}
	return *n.Latest
}

// actionMatches: the attempt ran what the plugin predicted. A Helm action
// matches itself. `reconcile` is a reconcile that ran no Helm action (in
// sync, or stopped before Helm on an error); `recheck` one that began by
// checking the release's dependencies (whatever the check found: a
// dependency found ready lets the same reconcile go on to install), or
// stopped at a source not ready. Neither matches a Helm action otherwise.
// The one exception: a `reconcile` predicted before an out-of-band change
// (intervention.OutOfBand) matches any action, as that change decides what
// the reconcile runs and the plugin cannot see it (it reads neither Helm
// storage nor the deployed objects).
func actionMatches(want inspect.Action, got attempt, outOfBand bool) bool {
	switch {
	case want == inspect.ActionReconcile && outOfBand:
		return true
	case want == inspect.ActionRecheck:
		return got.Action == "recheck" || got.DepChecked
	}
	return string(want) == got.Action
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
	text := fmt.Sprintf("%s in [%s, %s]", n.Action, offset(*n.Earliest, at), offset(*n.Latest, at))
	if n.Or != nil {
		text += fmt.Sprintf(" or [%s, %s]", offset(n.Or.Earliest, at), offset(n.Or.Latest, at))
	}
	return text
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
