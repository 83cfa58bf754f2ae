package inspect

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	"sigs.k8s.io/yaml"
)

// now is the fixed clock every fixture is written against.
var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// loadState analyzes testdata/states/<name>.yaml through the same JSON path
// the command uses.
func loadState(t *testing.T, name string, s Settings) RetryState {
	t.Helper()
	st := AnalyzeJSON(mustJSON(t, name), testNow, s)
	for _, w := range st.Warnings {
		if w.Code == "UndecodableField" {
			t.Fatalf("%s: fixture does not decode: %s", name, w.Message)
		}
	}
	return st
}

// at parses "12:03:45" or "12:03:45.5" on the fixture day; "" means nil.
func at(t *testing.T, clock string) *time.Time {
	t.Helper()
	if clock == "" {
		return nil
	}
	v, err := time.Parse("2006-01-02T15:04:05.999Z", "2026-11-23T"+clock+"Z")
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

type want struct {
	phase    Phase
	action   Action
	strategy string // Name/source/action, e.g. "RetryOnFailure/spec/upgrade"
	failures string // count/allowed/exhausted/total, e.g. "2/-1/false/2"
	earliest string
	latest   string
	anchored bool
	overdue  bool
	remedy   string   // remediation strategy/next/toRevision/done
	warnings []string // codes, in order
	wayOut   string   // a substring one next step must contain (stepText)
	why      string   // a substring next.why must contain
}

func TestAnalyzeStates(t *testing.T) {
	gate := DefaultSettings()
	gate.DefaultToRetryOnFailure = true
	cancelGate := DefaultSettings()
	cancelGate.CancelHealthCheckOnNewRevision = true
	slowBackoff := DefaultSettings()
	slowBackoff.MinRetryDelay = Duration(2 * time.Second)
	cases := []struct {
		fixture  string
		name     string // when a fixture has several rows
		settings *Settings
		want     want
	}{
		{fixture: "ready", want: want{phase: PhaseReady, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "12:07:30", latest: "12:08:41", remedy: "uninstall/none/0/false"}},
		{fixture: "ready-long-ago", want: want{phase: PhaseReady, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "12:00:00", latest: "12:10:41", remedy: "uninstall/none/0/false"}},
		{fixture: "ready-spec-bumped", want: want{phase: PhaseProgressing, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", remedy: "uninstall/none/0/false", warnings: []string{WarnSpecChanged}}},
		{fixture: "retrying-upgrade", want: want{phase: PhaseRetrying, action: ActionUpgrade, strategy: "RetryOnFailure/spec/upgrade",
			failures: "2/-1/false/2", earliest: "12:03:45", latest: "12:04:17.2", anchored: true, remedy: "/none/0/false", wayOut: "force: try now"}},
		{fixture: "retrying-overdue", want: want{phase: PhaseRetrying, action: ActionUpgrade, strategy: "RetryOnFailure/spec/upgrade",
			failures: "1/-1/false/1", earliest: "11:54:45", latest: "11:55:17.2", anchored: true, overdue: true, remedy: "/none/0/false"}},
		{fixture: "retrying-install-template-error", want: want{phase: PhaseRetrying, action: ActionInstall, strategy: "RetryOnFailure/spec/install",
			failures: "0/-1/false/3", earliest: "12:01:24", latest: "12:01:38.2", anchored: true, remedy: "/none/0/false",
			warnings: []string{WarnStallTrap}}},
		{fixture: "retrying-v1.4.2", want: want{phase: PhaseRetrying, action: ActionUpgrade, strategy: "RetryOnFailure/spec/upgrade",
			failures: "1/-1/false/1", earliest: "12:02:45", latest: "12:03:17.2", anchored: true, remedy: "/none/0/false"}},
		{fixture: "retrying-no-reconciling", want: want{phase: PhaseRetrying, action: ActionUpgrade, strategy: "RetryOnFailure/spec/upgrade",
			failures: "1/-1/false/1", earliest: "12:02:45", latest: "12:03:17.2", anchored: true, remedy: "/none/0/false"}},
		{fixture: "retrying-feature-gate", settings: &gate, want: want{phase: PhaseRetrying, action: ActionUpgrade,
			strategy: "RetryOnFailure/featureGate/upgrade", failures: "1/-1/false/1", earliest: "12:03:45", latest: "12:04:17.2",
			anchored: true, remedy: "/none/0/false"}},
		{fixture: "stall-trap", want: want{phase: PhaseRetrying, action: ActionUpgrade, strategy: "RetryOnFailure/spec/install",
			failures: "1/-1/false/1", earliest: "12:00:54", latest: "12:01:08.2", anchored: true, remedy: "/none/0/false",
			warnings: []string{WarnStallTrap}}},
		{fixture: "stall-trap-stalled", want: want{phase: PhaseStalled, action: ActionNone, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/1/true/2", remedy: "rollback/none/0/false", warnings: []string{WarnStallTrap}, wayOut: "--reset"}},
		{fixture: "remediating-rollback", want: want{phase: PhaseRemediating, action: ActionUpgrade, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/4/false/1", earliest: "12:00:00.75", latest: "12:00:02.5", anchored: true, remedy: "rollback/none/0/true",
			warnings: []string{WarnRollbackNotData}}},
		{fixture: "remediating-uninstall", want: want{phase: PhaseRemediating, action: ActionInstall, strategy: "RemediateOnFailure/default/install",
			failures: "1/3/false/1", earliest: "12:00:00.75", latest: "12:00:02.5", anchored: true, remedy: "uninstall/none/0/true"}},
		// From the real controller (test/groundtruth's busy set): it holds
		// its worker through the cache wait (TestApplyLoadCacheWaitHoldsAWorker).
		// Failing since its creation: 1.5 s, or 3 s if the finalizer's
		// requeue repeated (sinceCreation).
		{fixture: "remediated-cache-wait", want: want{phase: PhaseRemediating, action: ActionInstall, strategy: "RemediateOnFailure/spec/install",
			failures: "1/4/false/1", earliest: "12:00:05.75", latest: "12:00:09", anchored: true, remedy: "uninstall/none/0/true"}},
		// From the real controller (the busy set): an action's failure
		// written while Reconciling still says it runs. The retry is timed
		// from the failure as after the epilogue's patch (which followed 14
		// ms later); the uninstall remediation began 16 ms after the state.
		// Both hold their worker (TestFailureHoldsTheWorker).
		{fixture: "failure-recorded-retrying", want: want{phase: PhaseRetrying, action: ActionUpgrade, strategy: "RetryOnFailure/spec/install",
			failures: "1/-1/false/1", earliest: "12:00:08.5", latest: "12:00:11.7", anchored: true, remedy: "/none/0/false"}},
		{fixture: "failure-recorded-remediating", want: want{phase: PhaseRemediating, action: ActionUninstall, strategy: "RemediateOnFailure/spec/install",
			failures: "1/4/false/1", earliest: "11:59:59", latest: "12:00:02.2", anchored: true, remedy: "uninstall/uninstall/0/false"}},
		{fixture: "remediation-pending", want: want{phase: PhaseRemediating, action: ActionRollback, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/4/false/1", earliest: "11:59:50", latest: "11:59:53.2", anchored: true, overdue: true, remedy: "rollback/rollback/1/false",
			warnings: []string{WarnRollbackNotData}}},
		{fixture: "stalled-retries-exceeded", want: want{phase: PhaseStalled, action: ActionNone, strategy: "RemediateOnFailure/default/upgrade",
			failures: "3/3/true/3", remedy: "rollback/none/0/false", warnings: []string{WarnRollbackNotData}, wayOut: "--reset"}},
		{fixture: "stalled-inferred", want: want{phase: PhaseStalled, action: ActionNone, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/1/true/1", remedy: "rollback/none/0/false", wayOut: "--reset"}},
		{fixture: "stalled-missing-rollback-target", want: want{phase: PhaseStalled, action: ActionNone, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/2/false/1", remedy: "rollback/rollback/0/false", warnings: []string{WarnRollbackNotData}, wayOut: "forces an upgrade"}},
		{fixture: "stalled-access-denied", want: want{phase: PhaseStalled, action: ActionNone, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", remedy: "uninstall/none/0/false", wayOut: "force will not help"}},
		{fixture: "unlimited-retries", want: want{phase: PhaseRemediating, action: ActionUpgrade, strategy: "RemediateOnFailure/default/upgrade",
			failures: "7/-1/false/7", earliest: "12:00:05.75", latest: "12:01:42", anchored: true, remedy: "rollback/none/0/true",
			warnings: []string{WarnRollbackNotData}}},
		{fixture: "progressing", want: want{phase: PhaseProgressing, action: ActionUpgrade, strategy: "RemediateOnFailure/default/upgrade",
			failures: "0/1/false/0", earliest: "11:58:00", latest: "12:13:01", anchored: true, remedy: "rollback/none/0/false"}},
		// Ground truth, scenario 11: a chart that does not render under
		// RemediateOnFailure leaves "Running 'install'" beside a newer
		// Ready=False; the controller retries with its error backoff: 6 s
		// after 3 failures, or 12 s if the finalizer's requeue repeated.
		{fixture: "template-error-remediate", want: want{phase: PhaseFailed, action: ActionInstall, strategy: "RemediateOnFailure/default/install",
			failures: "0/3/false/3", earliest: "11:59:55", latest: "12:00:09", anchored: true, remedy: "uninstall/none/0/false"}},
		// --min-retry-delay is the backoff's base: 2s·2^3 after 3 failures
		// (or 2s·2^4).
		{fixture: "template-error-remediate", name: "min-retry-delay-2s", settings: &slowBackoff, want: want{phase: PhaseFailed, action: ActionInstall,
			strategy: "RemediateOnFailure/default/install", failures: "0/3/false/3", earliest: "11:59:55", latest: "12:00:29", anchored: true,
			remedy: "uninstall/none/0/false"}},
		{fixture: "rollback-running", want: want{phase: PhaseProgressing, action: ActionRollback, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/4/false/1", earliest: "11:59:58", latest: "12:14:59", anchored: true, remedy: "rollback/none/0/false",
			warnings: []string{WarnRollbackNotData}}},
		{fixture: "progressing-prerequisites", want: want{phase: PhaseProgressing, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", remedy: "uninstall/none/0/false"}},
		{fixture: "waiting-dependency", want: want{phase: PhaseWaiting, action: ActionRecheck, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "12:00:00", latest: "12:00:30", remedy: "uninstall/none/0/false"}},
		{fixture: "waiting-dependency-leftover-reconciling", want: want{phase: PhaseWaiting, action: ActionRecheck, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "12:00:00", latest: "12:00:30", remedy: "uninstall/none/0/false"}},
		{fixture: "failed-values-leftover-reconciling", want: want{phase: PhaseFailed, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "12:00:00", latest: "12:15:00", remedy: "uninstall/none/0/false"}},
		{fixture: "retry-starting", want: want{phase: PhaseProgressing, action: ActionReconcile, strategy: "RetryOnFailure/spec/upgrade",
			failures: "1/-1/false/1", remedy: "/none/0/false"}},
		{fixture: "pending-crd-default", want: want{phase: PhasePending, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", remedy: "uninstall/none/0/false"}},
		{fixture: "waiting-source", want: want{phase: PhaseWaiting, action: ActionRecheck, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "12:00:00", latest: "12:00:31.5", remedy: "uninstall/none/0/false"}},
		{fixture: "failed-values", want: want{phase: PhaseFailed, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/4", earliest: "12:00:00", latest: "12:15:00", remedy: "uninstall/none/0/false"}},
		{fixture: "suspended", want: want{phase: PhaseSuspended, action: ActionNone, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/1/true/0", remedy: "rollback/none/0/false", wayOut: "--resume"}},
		{fixture: "deleting", want: want{phase: PhaseDeleting, action: ActionUninstall, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", remedy: "uninstall/none/0/false"}},
		{fixture: "pending", want: want{phase: PhasePending, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", remedy: "uninstall/none/0/false", wayOut: "helm-controller is running"}},
		{fixture: "spec-changed", want: want{phase: PhaseProgressing, action: ActionReconcile, strategy: "RetryOnFailure/spec/upgrade",
			failures: "1/-1/false/1", remedy: "/none/0/false", warnings: []string{WarnSpecChanged}}},
		{fixture: "force-not-honoured", want: want{phase: PhaseWaiting, action: ActionRecheck, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "12:00:00", latest: "12:00:30", remedy: "uninstall/none/0/false",
			warnings: []string{WarnForceIgnored, WarnResetIgnored}}},
		// Ground truth, force scenarios: a pending request is acted on at
		// once; one left unhandled for minutes means the controller is not
		// handling requests (overdue).
		{fixture: "request-not-handled", want: want{phase: PhaseReady, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "11:58:00", latest: "11:58:10", anchored: true, overdue: true,
			remedy: "uninstall/none/0/false", warnings: []string{WarnRequestPending}}},
		{fixture: "forced-request-pending", want: want{phase: PhaseStalled, action: ActionUpgrade, strategy: "RemediateOnFailure/default/upgrade",
			failures: "3/3/true/3", earliest: "11:59:59.5", latest: "12:00:09.5", anchored: true, remedy: "rollback/rollback/1/false",
			warnings: []string{WarnRequestPending, WarnRollbackNotData}}},
		// Ground truth, force scenario 16: a forced reconcile of a release
		// waiting for a dependency stops at the dependency again.
		{fixture: "forced-request-on-dependency-wait", want: want{phase: PhaseWaiting, action: ActionRecheck, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "11:59:59", latest: "12:00:09", anchored: true, remedy: "uninstall/none/0/false",
			warnings: []string{WarnRequestPending}}},
		// Ground truth, scenario 07 (a transient): the failed install is in
		// storage, so its remediation follows in the same reconcile.
		{fixture: "install-failed-remediation-follows", want: want{phase: PhaseRemediating, action: ActionUninstall, strategy: "RemediateOnFailure/default/install",
			failures: "2/3/false/2", earliest: "11:59:55", latest: "11:59:58.2", anchored: true, overdue: true, remedy: "uninstall/uninstall/0/false"}},
		// Ground truth, scenario 15: after a reset the controller upgrades
		// the failed install, under the upgrade's strategy (1 attempt).
		{fixture: "stalled-install-retries", want: want{phase: PhaseStalled, action: ActionNone, strategy: "RemediateOnFailure/default/install",
			failures: "2/2/true/2", remedy: "uninstall/none/0/false", wayOut: "force --reset: reset the failure counters: 1 attempt(s) of upgrade under RemediateOnFailure"}},
		// Wave 2 (issue 11): each row follows a helm-controller v1.6.4 rule
		// cited in pkg/inspect; the fixtures say whether the state is also
		// produced by the real controller in test/groundtruth.
		{fixture: "spec-changed-dependency-not-ready", want: want{phase: PhaseWaiting, action: ActionRecheck, strategy: "RemediateOnFailure/default/upgrade",
			failures: "0/1/false/0", earliest: "12:00:00", latest: "12:00:30", remedy: "rollback/none/0/false",
			warnings: []string{WarnSpecChanged}, why: "checked again every 30s"}},
		{fixture: "spec-changed-values-missing", want: want{phase: PhaseFailed, action: ActionReconcile, strategy: "RemediateOnFailure/default/upgrade",
			failures: "2/4/false/2", earliest: "12:00:00", latest: "12:15:00", remedy: "rollback/none/0/false",
			warnings: []string{WarnSpecChanged, WarnRollbackNotData}}},
		{fixture: "force-during-upgrade", want: want{phase: PhaseProgressing, action: ActionUpgrade, strategy: "RemediateOnFailure/default/upgrade",
			failures: "0/2/false/0", earliest: "11:59:30", latest: "12:31:12.2", anchored: true, remedy: "rollback/none/0/false",
			warnings: []string{WarnRequestPending}, why: "once that reconcile ends"}},
		// The gate cancels only the health checks: a request made before
		// they began (the apply, the pre-hooks) waits as without it (the
		// ground truth's 20 under load: cancelled 10.9 s after the request,
		// when the wait began), so the latest end is the reconcile's.
		{fixture: "request-during-upgrade-cancel-gate", settings: &cancelGate, want: want{phase: PhaseProgressing, action: ActionReconcile,
			strategy: "RemediateOnFailure/default/upgrade", failures: "0/2/false/0", earliest: "11:59:30", latest: "12:31:12.2", anchored: true,
			remedy: "rollback/none/0/false", warnings: []string{WarnRequestPending}, why: "HealthCheckCanceled"}},
		{fixture: "upgrade-render-error-on-failed", want: want{phase: PhaseFailed, action: ActionUpgrade, strategy: "RemediateOnFailure/default/upgrade",
			failures: "0/1/false/1", earliest: "11:59:50", latest: "12:14:52", anchored: true, remedy: "rollback/none/0/false",
			why: "chart or values change"}},
		{fixture: "remediating-after-spec-change", want: want{phase: PhaseRemediating, action: ActionUpgrade, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/4/false/1", earliest: "12:00:00.75", latest: "12:15:01", anchored: true, remedy: "rollback/none/0/true",
			warnings: []string{WarnRollbackNotData}, why: "spec change to generation 4"}},
		{fixture: "remediating-after-success", want: want{phase: PhaseRemediating, action: ActionUpgrade, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/4/false/1", earliest: "12:00:00.75", latest: "12:00:02.5", anchored: true, remedy: "rollback/none/0/true",
			warnings: []string{WarnRollbackNotData}}},
		{fixture: "running-with-hooks", want: want{phase: PhaseProgressing, action: ActionUpgrade, strategy: "RemediateOnFailure/default/upgrade",
			failures: "0/1/false/0", earliest: "11:40:00", latest: "11:55:01", anchored: true, remedy: "rollback/none/0/false"}},
		{fixture: "adoption-retrying", want: want{phase: PhaseRetrying, action: ActionUpgrade, strategy: "RetryOnFailure/spec/upgrade",
			failures: "0/-1/false/1", earliest: "12:00:27", latest: "12:00:35.2", anchored: true, remedy: "/none/0/false"}},
		{fixture: "drift-correction-failing", want: want{phase: PhaseFailed, action: ActionCorrectDrift, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "11:59:50", latest: "12:14:52", anchored: true, remedy: "uninstall/none/0/false",
			warnings: []string{WarnDrifted}}},
		{fixture: "drift-correction-retrying", want: want{phase: PhaseRetrying, action: ActionCorrectDrift, strategy: "RetryOnFailure/spec/install",
			failures: "0/-1/false/0", earliest: "12:01:44", latest: "12:01:58.2", anchored: true, remedy: "/none/0/false",
			warnings: []string{WarnStallTrap, WarnDrifted}}},
		{fixture: "drift-warn", want: want{phase: PhaseReady, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "12:04:30", latest: "12:05:41", remedy: "uninstall/none/0/false", warnings: []string{WarnDrifted}}},
		{fixture: "test-failed-ignored", want: want{phase: PhaseFailed, action: ActionReconcile, strategy: "RemediateOnFailure/default/upgrade",
			failures: "0/3/false/1", earliest: "12:07:30", latest: "12:08:41", remedy: "rollback/none/0/false", why: "ignores test failures"}},
		{fixture: "upgrade-uninstalled-install-next", want: want{phase: PhaseRemediating, action: ActionInstall, strategy: "RemediateOnFailure/default/upgrade",
			failures: "0/2/false/1", earliest: "12:00:00.75", latest: "12:15:01", anchored: true, remedy: "uninstall/none/0/true",
			why: "install attempt 1 of 2"}},
		{fixture: "rollback-errored", want: want{phase: PhaseFailed, action: ActionRollback, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/4/false/2", earliest: "12:00:02.75", latest: "12:00:05.95", anchored: true, remedy: "rollback/rollback/1/false",
			warnings: []string{WarnRollbackNotData}}},
		{fixture: "rollback-errored-again", want: want{phase: PhaseFailed, action: ActionRollback, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/4/false/2", earliest: "12:00:00.75", latest: "12:00:03.95", anchored: true, remedy: "rollback/rollback/1/false",
			warnings: []string{WarnRollbackNotData}}},
		{fixture: "force-being-handled", want: want{phase: PhaseStalled, action: ActionNone, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/1/true/2", remedy: "rollback/none/0/false", warnings: []string{WarnRequestPending}}},
		{fixture: "remediate-last-failure", want: want{phase: PhaseRemediating, action: ActionRollback, strategy: "RemediateOnFailure/default/upgrade",
			failures: "1/1/true/1", earliest: "11:59:50", latest: "11:59:53.2", anchored: true, overdue: true, remedy: "rollback/rollback/1/false",
			warnings: []string{WarnRollbackNotData}}},
		{fixture: "force-on-access-denied", want: want{phase: PhaseStalled, action: ActionReconcile, strategy: "RemediateOnFailure/default/install",
			failures: "0/1/false/0", earliest: "11:59:59", latest: "12:00:09", anchored: true, remedy: "uninstall/none/0/false",
			warnings: []string{WarnRequestPending}, why: "stops before Helm again"}},
	}
	// Fixtures from the real controller, analysed at the time they were
	// seen by tests of their own.
	seen := map[string]bool{
		"health-check-canceled-request":        true, // TestRequestAfterHealthCheckCanceled
		"uninstall-remediated-snapshot-behind": true, // TestUninstallRemediatedBeforeTheSnapshot
	}
	for _, tc := range cases {
		seen[tc.fixture] = true
		name := tc.fixture
		if tc.name != "" {
			name = tc.name
		}
		t.Run(name, func(t *testing.T) {
			s := DefaultSettings()
			if tc.settings != nil {
				s = *tc.settings
			}
			st := loadState(t, tc.fixture, s)
			checkState(t, st, tc.want)
		})
	}
	// Every fixture must be a row of the table.
	files, _ := filepath.Glob(filepath.Join("testdata", "states", "*.yaml"))
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".yaml"); !seen[name] {
			t.Errorf("fixture %s has no row in TestAnalyzeStates", name)
		}
	}
}

func checkState(t *testing.T, st RetryState, w want) {
	t.Helper()
	eq := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	eq("phase", st.Phase, w.phase)
	eq("next.action", st.Next.Action, w.action)
	eq("strategy", st.Strategy.Name+"/"+st.Strategy.Source+"/"+st.Strategy.Action, w.strategy)
	eq("failures", fmtFailures(st.Failures), w.failures)
	eq("remediation", fmtRemedy(st.Remediation), w.remedy)
	eq("next.earliest", fmtTime(st.Next.Earliest), fmtTime(at(t, w.earliest)))
	eq("next.latest", fmtTime(st.Next.Latest), fmtTime(at(t, w.latest)))
	eq("next.anchored", st.Next.Anchored, w.anchored)
	eq("next.overdue", st.Next.Overdue, w.overdue)
	var codes []string
	for _, wn := range st.Warnings {
		codes = append(codes, wn.Code)
	}
	if !slices.Equal(codes, w.warnings) {
		t.Errorf("warnings = %v, want %v", codes, w.warnings)
	}
	steps := make([]string, 0, len(st.NextSteps))
	for _, s := range st.NextSteps {
		steps = append(steps, stepText(s))
	}
	if w.wayOut != "" && !slices.ContainsFunc(steps, func(s string) bool { return strings.Contains(s, w.wayOut) }) {
		t.Errorf("next steps %q: none mentions %q", steps, w.wayOut)
	}
	if w.why != "" && !strings.Contains(st.Next.Why, w.why) {
		t.Errorf("next.why %q does not mention %q", st.Next.Why, w.why)
	}
	if st.Next.Why == "" || st.Summary == "" {
		t.Errorf("empty explanation: why=%q summary=%q", st.Next.Why, st.Summary)
	}
}

func fmtFailures(f Failures) string {
	return strings.Join([]string{itoa(f.Count), itoa(f.Allowed), boolText(f.Exhausted), itoa(f.Total)}, "/")
}

func fmtRemedy(r Remediation) string {
	return strings.Join([]string{r.Strategy, string(r.Next), itoa(int64(r.ToRevision)), boolText(r.Done)}, "/")
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "<nil>"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestAnalyzeDecodedKeepsOrder(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "states", "*.yaml"))
	var raws [][]byte
	var want []RetryState
	for i := 0; i < 300; i++ {
		y, _ := os.ReadFile(files[i%len(files)])
		j, err := yaml.YAMLToJSON(y)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, j)
		want = append(want, AnalyzeJSON(j, testNow, DefaultSettings()))
	}
	got := AnalyzeDecoded(DecodeAll(raws), testNow, DefaultSettings())
	for i := range want {
		if got[i].Name != want[i].Name || got[i].Phase != want[i].Phase || got[i].Next.Why != want[i].Next.Why {
			t.Fatalf("item %d: got %s/%s, want %s/%s", i, got[i].Name, got[i].Phase, want[i].Name, want[i].Phase)
		}
	}
	if len(AnalyzeDecoded(DecodeAll(nil), testNow, DefaultSettings())) != 0 {
		t.Errorf("no input, no output")
	}
}

// stepText is "kind flags...: effect: note", for matching.
func stepText(s Step) string {
	return strings.Join(append([]string{string(s.Kind)}, s.Flags...), " ") + ": " + s.Effect + ": " + s.Note
}

// TestHistoryNewestFirst: the cleaned history is newest first whatever
// order the object lists it in (it is sorted only when it is not already),
// and the release shown is its newest, as Snapshots.Latest has it.
func TestHistoryNewestFirst(t *testing.T) {
	snap := func(v int) *v2.Snapshot {
		return &v2.Snapshot{Version: v, ChartName: "c", ChartVersion: strconv.Itoa(v)}
	}
	for _, in := range []v2.Snapshots{{snap(1), nil, snap(3), snap(2)}, {snap(3), snap(2), snap(1)}, {snap(2), snap(3), snap(1)}} {
		got := cleanHistory(in)
		if len(got) != 3 || got[0].Version != 3 || got[1].Version != 2 || got[2].Version != 1 {
			t.Errorf("cleanHistory: versions %v, want 3 2 1", versions(got))
		}
		hr := &v2.HelmRelease{Status: v2.HelmReleaseStatus{History: in}}
		if r := release(hr, cleanHistory(in)); r.Revision != 3 || r.Version != "3" {
			t.Errorf("release of %v: revision %d, version %q; want the newest, 3", versions(in), r.Revision, r.Version)
		}
		if want := slices.Clone(cleanHistory(in)).Latest(); newest(cleanHistory(in)).Version != want.Version {
			t.Errorf("newest of %v is not Snapshots.Latest's %d", versions(in), want.Version)
		}
	}
	if newest(nil) != nil {
		t.Error("newest of no history")
	}
}

func versions(h v2.Snapshots) []int {
	var out []int
	for _, s := range h {
		if s != nil {
			out = append(out, s.Version)
		}
	}
	return out
}
