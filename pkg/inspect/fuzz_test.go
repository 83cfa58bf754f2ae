package inspect

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// FuzzAnalyze feeds arbitrary objects (missing status, unknown enum values,
// garbage timestamps and durations, negative retries) and settings through
// the same path as the command. It must never panic, and what it returns
// must hold together.
func FuzzAnalyze(f *testing.F) {
	for _, j := range stateJSONs(f) {
		f.Add(j, 5, false, int64(0))
	}
	f.Fuzz(func(t *testing.T, raw []byte, jitter int, gate bool, offset int64) {
		s := DefaultSettings()
		s.JitterPercent, s.DefaultToRetryOnFailure = jitter, gate
		now := testNow.Add(time.Duration(offset))
		st := AnalyzeJSON(raw, now, s)
		checkInvariants(t, st)
	})
}

func checkInvariants(t *testing.T, st RetryState) {
	t.Helper()
	if !slices.Contains(Phases(), st.Phase) {
		t.Fatalf("unknown phase %q", st.Phase)
	}
	if st.Next.Action == "" || st.Next.Why == "" || st.Summary == "" {
		t.Fatalf("incomplete state: %+v", st.Next)
	}
	if (st.Next.Earliest == nil) != (st.Next.Latest == nil) {
		t.Fatalf("half a window: %v %v", st.Next.Earliest, st.Next.Latest)
	}
	if st.Next.Earliest != nil && st.Next.Latest.Before(*st.Next.Earliest) {
		t.Fatalf("window ends before it starts: %v > %v", *st.Next.Earliest, *st.Next.Latest)
	}
	if st.Next.Overdue && !st.Next.Anchored {
		t.Fatalf("overdue without an anchor")
	}
	if st.Phase == PhaseStalled && st.Next.Action != ActionNone && st.Next.Anchor == nil {
		t.Fatalf("stalled but next action %q without a pending request", st.Next.Action)
	}
}

// FuzzAnalyzeFields mutates the values the state machine reads rather than
// the JSON around them, so the fuzzer explores states instead of syntax.
func FuzzAnalyzeFields(f *testing.F) {
	f.Add("Reconciling", "True", "ProgressingWithRetry", "retrying after 5m0s", "2026-11-23T11:59:00Z", "upgrade", "RetryOnFailure", "5m", int64(2), int64(3), "failed", false)
	f.Add("Ready", "False", "RetryAfterInterval", "Will retry after 1h2m3.5s", "garbage", "install", "RemediateOnFailure", "", int64(-1), int64(-7), "uninstalling", true)
	f.Add("Stalled", "True", "RetriesExceeded", "Failed", "", "", "", "-5m", int64(0), int64(0), "", false)
	f.Add("Reconciling", "True", "Progressing", "Running 'upgrade' action with timeout of 99999h", "1970-01-01T00:00:00Z", "upgrade", "RetryOnFailure", "0s", int64(1<<40), int64(1<<62), "deployed", false)
	f.Fuzz(func(t *testing.T, typ, status, reason, msg, ltt, action, strategy, interval string, retries, failures int64, snapStatus string, suspend bool) {
		obj := map[string]any{
			"metadata": map[string]any{"name": "fuzz", "namespace": "ns", "generation": 2},
			"spec": map[string]any{"interval": interval, "suspend": suspend,
				"install": map[string]any{"strategy": map[string]any{"name": strategy, "retryInterval": interval}, "remediation": map[string]any{"retries": retries}},
				"upgrade": map[string]any{"strategy": map[string]any{"name": strategy}, "remediation": map[string]any{"retries": retries}}},
			"status": map[string]any{"observedGeneration": 2, "lastAttemptedGeneration": 2, "lastAttemptedReleaseAction": action,
				"failures": failures, "installFailures": failures, "upgradeFailures": failures,
				"conditions": []any{map[string]any{"type": typ, "status": status, "reason": reason, "message": msg, "lastTransitionTime": ltt},
					map[string]any{"type": "Ready", "status": "False", "reason": "UpgradeFailed", "message": msg, "lastTransitionTime": ltt}},
				"history": []any{map[string]any{"version": failures, "status": snapStatus, "chartName": "c", "chartVersion": "1"}, nil}},
		}
		raw, err := json.Marshal(obj)
		if err != nil {
			t.Skip()
		}
		checkInvariants(t, AnalyzeJSON(raw, testNow, DefaultSettings()))
	})
}
