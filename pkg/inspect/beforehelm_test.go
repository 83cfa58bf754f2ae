package inspect

import (
	"strings"
	"testing"
	"time"
)

// stateWith analyzes a fixture of testdata/states with Evidence.
func stateWith(t *testing.T, name string, ev Evidence) RetryState {
	t.Helper()
	return Read(mustJSON(t, name)).AnalyzeWith(testNow, DefaultSettings(), ev)
}

// checkWindow holds st's window to [earliest, latest] and its bound to one
// containing bound ("": none).
func checkWindow(t *testing.T, st RetryState, earliest, latest, bound string) {
	t.Helper()
	if got, want := fmtTime(st.Next.Earliest), fmtTime(at(t, earliest)); got != want {
		t.Errorf("earliest = %s, want %s", got, want)
	}
	if got, want := fmtTime(st.Next.Latest), fmtTime(at(t, latest)); got != want {
		t.Errorf("latest = %s, want %s", got, want)
	}
	if bound == "" && st.Next.Bound != "" || !strings.Contains(st.Next.Bound, bound) {
		t.Errorf("bound = %q, want %q", st.Next.Bound, bound)
	}
}

func ev(reason, msg string, count int32, first, last string) Event {
	day := "2026-11-23T"
	f, _ := time.Parse(time.RFC3339, day+first+"Z")
	l, _ := time.Parse(time.RFC3339, day+last+"Z")
	typ := "Warning"
	if forgets(reason) {
		typ = "Normal"
	}
	return Event{Type: typ, Reason: reason, Message: msg, Count: count, First: f, Last: l}
}

const valuesMsg = "could not resolve Secret chart values reference 'apps/values'"

// The failure-before-Helm window from the release's Events (fixture
// failed-values: Ready False ValuesError since 11:30:00; now 12:00:00).
// Each row's window is the controller's: base·2^(k0+count-1) after the
// last failure (client-go ItemExponentialFailureRateLimiter), k0 from what
// came before the streak.
func TestBeforeHelmFromEvents(t *testing.T) {
	succeeded := ev("UpgradeSucceeded", "Helm upgrade succeeded", 1, "11:00:00", "11:00:00")
	cases := []struct {
		name             string
		ev               Evidence
		earliest, latest string // "" for nil
		bound            string // a part of Next.Bound, "" for none
	}{
		{name: "not read", ev: Evidence{},
			earliest: "12:00:00", latest: "12:15:00", bound: "Events were not read"},
		{name: "read, none", ev: Evidence{EventsRead: true},
			earliest: "12:00:00", latest: "12:15:00", bound: "no Event of this failure"},
		// After a success the queue starts at 0: 0.75 + 1.5 + ... + 48 s over
		// 7 failures is 47.25 s; the 8th waits 96 s.
		{name: "eight in a row after a success", ev: Evidence{EventsRead: true, Events: []Event{succeeded,
			ev("ValuesError", valuesMsg, 8, "11:58:00", "11:59:35")}},
			earliest: "12:01:11", latest: "12:01:14.2"},
		// Three failures after a success: 0.75 + 1.5 s, then 3 s.
		{name: "three after a success", ev: Evidence{EventsRead: true, Events: []Event{succeeded,
			ev("ValuesError", valuesMsg, 3, "11:59:50", "11:59:52")}},
			earliest: "11:59:55", latest: "11:59:58.2"},
		// No success shows where the queue forgot the release, but the
		// times do: 0.75+1.5 s fits a span read as 3 s (2 to 4 s), 1.5+3 s
		// does not.
		{name: "three, nothing before", ev: Evidence{EventsRead: true, Events: []Event{
			ev("ValuesError", valuesMsg, 3, "11:59:50", "11:59:53")}},
			earliest: "11:59:56", latest: "11:59:59.2"},
		// A span read as 4 s fits 2.25 s (with the time each step takes) and
		// 4.5 s: the next wait is 3 or 6 s, not more; which one, nothing
		// says (the Events' times are to the second): a bound.
		{name: "three, 4 s", ev: Evidence{EventsRead: true, Events: []Event{
			ev("ValuesError", valuesMsg, 3, "11:59:50", "11:59:54")}},
			earliest: "11:59:57", latest: "12:00:03.2", bound: "fit 2 backoff steps (3s to 6s)"},
		// One failure: nothing fits or rules out a step; only a bound.
		{name: "one, nothing before", ev: Evidence{EventsRead: true, Events: []Event{
			ev("ValuesError", valuesMsg, 1, "11:59:50", "11:59:50")}},
			earliest: "11:59:50.75", latest: "12:14:53.2", bound: "backoff step before this streak unknown"},
		// An Event of the same failure older than the condition: an earlier streak.
		{name: "older streak", ev: Evidence{EventsRead: true, Events: []Event{
			ev("ValuesError", valuesMsg, 3, "11:00:00", "11:00:03")}},
			earliest: "12:00:00", latest: "12:15:00", bound: "no Event of this failure"},
		// A request cut a step short: 6 failures in 4 s fit no doubling,
		// but every failure still counted (the request's reconcile failed
		// and was requeued rate-limited), and the success says k0 = 0.
		{name: "cut short after a success", ev: Evidence{EventsRead: true, Events: []Event{succeeded,
			ev("ValuesError", valuesMsg, 6, "11:59:40", "11:59:44")}},
			earliest: "12:00:08", latest: "12:00:11.2"},
		// The same with nothing before it: only a bound.
		{name: "cut short", ev: Evidence{EventsRead: true, Events: []Event{
			ev("ValuesError", valuesMsg, 6, "11:59:40", "11:59:44")}},
			earliest: "12:00:08", latest: "12:14:47.2", bound: "do not fit one doubling"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := stateWith(t, "failed-values", c.ev)
			if st.Phase != PhaseFailed || st.Next.Action != ActionReconcile || st.Next.Rule != RuleErrorBackoff {
				t.Fatalf("phase %s, next %s (%s)", st.Phase, st.Next.Action, st.Next.Rule)
			}
			if got, want := fmtTime(st.Next.Earliest), fmtTime(at(t, c.earliest)); got != want {
				t.Errorf("earliest = %s, want %s", got, c.earliest)
			}
			if got, want := fmtTime(st.Next.Latest), fmtTime(at(t, c.latest)); got != want {
				t.Errorf("latest = %s, want %s", got, c.latest)
			}
			if c.bound == "" && st.Next.Bound != "" || !strings.Contains(st.Next.Bound, c.bound) {
				t.Errorf("bound = %q, want %q", st.Next.Bound, c.bound)
			}
		})
	}
}

// The dependency recheck from its Event: --requeue-dependency (30 s by
// default) after the last check, not jittered; once the Event stops
// moving (the spam filter), a bound from now.
func TestDependencyFromEvents(t *testing.T) {
	st := stateWith(t, "waiting-dependency", Evidence{})
	msg := st.Message
	cases := []struct {
		name             string
		ev               Evidence
		earliest, latest string
		bound            string
	}{
		{name: "not read", ev: Evidence{}, earliest: "12:00:00", latest: "12:00:30", bound: "Events were not read"},
		{name: "last check 20 s ago", ev: Evidence{EventsRead: true, Events: []Event{ev("DependencyNotReady", msg, 12, "11:50:00", "11:59:40")}},
			earliest: "12:00:10", latest: "12:00:13.2"},
		{name: "stopped moving", ev: Evidence{EventsRead: true, Events: []Event{ev("DependencyNotReady", msg, 25, "11:40:00", "11:52:00")}},
			earliest: "12:00:00", latest: "12:00:30", bound: "stopped moving"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := stateWith(t, "waiting-dependency", c.ev)
			if st.Phase != PhaseWaiting || st.Next.Rule != RuleDependency {
				t.Fatalf("phase %s, rule %s", st.Phase, st.Next.Rule)
			}
			if got, want := fmtTime(st.Next.Earliest), fmtTime(at(t, c.earliest)); got != want {
				t.Errorf("earliest = %s, want %s", got, c.earliest)
			}
			if got, want := fmtTime(st.Next.Latest), fmtTime(at(t, c.latest)); got != want {
				t.Errorf("latest = %s, want %s", got, c.latest)
			}
			if c.bound == "" && st.Next.Bound != "" || !strings.Contains(st.Next.Bound, c.bound) {
				t.Errorf("bound = %q, want %q", st.Next.Bound, c.bound)
			}
		})
	}
}

// A rollback that keeps erroring without changing storage (fixture
// rollback-errored, Ready RollbackFailed at 11:59:52): its Event (the
// condition's message plus Helm's log) counts the repeats. Four in 22 s fit
// steps from 1.5 s (k0 1: 1.5+3+6 s, with the one cache wait) or 3 s (k0 2:
// 3+6+12 s): the next wait is 12 or 24 s, a bound that says so. Without the
// Event, a bound from the counters.
const rollbackMsg = "Helm rollback to previous release apps/podinfo.v1 failed: timed out\n\nLast Helm logs:\n..."

func TestFailedActionFromEvents(t *testing.T) {
	st := stateWith(t, "rollback-errored", Evidence{EventsRead: true, Events: []Event{
		ev("RollbackFailed", rollbackMsg, 4, "11:59:30", "11:59:52")}})
	if st.Next.Action != ActionRollback || !strings.Contains(st.Next.Bound, "fit 2 backoff steps (12s to 24s)") {
		t.Fatalf("next %s, bound %q", st.Next.Action, st.Next.Bound)
	}
	if got, want := fmtTime(st.Next.Earliest), fmtTime(at(t, "12:00:04")); got != want {
		t.Errorf("earliest %s, want %s", got, want)
	}
	if got, want := fmtTime(st.Next.Latest), fmtTime(at(t, "12:00:19.2")); got != want {
		t.Errorf("latest %s, want %s", got, want)
	}
	// Without the Event, the counters: one failed rollback since the
	// install's success, so the cache wait and one 0.75 s step.
	st = stateWith(t, "rollback-errored", Evidence{})
	checkWindow(t, st, "12:00:02.75", "12:00:05.95", "")
}

// A requested recheck whose Event is not recorded yet (the recorder sends it
// asynchronously, after the status that says the request was handled): the
// next recheck is timed from the handled request, not the older Event
// (ground truth 16, offline view).
func TestDependencyAfterHandledRequest(t *testing.T) {
	d := Read(mustJSON(t, "waiting-dependency"))
	d.Object.Status.LastHandledReconcileAt = "2026-11-23T11:59:55Z"
	msg := d.Analyze(testNow, DefaultSettings()).Message
	st := d.AnalyzeWith(testNow, DefaultSettings(), Evidence{EventsRead: true, Events: []Event{
		ev("DependencyNotReady", msg, 12, "11:50:00", "11:59:48")}})
	checkWindow(t, st, "12:00:25", "12:00:28.2", "")
}

// A failed drift correction under RemediateOnFailure (fixture
// drift-correction-failing: Reconciling ProgressingWithRetry since
// 11:59:50, the requeue): the work queue's step from the
// DriftCorrectionFailed Event's count, DriftDetected Events of the same
// reconciles notwithstanding.
func TestDriftRetryFromEvents(t *testing.T) {
	const failedMsg = "Failed to correct cluster state of release apps/app.v1:\nConfigMap/apps/app-config patch failure: denied"
	succeeded := ev("InstallSucceeded", "Helm install succeeded", 1, "11:00:00", "11:00:00")
	detected := ev("DriftDetected", "Cluster state of release apps/app.v1 has drifted", 4, "11:59:46", "11:59:50")
	cases := []struct {
		name             string
		ev               Evidence
		earliest, latest string
		bound            string
	}{
		{name: "not read", ev: Evidence{},
			earliest: "11:59:50", latest: "12:14:52", bound: "no counter shows failed drift corrections"},
		{name: "no Event of this correction", ev: Evidence{EventsRead: true, Events: []Event{succeeded,
			ev("DriftCorrectionFailed", failedMsg, 2, "10:00:00", "10:00:01")}},
			earliest: "11:59:50", latest: "12:14:52", bound: "no DriftCorrectionFailed Event"},
		// 0.75 + 1.5 s between three failures after a success: the next
		// step is 3 s after the requeue.
		{name: "three after a success", ev: Evidence{EventsRead: true, Events: []Event{succeeded, detected,
			ev("DriftCorrectionFailed", failedMsg, 3, "11:59:47", "11:59:49")}},
			earliest: "11:59:53", latest: "11:59:56.2"},
		// Six: 0.75+1.5+3+6+12 s = 23.25 s, the next 24 s.
		{name: "six after a success", ev: Evidence{EventsRead: true, Events: []Event{succeeded, detected,
			ev("DriftCorrectionFailed", failedMsg, 6, "11:59:26", "11:59:49")}},
			earliest: "12:00:14", latest: "12:00:17.2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := stateWith(t, "drift-correction-failing", tc.ev)
			if st.Next.Rule != RuleDriftRetry {
				t.Fatalf("rule = %q, want %q", st.Next.Rule, RuleDriftRetry)
			}
			checkWindow(t, st, tc.earliest, tc.latest, tc.bound)
		})
	}
}

// The commands read Events only for states that ask for them: a failed
// drift correction's bound does, a RetryOnFailure one (timed by its
// interval) and a ready release do not.
func TestWantsEvents(t *testing.T) {
	for name, want := range map[string]bool{
		"drift-correction-failing": true, "drift-correction-retrying": false,
		"failed-values": true, "waiting-dependency": true, "ready": false,
	} {
		st := stateWith(t, name, Evidence{})
		if got := st.WantsEvents(); got != want {
			t.Errorf("%s: WantsEvents = %v, want %v (rule %s, bound %q)", name, got, want, st.Next.Rule, st.Next.Bound)
		}
	}
}

// Two failures 2 s apart by their Event (its times have a second's
// resolution) fit three base steps: 1.5, 3 or 6 s next. The failure
// counters bound the step from above: at most one step beyond them (the
// finalizer's requeue may have repeated: sinceCreation), so one failure
// counted leaves 1.5 or 3 s, not up to 6 s (the ground truth's
// 11-template-error-remediate saw the wider window once, 7.7 s against a
// budget of 6.9 s, with the counters at 2); with more counted, the Event's
// range stands, marked a bound.
func TestFailedActionEventCappedByCounters(t *testing.T) {
	for _, c := range []struct {
		failures       int64
		latest, anchor string
		bound          string
	}{
		{1, "12:00:01.2", "11:59:55", "fit 2 backoff steps (1.5s to 3s)"}, // 11:59:55 + 1 s + 3 s + 2.2 s
		{2, "12:00:04.2", "11:59:55", "fit 3 backoff steps (1.5s to 6s)"}, // + 6 s: the counters allow it
	} {
		d := Read(mustJSON(t, "template-error-remediate"))
		d.Object.Status.Failures, d.Object.Status.InstallFailures = c.failures, c.failures
		msg := d.Object.Status.Conditions[1].Message
		st := d.AnalyzeWith(testNow, DefaultSettings(), Evidence{EventsRead: true,
			Events: []Event{ev("InstallFailed", msg, 2, "11:59:53", "11:59:55")}})
		checkWindow(t, st, "11:59:56.5", c.latest, c.bound)
		if st.Next.Anchor == nil || fmtTime(&st.Next.Anchor.Time) != fmtTime(at(t, c.anchor)) {
			t.Errorf("failures %d: anchored on %+v, want the Event", c.failures, st.Next.Anchor)
		}
	}
}

// A listing inside the window of the next attempt after a failure that
// leaves the object as it was: that attempt may have run already, its
// Event not recorded yet (the controller records Events asynchronously;
// the ground truth's lag set delays them). The window stays, and Or holds
// the attempt after it: a step later than a time between the window's
// earliest and now. Before or after the window, no Or.
func TestAttemptMayHaveRunUnseen(t *testing.T) {
	succeeded := ev("UpgradeSucceeded", "Helm upgrade succeeded", 1, "11:00:00", "11:00:00")
	values := func(count int32, first, last string) Evidence {
		return Evidence{EventsRead: true, Events: []Event{succeeded, ev("ValuesError", valuesMsg, count, first, last)}}
	}
	d := Read(mustJSON(t, "waiting-dependency"))
	depMsg := d.Analyze(testNow, DefaultSettings()).Message
	dep := func(last string) Evidence {
		return Evidence{EventsRead: true, Events: []Event{ev("DependencyNotReady", depMsg, 12, "11:50:00", last)}}
	}
	cases := []struct {
		name, fixture      string
		ev                 Evidence
		mutant             Mutant
		later              time.Duration // listed this long after testNow
		orEarliest, orLate string        // "" for no Or
	}{
		// Three failures, the last at 11:59:55: the next after 3 s, in
		// [11:59:58, 12:00:01.2]; listed at 12:00:00. Had it run (at
		// 11:59:58 at the earliest, now at the latest), the one after
		// comes 6 s later: [12:00:04, 12:00:08.2].
		{name: "values, inside", fixture: "failed-values", ev: values(3, "11:59:53", "11:59:55"),
			orEarliest: "12:00:04", orLate: "12:00:08.2"},
		{name: "values, inside, mutant", fixture: "failed-values", ev: values(3, "11:59:53", "11:59:55"), mutant: MutantEventLagIgnored},
		{name: "values, before", fixture: "failed-values", ev: values(8, "11:58:00", "11:59:35")},
		{name: "values, after", fixture: "failed-values", ev: values(3, "11:59:50", "11:59:52")},
		// The dependency's recheck every 30 s, the last at 11:59:29.
		{name: "dependency, inside", fixture: "waiting-dependency", ev: dep("11:59:29"),
			orEarliest: "12:00:29", orLate: "12:00:32.2"},
		{name: "dependency, before", fixture: "waiting-dependency", ev: dep("11:59:40")},
		// A rollback erroring again and again (TestFailedActionFromEvents):
		// the next in [12:00:04, 12:00:19.2], 12 or 24 s after 11:59:52;
		// listed at 12:00:10, the one after it 24 or 48 s after a time
		// between 12:00:04 and then.
		{name: "failed rollback, inside", fixture: "rollback-errored", later: 10 * time.Second,
			ev:         Evidence{EventsRead: true, Events: []Event{ev("RollbackFailed", rollbackMsg, 4, "11:59:30", "11:59:52")}},
			orEarliest: "12:00:28", orLate: "12:01:00.2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := DefaultSettings()
			s.Mutant = c.mutant
			st := Read(mustJSON(t, c.fixture)).AnalyzeWith(testNow.Add(c.later), s, c.ev)
			or := st.Next.Or
			switch {
			case c.orEarliest == "" && or != nil:
				t.Fatalf("or = [%s, %s], want none", fmtTime(&or.Earliest), fmtTime(&or.Latest))
			case c.orEarliest == "":
				return
			case or == nil:
				t.Fatalf("no or; window [%s, %s]", fmtTime(st.Next.Earliest), fmtTime(st.Next.Latest))
			}
			if got, want := fmtTime(&or.Earliest), fmtTime(at(t, c.orEarliest)); got != want {
				t.Errorf("or earliest = %s, want %s", got, want)
			}
			if got, want := fmtTime(&or.Latest), fmtTime(at(t, c.orLate)); got != want {
				t.Errorf("or latest = %s, want %s", got, want)
			}
			if !strings.Contains(or.If, "has run already") || st.Next.Overdue {
				t.Errorf("or.if = %q, overdue %v", or.If, st.Next.Overdue)
			}
		})
	}
}
