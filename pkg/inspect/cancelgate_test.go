package inspect

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	if st.Next.Rule != RuleRequest || st.Next.Action != ActionUpgrade || st.Next.Earliest == nil || st.Next.Latest == nil {
		t.Fatalf("next = %+v, want the forced upgrade's request window (the real controller upgraded)", st.Next)
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

// The uninstall remediation's Remediated condition is written before the
// history snapshot says "uninstalling": the next attempt is an install
// all the same (the real controller installed at 23:35:30.5).
func TestUninstallRemediatedBeforeTheSnapshot(t *testing.T) {
	now := time.Date(2026, 12, 6, 23, 35, 17, 628_000_000, time.UTC)
	st := Read(mustJSON(t, "uninstall-remediated-snapshot-behind")).AnalyzeWith(now, DefaultSettings(), Evidence{})
	if st.Phase != PhaseRemediating || st.Next.Action != ActionInstall {
		t.Fatalf("phase %s, next %s; want remediating, next install", st.Phase, st.Next.Action)
	}
	real := time.Date(2026, 12, 6, 23, 35, 30, 499_000_000, time.UTC)
	if st.Next.Earliest == nil || st.Next.Latest == nil || real.Before(*st.Next.Earliest) || real.After(st.Next.Latest.Add(2500*time.Millisecond)) {
		t.Errorf("window %v-%v, the real install at %s", st.Next.Earliest, st.Next.Latest, real.Format(time.TimeOnly))
	}
}

// The reconcile after a cancellation has begun ("Fulfilling
// prerequisites", Ready still HealthCheckCanceled): it is under way, not
// a stop before Helm (the real controller ran the forced upgrade 1 s
// later, 23:35:23.6). Read as a stop before Helm it would say failed.
func TestHealthCheckCanceledIsNotAStopBeforeHelm(t *testing.T) {
	gate := DefaultSettings()
	gate.CancelHealthCheckOnNewRevision = true
	d := Read(mustJSON(t, "health-check-canceled-request"))
	at := metav1.NewTime(time.Date(2026, 12, 6, 23, 35, 22, 0, time.UTC))
	for i, c := range d.Object.Status.Conditions {
		if c.Type == "Reconciling" {
			d.Object.Status.Conditions[i].Reason, d.Object.Status.Conditions[i].Message = reasonProgressing, "Fulfilling prerequisites"
			d.Object.Status.Conditions[i].LastTransitionTime = at
		}
	}
	now := time.Date(2026, 12, 6, 23, 35, 22, 604_000_000, time.UTC)
	st := d.AnalyzeWith(now, gate, Evidence{})
	if st.Phase != PhaseProgressing {
		t.Fatalf("phase %s (%s), want progressing", st.Phase, st.Next.Why)
	}
	real := time.Date(2026, 12, 6, 23, 35, 23, 590_000_000, time.UTC)
	if st.Next.Earliest == nil || st.Next.Latest == nil || real.Before(*st.Next.Earliest) || real.After(*st.Next.Latest) {
		t.Errorf("window %v-%v, the real upgrade at %s", st.Next.Earliest, st.Next.Latest, real.Format(time.TimeOnly))
	}
}
