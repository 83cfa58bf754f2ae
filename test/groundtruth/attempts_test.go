package groundtruth

import (
	"regexp"
	"sort"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// attempt is the start of one reconcile, as observed.
type attempt struct {
	At time.Time
	// Action is the first Helm action the reconcile ran (install, upgrade,
	// test, rollback, uninstall, unlock, correct-drift), or "reconcile" when
	// it ran none (in sync, or it stopped before Helm on an error such as a
	// missing valuesFrom), or "recheck" when it stopped at a dependency or a
	// source not ready.
	Action string
	// Via: "watch": Reconciling turned Progressing; "log": a dependency
	// check; "error-log": a reconcile that failed before Helm and changed
	// nothing the watch could see (controller-runtime's "Reconciler error").
	Via string
	// Open: the last attempt, which has not shown its action yet.
	Open bool
	// DepChecked: it began by checking the release's dependencies (its log
	// line), whatever it did next: a predicted recheck matches it.
	DepChecked bool
}

// What a reconcile writes first (HelmReleaseReconciler.reconcileRelease),
// and before each Helm action (AtomicRelease.Reconcile).
const prerequisites = "Fulfilling prerequisites"

// The action names of AtomicRelease's sub-reconcilers (their Name()); the
// drift correction's is "correct cluster drift", recorded as correct-drift
// (the name the plugin gives that action).
var runningActionRE = regexp.MustCompile(`^Running '([a-z][a-z -]*)' action`)

func actionName(running string) string {
	if running == "correct cluster drift" {
		return "correct-drift"
	}
	return running
}

// A dependency check logged up to mergeBefore after an observed start (the
// reconcile's prologue, slow on a loaded machine), or up to mergeAfter before
// it (the watch delivering the start late), is the same reconcile. Checks
// are --requeue-dependency (5s) apart, so they are never merged together.
const (
	mergeBefore = 3 * time.Second
	mergeAfter  = time.Second
	errorMerge  = 500 * time.Millisecond
)

// attemptsOf finds the reconcile starts in a recording. A reconcile is seen
// starting when Reconciling turns True/Progressing, or turns to
// "Fulfilling prerequisites" from another Progressing message. A reconcile
// of a release waiting on a dependency changes nothing (the conditions stay
// as the last one left them), so those come from the log. The action of a
// reconcile is read from the states it wrote, up to the next start.
func attemptsOf(states []state, depChecks, errLogs []time.Time) []attempt {
	type start struct {
		attempt
		from   int  // the first state this reconcile wrote
		closed bool // its end was logged (an error): it is not open
	}
	var starts []start
	for i := range states {
		cur := reconciling(states[i].HR)
		var prev *metav1.Condition
		if i > 0 {
			prev = reconciling(states[i-1].HR)
		}
		if progressing(cur) && (!progressing(prev) || (cur.Message == prerequisites && prev.Message != prerequisites)) {
			starts = append(starts, start{attempt: attempt{At: states[i].At, Via: "watch"}, from: i})
		}
	}
	for _, at := range depChecks {
		merged := false
		for i := range starts {
			if d := starts[i].At.Sub(at); starts[i].Via == "watch" && d < mergeAfter && d > -mergeBefore {
				starts[i].DepChecked, merged = true, true
			}
		}
		if !merged {
			from := sort.Search(len(states), func(i int) bool { return states[i].At.After(at) })
			starts = append(starts, start{attempt: attempt{At: at, Via: "log", DepChecked: true}, from: from})
		}
	}
	// A reconcile that fails before Helm (a missing valuesFrom, a chart
	// that cannot be loaded) rewrites the same conditions: after the first,
	// the watch sees nothing. Its "Reconciler error" line, logged at its end
	// (tens of ms after its start: nothing slow runs), is the only sign.
	// Only lines logged while the release showed such a failure count: a
	// Helm action's error is logged long after the start the watch saw.
	// One error line ends one reconcile: it closes the latest start not yet
	// closed that began up to mergeBefore before it (or errorMerge after: the
	// watch delivering the start late). Lines are taken in order, so a
	// reconcile the watch did not see (0.75 s or more after the last one,
	// whose line closed its start) finds nothing to close.
	for _, at := range errLogs {
		merged := false
		for i := len(starts) - 1; i >= 0; i-- {
			if d := starts[i].At.Sub(at); !starts[i].closed && d < errorMerge && d > -mergeBefore {
				starts[i].closed, merged = true, true
				break
			}
		}
		cur := sort.Search(len(states), func(i int) bool { return states[i].At.After(at) }) - 1
		if merged || cur < 0 || !failedBeforeHelm(states[cur].HR) {
			continue
		}
		starts = append(starts, start{attempt: attempt{At: at, Via: "error-log"}, from: cur + 1, closed: true})
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].At.Before(starts[j].At) })
	out := make([]attempt, 0, len(starts))
	for k, st := range starts {
		end := len(states)
		if k+1 < len(starts) {
			end = max(starts[k+1].from, st.from)
		}
		a := st.attempt
		a.Action = firstAction(states[min(st.from, end):end], "")
		switch {
		case a.Action != "":
		case st.Via == "log" || (end > 0 && waitingOnDependency(states[end-1].HR)):
			a.Action = "recheck"
		default:
			a.Action = "reconcile"
			last := reconciling(states[len(states)-1].HR)
			a.Open = !st.closed && k == len(starts)-1 && progressing(last) && last.Message == prerequisites
		}
		out = append(out, a)
	}
	return out
}

// waitingOnDependency: the reconcile stopped at a dependency or a source
// not ready (HelmReleaseReconciler.reconcileRelease: RequeueAfter
// --requeue-dependency, no error).
func waitingOnDependency(hr *v2.HelmRelease) bool {
	switch readyReason(hr) {
	case v2.DependencyNotReadyReason, "SourceNotReady":
		return true
	}
	return false
}

// preHelmErrors are the Ready reasons reconcileRelease writes when it
// returns an error before AtomicRelease runs a Helm action (and "StateError",
// written by AtomicRelease before choosing one).
var preHelmErrors = map[string]bool{"ValuesError": true, v2.ArtifactFailedReason: true, "ChartMutateError": true,
	"RESTClientError": true, "ResourceManagerError": true, "FactoryError": true, "StateError": true}

// failedBeforeHelm: the release shows a reconcile that stopped before Helm
// on an error.
func failedBeforeHelm(hr *v2.HelmRelease) bool {
	c := reconciling(hr)
	return progressing(c) && c.Message == prerequisites && preHelmErrors[readyReason(hr)]
}

// firstAction is the first "Running '<action>' action" among states.
func firstAction(states []state, none string) string {
	for _, s := range states {
		if c := reconciling(s.HR); progressing(c) {
			if m := runningActionRE.FindStringSubmatch(c.Message); m != nil {
				return actionName(m[1])
			}
		}
	}
	return none
}

func reconciling(hr *v2.HelmRelease) *metav1.Condition {
	return apimeta.FindStatusCondition(hr.Status.Conditions, "Reconciling")
}

func progressing(c *metav1.Condition) bool {
	return c != nil && c.Status == metav1.ConditionTrue && c.Reason == "Progressing"
}

// actions lists what the attempts did, for the scenarios' sanity checks.
func actions(attempts []attempt) []string {
	out := make([]string, 0, len(attempts))
	for _, a := range attempts {
		out = append(out, a.Action)
	}
	return out
}

// attempts is attemptsOf the recording so far.
func (r *recorder) attempts() []attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return attemptsOf(r.states, r.depChecks, r.errLogs)
}
