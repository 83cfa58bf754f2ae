package inspect

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
)

// Objects from other controller versions or written by hand must not hide
// what can be read: a wrong-typed field costs that field, not the object.
func TestDecodeKeepsWhatDecodes(t *testing.T) {
	cases := []struct {
		name, raw   string
		wantPhase   Phase
		wantWarning string
	}{
		{"garbage retry interval", `{"metadata":{"name":"a","namespace":"n"},"spec":{"interval":"banana","upgrade":{"strategy":{"name":"RetryOnFailure","retryInterval":"soon"}}},
			"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True","reason":"InstallSucceeded","message":"ok","lastTransitionTime":"2026-11-23T11:00:00Z"}]}}`,
			PhaseReady, "spec:"},
		{"garbage timestamp keeps other fields", `{"metadata":{"name":"a","namespace":"n"},"status":{"observedGeneration":1,"failures":3,
			"conditions":[{"type":"Ready","status":"False","reason":"ValuesError","message":"x","lastTransitionTime":"yesterday"}]}}`,
			PhaseFailed, "status:"},
		{"status is a string", `{"metadata":{"name":"a","namespace":"n"},"status":"broken"}`, PhasePending, "status: not an object"},
		{"not JSON", `{{{`, PhasePending, "not a JSON object"},
		{"unknown strategy and negative retries", `{"metadata":{"name":"a","namespace":"n"},"spec":{"interval":"1m","upgrade":{"strategy":{"name":"Teleport"},"remediation":{"retries":-5}}},
			"status":{"observedGeneration":1,"lastAttemptedReleaseAction":"upgrade","upgradeFailures":9,"conditions":[{"type":"Ready","status":"False","reason":"UpgradeFailed","message":"boom","lastTransitionTime":"2026-11-23T11:59:00Z"},
			{"type":"Reconciling","status":"True","reason":"ProgressingWithRetry","message":"boom","lastTransitionTime":"2026-11-23T11:59:00Z"}]}}`,
			PhaseRemediating, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := AnalyzeJSON([]byte(tc.raw), testNow, DefaultSettings())
			checkInvariants(t, st)
			if st.Phase != tc.wantPhase {
				t.Errorf("phase = %s, want %s", st.Phase, tc.wantPhase)
			}
			found := tc.wantWarning == ""
			for _, w := range st.Warnings {
				if w.Code == "UndecodableField" && strings.Contains(w.Message, tc.wantWarning) {
					found = true
				}
			}
			if !found {
				t.Errorf("no UndecodableField warning mentioning %q in %+v", tc.wantWarning, st.Warnings)
			}
		})
	}
}

func TestSettingsFromArgs(t *testing.T) {
	s, errs := DefaultSettings().ApplyArgs([]string{"--watch-all-namespaces", "--interval-jitter-percentage=20",
		"--feature-gates", "OOMWatch=true,DefaultToRetryOnFailure=true", "--requeue-dependency=5s", "--max-retry-delay=bad"})
	if s.JitterPercent != 20 || !s.DefaultToRetryOnFailure || s.DependencyRequeue.D().String() != "5s" {
		t.Errorf("settings = %+v", s)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "max-retry-delay") {
		t.Errorf("errs = %v, want one about --max-retry-delay", errs)
	}
	if s.MaxRetryDelay != DefaultSettings().MaxRetryDelay {
		t.Errorf("a malformed flag must keep the default, got %s", s.MaxRetryDelay)
	}
	s, errs = DefaultSettings().ApplyArgs([]string{"--concurrent=10", "--min-retry-delay", "2s",
		"--feature-gates=CancelHealthCheckOnNewRevision=true,DefaultToRetryOnFailure=false"})
	if len(errs) != 0 || s.Concurrent != 10 || s.MinRetryDelay.D() != 2*time.Second || !s.CancelHealthCheckOnNewRevision || s.DefaultToRetryOnFailure {
		t.Errorf("settings = %+v, errs = %v", s, errs)
	}
	if s, errs := DefaultSettings().ApplyArgs([]string{"--concurrent=0"}); len(errs) != 1 || s.Concurrent != 4 {
		t.Errorf("--concurrent=0 must be rejected and the default 4 kept: %v %d", errs, s.Concurrent)
	}
	if _, errs := DefaultSettings().ApplyArgs([]string{"--interval-jitter-percentage=100"}); len(errs) != 1 {
		t.Errorf("jitter 100 must be rejected like the controller does")
	}
}

// The lean decode must read everything analysis uses, and drop the rest.
func TestLeanDecode(t *testing.T) {
	raw, err := os.ReadFile("testdata/realistic.json")
	if err != nil {
		t.Fatal(err)
	}
	hr, problems := DecodeJSON(raw)
	full := &v2.HelmRelease{}
	if err := json.Unmarshal(raw, full); err != nil || problems != nil {
		t.Fatal(err, problems)
	}
	if hr.Spec.Values != nil || hr.ManagedFields != nil || hr.Status.Inventory != nil {
		t.Errorf("values, managedFields and inventory must be skipped")
	}
	full.Spec.Values, full.ManagedFields, full.Status.Inventory = nil, nil, nil
	got, _ := json.Marshal(hr)
	want, _ := json.Marshal(full)
	if string(got) != string(want) {
		t.Errorf("lean decode differs from the full one:\n got %s\nwant %s", got, want)
	}
	if hr.Status.LastHandledReconcileAt == "" && full.Status.LastHandledReconcileAt != "" {
		t.Errorf("inline status fields lost")
	}
}
