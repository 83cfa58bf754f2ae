package groundtruth

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// The replay machinery on a small hand-made timeline (the real recordings
// are TestMutants'): a RetryOnFailure upgrade retried 9.6 s after a
// "retrying after 10s" at jitter 5 %. The rules as they are agree; with
// the jitter ignored the attempt is before the window, with the slack ×10
// the window is over its budget: both caught, and the recording survives
// a write and a read.
func TestReplayCatchesMutants(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "pkg", "inspect", "testdata", "states", "retrying-upgrade.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	retryingHR := &v2.HelmRelease{}
	if err := yaml.Unmarshal(raw, retryingHR); err != nil {
		t.Fatal(err)
	}
	anchor := metav1.NewTime(at(0))
	retryingHR.Spec.Upgrade.Strategy.RetryInterval = &metav1.Duration{Duration: 10 * time.Second}
	for i := range retryingHR.Status.Conditions {
		retryingHR.Status.Conditions[i].LastTransitionTime = anchor
	}
	retryingHR.Status.Conditions[1].Message = "retrying after 10s"
	starting := retryingHR.DeepCopy()
	starting.Status.Conditions[1] = metav1.Condition{Type: "Reconciling", Status: "True", Reason: "Progressing", Message: prerequisites,
		LastTransitionTime: metav1.NewTime(at(9))}
	running := starting.DeepCopy()
	running.Status.Conditions[1].Message = "Running 'upgrade' action with timeout of 5m0s"
	rc := recording{Args: controllerArgs(5, "", "", "", idleWorkers), Jitter: 5, MinDelay: 750 * time.Millisecond, MaxDelay: 15 * time.Minute, Releases: []recordedRelease{{Scenario: "x", Namespace: "apps", Name: "retrying-upgrade",
		States: []state{{at(0.1), retryingHR}, {at(9.6), starting}, {at(9.7), running}}, Ended: at(30)}}}

	path := filepath.Join(t.TempDir(), "r.json.gz")
	if err := writeRecording(path, rc); err != nil {
		t.Fatal(err)
	}
	back, err := readRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	base, err := replay(back, "")
	if err != nil {
		t.Fatal(err)
	}
	agreed := false
	for _, x := range base {
		if x.Verdict == disagree {
			t.Errorf("the rules as they are: %s %s → %s", x.Predicted, x.Observed, x.Verdict)
		}
		agreed = agreed || (x.Verdict == agree && x.Rule == inspect.RuleRetryInterval)
	}
	if !agreed {
		t.Fatalf("no agreeing retry-interval row: %+v", base)
	}
	results, err := mutationCheck(back, []inspect.Mutant{inspect.MutantNoJitter, inspect.MutantSlackX10})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Caught == 0 {
			t.Errorf("mutant %s not caught", r.Mutant)
		}
	}
	t.Logf("\n%s", mutantTable(results))
}
