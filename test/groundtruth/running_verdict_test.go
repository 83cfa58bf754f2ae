package groundtruth

import (
	"fmt"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// runningChecked: a view of a Helm action under way (next.rule running) is
// about when that action ends, so it is scored against the end the
// recording shows; unless a reconcile request is pending, which check
// scores against the request's reconcile (requestDuringRun).
func runningChecked(p prediction, s state, attempts []attempt) bool {
	return p.RS.Phase == inspect.PhaseProgressing && p.RS.Next.Rule == inspect.RuleRunning && !requestDuringRun(s, attempts)
}

// checkRunning compares the window of a running action (when it ends at the
// latest) with its observed end: the first later state whose Reconciling
// condition no longer says "Running '<action>' ..." as it did, or whose Ready
// condition changed (the status patch after Helm returned: a failure, the
// remediation or test after it, a retry, success).
func (r *recorder) checkRunning(x row, s state, p prediction) row {
	n := p.RS.Next
	x.Predicted = predictedText(p.RS, s.At)
	if n.Earliest == nil || n.Latest == nil {
		x.Observed = "a running action needs a window with both ends"
		return r.disagreement(x, s, p)
	}
	end, ok := runningEnd(r.states, s)
	if !ok {
		x.Observed, x.Verdict = fmt.Sprintf("still running at %s", offset(r.ended, s.At)), unresolved
		if r.ended.After(n.Latest.Add(allowance)) {
			return r.disagreement(x, s, p)
		}
		return x
	}
	x.Observed = fmt.Sprintf("%s ended at %s", n.Action, offset(end, s.At))
	if end.Before(*n.Earliest) || end.After(n.Latest.Add(allowance)) {
		return r.disagreement(x, s, p)
	}
	x.Verdict = agree
	return r.widthCheck(x, s, p, nil, nil, end)
}

// runningEnd is when the watch saw the action running in s end: the first
// state, after the one where its Running message appeared, whose
// Reconciling no longer says it, or whose Ready condition changed from what
// it was then (it may be s itself, or one before it: a state caught between
// the controller's write of the action's result and its next message).
func runningEnd(states []state, s state) (time.Time, bool) {
	at := -1
	for i := range states {
		if states[i].At.Equal(s.At) && states[i].HR == s.HR {
			at = i
		}
	}
	msg := ""
	if c := reconciling(s.HR); progressing(c) {
		msg = c.Message
	}
	begin := at
	for begin > 0 {
		c := reconciling(states[begin-1].HR)
		if !progressing(c) || c.Message != msg {
			break
		}
		begin--
	}
	if begin < 0 {
		begin = 0
	}
	readyOf := func(i int) string {
		if c := apimeta.FindStatusCondition(states[i].HR.Status.Conditions, "Ready"); c != nil {
			return string(c.Status) + "/" + c.Reason
		}
		return ""
	}
	ready := readyOf(begin)
	for i := begin + 1; i < len(states); i++ {
		c := reconciling(states[i].HR)
		if !progressing(c) || c.Message != msg || readyOf(i) != ready {
			return states[i].At, true
		}
	}
	return time.Time{}, false
}
