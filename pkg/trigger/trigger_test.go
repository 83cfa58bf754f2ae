package trigger

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

const token = "2026-11-23T12:00:00.123456789Z"

func TestPlan(t *testing.T) {
	targets := []Target{
		{Namespace: "b", Name: "web"},
		{Namespace: "a", Name: "paused", Suspended: true},
		{Namespace: "a", Name: "api"},
		{Namespace: "a", Name: "gone", Phase: inspect.PhaseDeleting},
	}
	cases := []struct {
		name string
		req  Request
		// wantPatch is the patch of a/api; wantPaused that of a/paused ("" = refused).
		wantPatch, wantPaused string
	}{
		{"force", Request{Token: token, Force: true},
			`{"metadata":{"annotations":{"reconcile.fluxcd.io/forceAt":"` + token + `","reconcile.fluxcd.io/requestedAt":"` + token + `"}}}`, ""},
		{"reset", Request{Token: token, Force: true, Reset: true},
			`{"metadata":{"annotations":{"reconcile.fluxcd.io/forceAt":"` + token + `","reconcile.fluxcd.io/requestedAt":"` + token + `","reconcile.fluxcd.io/resetAt":"` + token + `"}}}`, ""},
		{"no-force", Request{Token: token},
			`{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":"` + token + `"}}}`, ""},
		{"resume", Request{Token: token, Force: true, Resume: true},
			`{"metadata":{"annotations":{"reconcile.fluxcd.io/forceAt":"` + token + `","reconcile.fluxcd.io/requestedAt":"` + token + `"}}}`,
			`{"metadata":{"annotations":{"reconcile.fluxcd.io/forceAt":"` + token + `","reconcile.fluxcd.io/requestedAt":"` + token + `"}},"spec":{"suspend":false}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPlan(targets, tc.req)
			var order []string
			for _, it := range p.Items {
				order = append(order, it.Namespace+"/"+it.Name)
			}
			if got := strings.Join(order, " "); got != "a/api a/gone a/paused b/web" {
				t.Errorf("order = %s", got)
			}
			if got := string(p.Items[0].Patch); got != tc.wantPatch {
				t.Errorf("patch = %s\nwant    %s", got, tc.wantPatch)
			}
			if got := string(p.Items[2].Patch); got != tc.wantPaused {
				t.Errorf("suspended patch = %q, want %q (refused: %q)", got, tc.wantPaused, p.Items[2].Refused)
			}
			if p.Items[1].Refused == "" || p.Items[1].Patch != nil {
				t.Errorf("an object being deleted must be refused")
			}
			var m map[string]any
			if err := json.Unmarshal(p.Items[0].Patch, &m); err != nil || len(m) != 1 {
				t.Errorf("the patch may touch metadata.annotations only: %s", p.Items[0].Patch)
			}
		})
	}
}

func handled(force, reset string, conds ...metav1.Condition) *v2.HelmRelease {
	hr := &v2.HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "apps", Generation: 1,
		Finalizers: []string{v2.HelmReleaseFinalizer}}}
	hr.Spec.Interval = metav1.Duration{Duration: time.Minute}
	hr.Status.ObservedGeneration = 1
	hr.Status.LastHandledReconcileAt = token
	hr.Status.LastHandledForceAt = force
	hr.Status.LastHandledResetAt = reset
	hr.Status.Conditions = conds
	return hr
}

func cond(typ, status, reason, msg string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: metav1.ConditionStatus(status), Reason: reason, Message: msg,
		LastTransitionTime: metav1.NewTime(time.Date(2026, 11, 23, 12, 0, 1, 0, time.UTC))}
}

func TestEvaluate(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 2, 0, time.UTC)
	force := Request{Token: token, Force: true}
	cases := []struct {
		name     string
		hr       *v2.HelmRelease
		req      Request
		done     bool
		outcome  Outcome
		contains string
	}{
		{"not handled yet", func() *v2.HelmRelease { h := handled("", ""); h.Status.LastHandledReconcileAt = "old"; return h }(), force, false, "", ""},
		{"ready", handled(token, "", cond("Ready", "True", "UpgradeSucceeded", "Helm upgrade succeeded")), force, true, OutcomeReady, "succeeded"},
		{"force not honoured", handled("old", "", cond("Ready", "False", "DependencyNotReady", "dependency 'apps/db' is not ready")), force, true, OutcomeNotHonoured, "apps/db"},
		{"reset not honoured", handled(token, "old", cond("Ready", "True", "UpgradeSucceeded", "ok")), Request{Token: token, Force: true, Reset: true}, true, OutcomeNotHonoured, "plain reconcile"},
		{"still running", handled(token, "", cond("Ready", "Unknown", "Progressing", "Running 'upgrade' action with timeout of 5m0s"),
			cond("Reconciling", "True", "Progressing", "Running 'upgrade' action with timeout of 5m0s")), force, false, "", ""},
		{"failed again", handled(token, "", cond("Ready", "False", "UpgradeFailed", "Helm upgrade failed: boom"),
			cond("Reconciling", "True", "ProgressingWithRetry", "retrying after 5m0s")), force, true, OutcomeFailed, "boom"},
		{"stalled", handled(token, "", cond("Ready", "False", "UpgradeFailed", "Helm upgrade failed: boom"),
			cond("Stalled", "True", "RetriesExceeded", "Failed to upgrade after 1 attempt(s)")), force, true, OutcomeStalled, "boom"},
		{"first reconcile only added the finalizer", func() *v2.HelmRelease { h := handled("", ""); h.Finalizers = nil; return h }(), force, false, "", ""},
		{"plain reconcile waiting", handled("", "", cond("Ready", "False", "DependencyNotReady", "dependency 'apps/db' is not ready")), Request{Token: token}, true, OutcomeNotHonoured, "waiting"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, done := Evaluate(inspect.Decoded{Object: tc.hr}, tc.req, now, inspect.DefaultSettings())
			if done != tc.done || res.Outcome != tc.outcome {
				t.Fatalf("Evaluate = (%s, %v), want (%s, %v): %s", res.Outcome, done, tc.outcome, tc.done, res.Message)
			}
			if !strings.Contains(res.Message, tc.contains) {
				t.Errorf("message %q does not contain %q", res.Message, tc.contains)
			}
		})
	}
}
