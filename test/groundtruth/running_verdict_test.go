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

// runningEnd is when the watch saw the action running in s end.
func runningEnd(states []state, s state) (time.Time, bool) {
	msg, ready := "", ""
	if c := reconciling(s.HR); progressing(c) {
		msg = c.Message
	}
	if c := apimeta.FindStatusCondition(s.HR.Status.Conditions, "Ready"); c != nil {
		ready = string(c.Status) + "/" + c.Reason
	}
	for _, st := range states {
		if !st.At.After(s.At) {
			continue
		}
		c := reconciling(st.HR)
		rd := apimeta.FindStatusCondition(st.HR.Status.Conditions, "Ready")
		if !progressing(c) || c.Message != msg || (rd != nil && string(rd.Status)+"/"+rd.Reason != ready) {
			return st.At, true
		}
	}
	return time.Time{}, false
}
