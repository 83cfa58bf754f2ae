package history_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hrretry/kubectl-hrretry/pkg/history"
	"github.com/hrretry/kubectl-hrretry/pkg/history/historytest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

func riskLines(risks []inspect.RollbackRisk) []string {
	out := make([]string, len(risks))
	for i, r := range risks {
		out[i] = r.Kind + " " + r.Object
	}
	return out
}

// The story's rollback from 2 to 1: what it will not undo, in the order
// the reader needs it: the migration hook first, the volumes, the CRDs,
// the kept Secret, the probes, then the diff with the image first.
func TestRollbackRisksDone(t *testing.T) {
	revs := history.DecodeSecrets(historytest.Secrets(historytest.Releases()...))
	pair, risks := history.RollbackRisks(revs, inspect.RetryState{})
	if pair == nil || *pair != (inspect.RollbackPair{Failed: 2, Target: 1, Done: true}) {
		t.Fatalf("pair = %+v, want 2 -> 1, done", pair)
	}
	want := []string{
		"hook Job/shop-upgrade-step", // annotated as a migration: first
		"hook ConfigMap/notify",
		"pvc PersistentVolumeClaim/apps/data",
		"pvc PersistentVolumeClaim/apps/cache",
		"volumeClaimTemplate StatefulSet/apps/db",
		"crd CustomResourceDefinition/gadgets.example.com",
		"crd CustomResourceDefinition/widgets.example.com",
		"keep Secret/apps/api-key",
		"readinessWithoutStartup Deployment/apps/web",
		"image Deployment/apps/web",
		"changed ConfigMap/apps/config",
		"removed Service/apps/legacy",
	}
	if got := riskLines(risks); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("risks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	reasons := map[string]string{}
	for _, r := range risks {
		reasons[r.Kind+" "+r.Object] = r.Reason
	}
	for key, part := range map[string]string{
		"hook Job/shop-upgrade-step":                       "a migration",
		"pvc PersistentVolumeClaim/apps/cache":             "deletes the claim",
		"pvc PersistentVolumeClaim/apps/data":              "data stays as revision 2 left it",
		"crd CustomResourceDefinition/widgets.example.com": "changed in revision 2's crds/",
		"crd CustomResourceDefinition/gadgets.example.com": "new in revision 2's crds/",
		"image Deployment/apps/web":                        "ghcr.io/example/shop:2.0.0 in revision 2, ghcr.io/example/shop:1.0.0 after the rollback",
		"keep Secret/apps/api-key":                         "revision 1 does not have it",
	} {
		if !strings.Contains(reasons[key], part) {
			t.Errorf("%s: reason %q lacks %q", key, reasons[key], part)
		}
	}
}

// Before the rollback: the analysis predicts one to revision 1.
func TestRollbackRisksNext(t *testing.T) {
	rels := historytest.Releases()[:2]
	revs := history.DecodeSecrets(historytest.Secrets(rels...))
	st := inspect.RetryState{Remediation: inspect.Remediation{Strategy: "rollback", Next: inspect.ActionRollback}}
	pair, risks := history.RollbackRisks(revs, st)
	if pair == nil || *pair != (inspect.RollbackPair{Failed: 2, Target: 1}) {
		t.Fatalf("pair = %+v, want 2 -> 1, to come", pair)
	}
	if len(risks) == 0 || risks[0].Object != "Job/shop-upgrade-step" {
		t.Errorf("risks = %v, want the migration hook first", riskLines(risks))
	}
	// No rollback last or next: nothing to list.
	if pair, risks := history.RollbackRisks(revs, inspect.RetryState{}); pair != nil || risks != nil {
		t.Errorf("without a rollback: %v %v", pair, risks)
	}
}

// The target's Secret is corrupted: one "unreadable" risk, and the generic
// warning stays.
func TestRollbackRisksTargetUnreadable(t *testing.T) {
	secrets := historytest.Secrets(historytest.Releases()...)
	for i := range secrets {
		if secrets[i].Labels["version"] == "1" {
			secrets[i].Data["release"] = []byte("not base64!")
		}
	}
	revs := history.DecodeSecrets(secrets)
	pair, risks := history.RollbackRisks(revs, inspect.RetryState{})
	if pair == nil || len(risks) != 1 || risks[0].Kind != history.RiskUnreadable || risks[0].Object != "revision 1" {
		t.Fatalf("pair %+v, risks %v: want one unreadable revision 1", pair, riskLines(risks))
	}
	st := inspect.RetryState{Warnings: []inspect.Warning{{Code: inspect.WarnRollbackNotData}}}
	if got := history.WithRisks(st, pair, risks); len(got.Warnings) != 1 {
		t.Errorf("the generic warning went although the risks are unknown: %v", got.Warnings)
	}
}

func TestWithRisksReplacesTheGenericWarning(t *testing.T) {
	st := inspect.RetryState{Warnings: []inspect.Warning{{Code: inspect.WarnRollbackNotData}, {Code: inspect.WarnDrifted}}}
	pair := &inspect.RollbackPair{Failed: 2, Target: 1}
	risks := []inspect.RollbackRisk{{Kind: history.RiskPVC, Object: "PersistentVolumeClaim/apps/data", Reason: "r"}}
	got := history.WithRisks(st, pair, risks)
	if len(got.Warnings) != 1 || got.Warnings[0].Code != inspect.WarnDrifted {
		t.Errorf("warnings = %v, want only Drifted", got.Warnings)
	}
	if len(st.Warnings) != 2 {
		t.Errorf("WithRisks changed its input: %v", st.Warnings)
	}
	if fmt.Sprint(got.RollbackRisks) != fmt.Sprint(risks) || got.Rollback != pair {
		t.Errorf("risks not set: %+v", got)
	}
	if same := history.WithRisks(st, nil, nil); len(same.Warnings) != 2 {
		t.Errorf("no pair: the warning must stay")
	}
}
