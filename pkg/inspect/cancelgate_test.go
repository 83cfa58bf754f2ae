package inspect

import (
	"testing"
	"time"
)

// A request that cancelled a running install's health checks
// (CancelHealthCheckOnNewRevision): the reconcile that wrote
// HealthCheckCanceled returns Requeue after its 10 s cache wait, so the
// request is handled 10 s after that write at the earliest, not as a
// retrying release's request would be (the real controller: 12.6 s after
// the LTT, 23:35:22.6).
func TestRequestAfterHealthCheckCanceled(t *testing.T) {
	gate := DefaultSettings()
	gate.CancelHealthCheckOnNewRevision = true
	now := time.Date(2026, 12, 6, 23, 35, 12, 783_000_000, time.UTC)
	st := Read(mustJSON(t, "health-check-canceled-request")).AnalyzeWith(now, gate, Evidence{})
	if st.Next.Rule != RuleRequest || st.Next.Earliest == nil || st.Next.Latest == nil {
		t.Fatalf("next = %+v, want a request window", st.Next)
	}
	want := [2]string{"23:35:20", "23:35:30"}
	got := [2]string{st.Next.Earliest.UTC().Format(time.TimeOnly), st.Next.Latest.UTC().Format(time.TimeOnly)}
	if got != want {
		t.Errorf("window = %v, want %v", got, want)
	}
	real := time.Date(2026, 12, 6, 23, 35, 22, 604_000_000, time.UTC)
	if real.Before(*st.Next.Earliest) || real.After(*st.Next.Latest) {
		t.Errorf("the real reconcile at %s is outside the window", real.Format(time.TimeOnly))
	}
}
