package inspect

import (
	"cmp"
	"slices"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AnalyzeJSON is Read then Analyze, for one object as raw JSON.
func AnalyzeJSON(raw []byte, now time.Time, s Settings) RetryState {
	return Read(raw).Analyze(now, s)
}

// withProblems reports what could not be decoded as warnings on the state.
func withProblems(st RetryState, problems []string) RetryState {
	for _, p := range problems {
		st.Warnings = append(st.Warnings, Warning{Code: "UndecodableField",
			Message: "part of this object could not be read and was ignored (" + p + ")"})
	}
	return st
}

// Analyze derives the RetryState of hr at now under the controller settings s.
// It never panics and never mutates hr.
func Analyze(hr *v2.HelmRelease, now time.Time, s Settings) RetryState {
	return AnalyzeWith(hr, now, s, Evidence{})
}

// AnalyzeWith is Analyze with what the cluster keeps beside the object (the
// release's Events), which sharpens the windows the object alone cannot
// time (a failure before Helm, a dependency wait).
func AnalyzeWith(hr *v2.HelmRelease, now time.Time, s Settings, ev Evidence) RetryState {
	return analyze(hr, now, s, ev, false)
}

// AnalyzeBrief is AnalyzeWith for the table views: it leaves out what a
// table never prints (History, Conditions, Summary, NextSteps, Warnings,
// as render.TableOnly drops them): almost half of the analysis of a
// listing (94 → 52 ms of CPU profiled in 10 × 1,000 replayed, issue 26).
// Phase, Next and everything the table, --check, the filters and the
// controller's load read are AnalyzeWith's.
func AnalyzeBrief(hr *v2.HelmRelease, now time.Time, s Settings, ev Evidence) RetryState {
	return analyze(hr, now, s, ev, true)
}

func analyze(hr *v2.HelmRelease, now time.Time, s Settings, ev Evidence, brief bool) RetryState {
	if hr == nil {
		return RetryState{Phase: PhasePending, Next: Next{Action: ActionNone}}
	}
	s = s.sane().mutated()
	o := newObservation(hr, now, s)
	o.ev = ev

	st := RetryState{
		Name:       hr.Name,
		Namespace:  hr.Namespace,
		Ready:      string(metav1.ConditionUnknown),
		LastAction: string(hr.Status.LastAttemptedReleaseAction),
		Release:    release(hr, o.history),

		Generation:         hr.Generation,
		ObservedGeneration: hr.Status.ObservedGeneration,
	}
	if !brief {
		st.History, st.Conditions = snapshots(o.history), conditions(hr.Status.Conditions)
	}
	if o.ready != nil {
		st.Ready, st.Reason, st.Message = string(o.ready.Status), o.ready.Reason, o.ready.Message
	}
	action := activeAction(hr)
	st.Strategy = strategyFor(hr, action, s)
	st.Failures = failures(hr, action, st.Strategy)
	st.Remediation = remediation(hr, action, st.Strategy, st.Failures)

	st.Phase, st.Next = o.decide(&st)
	if n, ok := o.pendingRequest(&st); ok {
		st.Next = n
	}
	st.Next = s.mutateNext(st.Next)
	if o.absentAfterUpgrade() {
		// FAILURES shows the budget the next attempt is judged by: after
		// an upgrade's uninstall remediation the release is absent, and
		// the install that follows is guarded by install.remediation
		// (AtomicRelease.actionForState, ReleaseStatusAbsent), whatever
		// the upgrade's retries say.
		st.Failures = failures(hr, v2.ReleaseActionInstall, strategyFor(hr, v2.ReleaseActionInstall, s))
	}
	st.WorkerUntil, st.queue.followUp = o.workerHeld(&st)
	st.queue.hold = o.nextHold(&st)
	st.FailingSince, st.FailingSinceSource = o.failingSince(&st)
	if st.FailingSince != nil {
		st.Attempts = max(st.Failures.Count, st.Failures.Total)
	}
	if !brief {
		st.Summary = summary(&st)
		st.NextSteps = nextSteps(hr, o, &st)
		st.Warnings = warnings(hr, o, &st)
	}
	s.Controller.apply(&st)
	s.applyOwner(&st)
	return st
}

// sane clamps settings read from a Deployment into what the controller accepts.
func (s Settings) sane() Settings {
	if !validJitter(s.JitterPercent) {
		s.JitterPercent = DefaultSettings().JitterPercent
	}
	if s.DependencyRequeue <= 0 {
		s.DependencyRequeue = DefaultSettings().DependencyRequeue
	}
	if s.Concurrent <= 0 {
		s.Concurrent = DefaultSettings().Concurrent
	}
	if s.MinRetryDelay <= 0 {
		s.MinRetryDelay = DefaultSettings().MinRetryDelay
	}
	if s.MaxRetryDelay <= 0 {
		s.MaxRetryDelay = DefaultSettings().MaxRetryDelay
	}
	return s
}

// observation is what decide reads: the object, the clock, the settings and
// the conditions that drive the state machine, looked up once.
type observation struct {
	hr                        *v2.HelmRelease
	now                       time.Time
	s                         Settings
	ready, reconciling, stall *metav1.Condition
	history                   v2.Snapshots // newest first, no nil entries
	ev                        Evidence
}

func newObservation(hr *v2.HelmRelease, now time.Time, s Settings) *observation {
	conds := hr.Status.Conditions
	return &observation{
		hr:          hr,
		now:         now,
		s:           s,
		ready:       apimeta.FindStatusCondition(conds, "Ready"),
		reconciling: apimeta.FindStatusCondition(conds, "Reconciling"),
		stall:       apimeta.FindStatusCondition(conds, "Stalled"),
		history:     cleanHistory(hr.Status.History),
	}
}

// cleanHistory copies the history without nil entries, newest first; the
// API helpers sort in place and dereference every entry. The controller
// writes it newest first: sorted already, it is not sorted again
// (SortByVersion's sort.Slice leaves a sorted slice as it is, and costs an
// allocation a call).
func cleanHistory(in v2.Snapshots) v2.Snapshots {
	out := make(v2.Snapshots, 0, len(in))
	for _, s := range in {
		if s != nil {
			out = append(out, s)
		}
	}
	if !slices.IsSortedFunc(out, func(a, b *v2.Snapshot) int { return cmp.Compare(b.Version, a.Version) }) {
		out.SortByVersion()
	}
	return out
}

// newest is Snapshots.Latest of a history cleanHistory made: its first
// entry (Latest sorts it again at each call, for the same answer).
func newest(history v2.Snapshots) *v2.Snapshot {
	if len(history) == 0 {
		return nil
	}
	return history[0]
}

func release(hr *v2.HelmRelease, history v2.Snapshots) Release {
	r := Release{AttemptedVersion: hr.Status.LastAttemptedRevision, StorageNamespace: hr.Status.StorageNamespace}
	if l := newest(history); l != nil {
		r.Chart, r.Version, r.Revision = l.ChartName, l.ChartVersion, l.Version
	} else if hr.Spec.Chart != nil {
		r.Chart = hr.Spec.Chart.Spec.Chart
	}
	return r
}

func snapshots(history v2.Snapshots) []Snapshot {
	out := make([]Snapshot, 0, len(history))
	for _, h := range history {
		s := Snapshot{Revision: h.Version, Status: h.Status, Action: string(h.Action),
			Chart: h.ChartName, ChartVersion: h.ChartVersion, AppVersion: h.AppVersion,
			Digest: h.Digest, ConfigDigest: h.ConfigDigest, OCIDigest: h.OCIDigest}
		if !h.LastDeployed.IsZero() {
			s.LastDeployed = ptr(h.LastDeployed.Time)
		}
		out = append(out, s)
	}
	return out
}

func conditions(in []metav1.Condition) []Condition {
	out := make([]Condition, 0, len(in))
	for _, c := range in {
		out = append(out, Condition{Type: c.Type, Status: string(c.Status), Reason: c.Reason,
			Message: c.Message, LastTransitionTime: c.LastTransitionTime.Time, ObservedGeneration: c.ObservedGeneration})
	}
	return out
}
