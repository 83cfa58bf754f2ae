package inspect

import (
	"strings"
	"testing"
	"time"
)

func TestParseGoal(t *testing.T) {
	good := map[string]Goal{
		"ready":             {Kind: GoalReady},
		"deleted":           {Kind: GoalDeleted},
		"version=6.5.0":     {Kind: GoalVersion, Value: "6.5.0"},
		"revision=3":        {Kind: GoalRevision, Value: "3", N: 3},
		"generation=2":      {Kind: GoalGeneration, Value: "2", N: 2},
		"digest=sha256:abc": {Kind: GoalDigest, Value: "sha256:abc"},
		" ready ":           {Kind: GoalReady},
		// kubectl wait's spellings
		"delete":                     {Kind: GoalDeleted},
		"condition=Ready":            {Kind: GoalReady},
		"condition=ready":            {Kind: GoalReady},
		"condition=Ready=true":       {Kind: GoalReady},
		"condition=Ready=True":       {Kind: GoalReady},
		"version=0.1.0+9505d804ef85": {Kind: GoalVersion, Value: "0.1.0+9505d804ef85"},
	}
	for in, want := range good {
		if got, err := ParseGoal(in); err != nil || got != want {
			t.Errorf("ParseGoal(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "Ready", "ready=1", "version=", "revision=0", "revision=x", "generation=-1", "digest", "healthy",
		"condition=Ready=false", "condition=Stalled", "condition=", "deleted=1", "delete=1"} {
		if _, err := ParseGoal(in); err == nil {
			t.Errorf("ParseGoal(%q) must fail", in)
		}
	}
}

// The streak of retrying-upgrade: revision 2 failed at 11:52 (history),
// Ready False since 11:59; status.failures 2.
func TestFailingSince(t *testing.T) {
	st := loadState(t, "retrying-upgrade", DefaultSettings())
	if fmtTime(st.FailingSince) != fmtTime(at(t, "11:52:00")) || st.FailingSinceSource != "history" || st.Attempts != 2 {
		t.Errorf("failingSince = %s (%s), attempts %d", fmtTime(st.FailingSince), st.FailingSinceSource, st.Attempts)
	}
	// Nothing in storage: the conditions show it (Ready False at 11:59:55).
	st = loadState(t, "template-error-remediate", DefaultSettings())
	if fmtTime(st.FailingSince) != fmtTime(at(t, "11:59:55")) || st.FailingSinceSource != "Ready" || st.Attempts != 3 {
		t.Errorf("failingSince = %s (%s), attempts %d", fmtTime(st.FailingSince), st.FailingSinceSource, st.Attempts)
	}
	if st := loadState(t, "ready", DefaultSettings()); st.FailingSince != nil || st.Attempts != 0 {
		t.Errorf("a ready release is not failing: %v %d", st.FailingSince, st.Attempts)
	}
}

func TestGoalJudge(t *testing.T) {
	cases := []struct {
		fixture string
		goal    string
		limits  Limits
		want    Verdict
		why     string
	}{
		{"ready", "ready", Limits{}, VerdictReached, "reached"},
		{"ready", "version=6.5.0", Limits{}, VerdictReached, ""},
		{"ready", "version=6.6.0", Limits{}, VerdictWaiting, ""},
		{"ready", "revision=1", Limits{}, VerdictReached, ""},
		{"ready", "revision=2", Limits{}, VerdictWaiting, ""},
		{"ready", "generation=2", Limits{}, VerdictReached, ""},
		{"ready", "generation=3", Limits{}, VerdictWaiting, ""},
		{"ready", "digest=sha256:def", Limits{}, VerdictReached, ""},
		{"ready", "deleted", Limits{}, VerdictWaiting, "not deleted"},
		// Ready=True of the previous generation does not count.
		{"ready-spec-bumped", "ready", Limits{}, VerdictWaiting, ""},
		{"stalled-retries-exceeded", "ready", Limits{}, VerdictUnreachable, "stalled"},
		{"suspended", "ready", Limits{}, VerdictUnreachable, "suspended"},
		{"suspended", "deleted", Limits{}, VerdictWaiting, ""},
		// A force pending on a stalled release: it may still get there.
		{"forced-request-pending", "ready", Limits{}, VerdictWaiting, ""},
		{"retrying-upgrade", "ready", Limits{}, VerdictWaiting, "retrying"},
		{"retrying-upgrade", "ready", Limits{MaxFailures: 2}, VerdictWaiting, ""},
		{"retrying-upgrade", "ready", Limits{MaxFailures: 1}, VerdictUnreachable, "2 failed attempts"},
		{"retrying-upgrade", "ready", Limits{StuckAfter: 8 * time.Minute}, VerdictWaiting, ""},
		{"retrying-upgrade", "ready", Limits{StuckAfter: 7 * time.Minute}, VerdictUnreachable, "failing since 2026-11-23T11:52:00Z"},
	}
	for _, tc := range cases {
		g, err := ParseGoal(tc.goal)
		if err != nil {
			t.Fatal(err)
		}
		got, why := g.Judge(loadState(t, tc.fixture, DefaultSettings()), tc.limits, testNow)
		if got != tc.want || !strings.Contains(why, tc.why) {
			t.Errorf("%s --for %s %+v: %s (%s), want %s (%q)", tc.fixture, tc.goal, tc.limits, got, why, tc.want, tc.why)
		}
	}
}

func TestStuck(t *testing.T) {
	if stuck, why := (Limits{}).Stuck(loadState(t, "stalled-retries-exceeded", DefaultSettings()), testNow); !stuck || !strings.Contains(why, "RetriesExceeded") {
		t.Errorf("stalled is stuck: %v %q", stuck, why)
	}
	if stuck, _ := (Limits{MaxFailures: 1, StuckAfter: time.Minute}).Stuck(loadState(t, "ready", DefaultSettings()), testNow); stuck {
		t.Errorf("ready is never stuck")
	}
}

// A stall, or a streak, written for the previous generation does not fail
// a wait that began after the spec changed: the controller tries the new
// spec at once.
func TestJudgeBehind(t *testing.T) {
	g, _ := ParseGoal("ready")
	st := loadState(t, "stalled-retries-exceeded", DefaultSettings())
	st.Generation++
	if v, why := g.Judge(st, Limits{}, testNow); v != VerdictWaiting || !strings.Contains(why, "generation 3 not reconciled") {
		t.Errorf("a stall of generation 2 under generation 3: %s (%s)", v, why)
	}
	for i := range st.Conditions {
		st.Conditions[i].ObservedGeneration = st.Generation // the controller stalled on the new spec too
	}
	if v, _ := g.Judge(st, Limits{}, testNow); v != VerdictUnreachable {
		t.Errorf("a stall stamped with the current generation: %s", v)
	}
	st = loadState(t, "retrying-upgrade", DefaultSettings())
	st.Generation++
	if v, _ := g.Judge(st, Limits{MaxFailures: 1}, testNow); v != VerdictWaiting {
		t.Errorf("the streak of the previous spec is over: %s", v)
	}
	// The previous spec's attempt ended after the spec changed: its
	// failure is stamped with the new generation, observedGeneration lags.
	for i := range st.Conditions {
		st.Conditions[i].ObservedGeneration = st.Generation
	}
	st.Phase = PhaseProgressing
	if v, _ := g.Judge(st, Limits{MaxFailures: 1}, testNow); v != VerdictWaiting {
		t.Errorf("a new spec being tried: %s", v)
	}
	st.ObservedGeneration = st.Generation
	if v, _ := g.Judge(st, Limits{MaxFailures: 1}, testNow); v != VerdictUnreachable {
		t.Errorf("the new spec's own streak counts: %s", v)
	}
}

func TestProgress(t *testing.T) {
	ready, _ := ParseGoal("ready")
	deleted, _ := ParseGoal("deleted")
	version, _ := ParseGoal("version=6.5.0")
	st := loadState(t, "ready", DefaultSettings())
	cases := []struct {
		goal   Goal
		waited int64
		st     *RetryState
		want   Verdict
		why    string
	}{
		{ready, st.Generation, &st, VerdictReached, "reached ready"},
		{ready, st.Generation - 1, &st, VerdictSuperseded, "generation 1, the spec waited for, was superseded by generation 2"},
		{ready, 0, &st, VerdictReached, ""},
		// A version is an outcome, not a spec: a newer spec may reach it.
		{version, st.Generation - 1, &st, VerdictReached, ""},
		{ready, st.Generation, nil, VerdictGone, "deleted while waiting for ready"},
		{deleted, st.Generation, nil, VerdictReached, "deleted"},
		{deleted, st.Generation, &st, VerdictWaiting, "not deleted"},
	}
	for _, tc := range cases {
		got, why := tc.goal.Progress(tc.waited, tc.st, Limits{}, testNow)
		if got != tc.want || !strings.Contains(why, tc.why) {
			t.Errorf("%s waited %d (nil %v): %s (%s), want %s (%q)", tc.goal, tc.waited, tc.st == nil, got, why, tc.want, tc.why)
		}
	}
}

func TestMark(t *testing.T) {
	sts := []RetryState{loadState(t, "ready", DefaultSettings()), loadState(t, "stalled-retries-exceeded", DefaultSettings()),
		loadState(t, "retrying-upgrade", DefaultSettings())}
	if n := (Limits{MaxFailures: 1}).Mark(sts, testNow); n != 2 || sts[0].Stuck || !sts[1].Stuck || !sts[2].Stuck ||
		!strings.Contains(sts[2].StuckReason, "more than --max-failures 1") {
		t.Errorf("Mark = %d: %+v", n, []bool{sts[0].Stuck, sts[1].Stuck, sts[2].Stuck})
	}
	if n := (Limits{}).Mark(sts, testNow); n != 1 || sts[2].Stuck || sts[2].StuckReason != "" {
		t.Errorf("without limits only the stall is stuck, and a mark is cleared: %d", n)
	}
}

// --for version= compares chart versions as semver: a +build suffix (what
// source-controller appends to charts built from Git) matches its base.
func TestSameVersion(t *testing.T) {
	for _, c := range []struct {
		deployed, wanted string
		want             bool
	}{
		{"0.1.0", "0.1.0", true},
		{"0.1.0+9505d804ef85", "0.1.0", true},
		{"0.1.0+9505d804ef85", "0.1.0+9505d804ef85", true},
		{"0.1.0+9505d804ef85", "0.1.0+51312de1fd0c", false},
		{"0.1.0", "0.1.0+9505d804ef85", false},
		{"v6.5.0", "6.5.0", true},
		{"6.5.0", "6.5", true}, // semver's coercion, as Helm's
		{"0.1.0-rc.1", "0.1.0", false},
		{"0.1.0-rc.1+abc", "0.1.0-rc.1", true},
		{"0.1.1", "0.1.0", false},
		{"latest", "latest", true}, // not semver: as text
		{"latest", "0.1.0", false},
		{"", "0.1.0", false},
	} {
		if got := sameVersion(c.deployed, c.wanted); got != c.want {
			t.Errorf("sameVersion(%q, %q) = %v, want %v", c.deployed, c.wanted, got, c.want)
		}
	}
}

// A release whose chart version carries build metadata reaches
// --for version=<base> (the demo's releases: 0.1.0+<digest>).
func TestGoalVersionWithBuildMetadata(t *testing.T) {
	st := loadState(t, "ready", DefaultSettings())
	if len(st.History) == 0 {
		t.Fatal("the ready fixture has no history")
	}
	base := st.History[0].ChartVersion
	st.History[0].ChartVersion = base + "+9505d804ef85"
	for _, goal := range []string{"version=" + base, "version=" + base + "+9505d804ef85", "condition=Ready"} {
		g, err := ParseGoal(goal)
		if err != nil {
			t.Fatal(err)
		}
		if v, why := g.Judge(st, Limits{}, testNow); v != VerdictReached {
			t.Errorf("--for %s on %s: %s (%s)", goal, st.History[0].ChartVersion, v, why)
		}
	}
	g, _ := ParseGoal("version=" + base + "+51312de1fd0c")
	if v, _ := g.Judge(st, Limits{}, testNow); v == VerdictReached {
		t.Errorf("another build of %s reached", base)
	}
}
