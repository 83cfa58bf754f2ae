package inspect

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// TestDecodeStatusFieldByField: one status field of the wrong type costs
// that field only; every other field of the status is kept.
func TestDecodeStatusFieldByField(t *testing.T) {
	raw := `
metadata: {name: a, namespace: apps, generation: 2}
status:
  history: "not a list"
  observedGeneration: 2
  lastAttemptedGeneration: 2
  lastAttemptedReleaseAction: upgrade
  failures: 4
  installFailures: 1
  upgradeFailures: 3
  lastAttemptedRevision: 6.5.1
  storageNamespace: apps
  lastHandledReconcileAt: t1
  lastHandledForceAt: t2
  lastHandledResetAt: t3
  conditions:
  - {type: Ready, status: "False", reason: UpgradeFailed, message: boom, lastTransitionTime: "2026-11-23T11:59:00Z"}
`
	var m map[string]any
	if err := yaml.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	hr, problems := decodeUnstructured(&unstructured.Unstructured{Object: m})
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "status:") {
		t.Errorf("problems = %q, want one about the status", problems)
	}
	s := hr.Status
	if s.History != nil {
		t.Errorf("the malformed history must be dropped, got %v", s.History)
	}
	got := []any{s.ObservedGeneration, s.LastAttemptedGeneration, string(s.LastAttemptedReleaseAction), s.Failures,
		s.InstallFailures, s.UpgradeFailures, s.LastAttemptedRevision, s.StorageNamespace,
		s.LastHandledReconcileAt, s.LastHandledForceAt, s.LastHandledResetAt, len(s.Conditions)}
	want := []any{int64(2), int64(2), "upgrade", int64(4), int64(1), int64(3), "6.5.1", "apps", "t1", "t2", "t3", 1}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("status field %d = %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
}
