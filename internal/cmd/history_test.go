package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/history"
	"github.com/hrretry/kubectl-hrretry/pkg/history/historytest"
)

// story serves pkg/history/historytest's release: the HelmRelease, its
// Events through both APIs and its three storage Secrets.
func story(t *testing.T) *clustertest.Fake {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(historytest.Object())
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetResourceVersion(clustertest.ResourceVersion)
	fake := clustertest.New(u)
	evs, core := historytest.Events()
	for i := range evs {
		mustAdd(t, fake, &evs[i])
	}
	for i := range core {
		mustAdd(t, fake, &core[i])
	}
	secrets := historytest.Secrets(historytest.Releases()...)
	for i := range secrets {
		mustAdd(t, fake, &secrets[i])
	}
	return fake
}

func mustAdd(t *testing.T, fake *clustertest.Fake, obj runtime.Object) {
	t.Helper()
	if err := fake.Kube.Tracker().Add(obj); err != nil {
		t.Fatal(err)
	}
}

func forbid(fake *clustertest.Fake, resource string) {
	fake.Kube.PrependReactor("list", resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "", nil)
	})
}

func TestHistoryWithStorage(t *testing.T) {
	r := execute(t, story(t), "history", "shop", "--helm-storage", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d", r.code)
	}
	var doc history.Report
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("-o json: %v", err)
	}
	if doc.Storage == nil || doc.Storage.Revisions != 3 {
		t.Errorf("storage = %+v, want 3 revisions", doc.Storage)
	}
	if len(doc.RollbackRisks) == 0 || doc.RollbackRisks[0].Object != "Job/shop-upgrade-step" {
		t.Errorf("rollbackRisks = %+v, want the migration hook first", doc.RollbackRisks)
	}
	sources := map[history.Source]int{}
	for _, e := range doc.Timeline {
		sources[e.Source]++
	}
	// The Events come through events.k8s.io/v1 only (it answered); the
	// other release's Event is not listed.
	if sources[history.SourceEvent] != 2 || sources[history.SourceStorage] != 3 || sources[history.SourceHook] != 2 {
		t.Errorf("entries per source: %v", sources)
	}
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
}

// A user who may not list Secrets gets the sentence naming the permission,
// and the rest of the history; one who may not list events.k8s.io Events
// gets them through core/v1.
func TestHistoryWithoutSecrets(t *testing.T) {
	fake := story(t)
	forbid(fake, "secrets")
	forbid(fake, "events") // both APIs' resource is "events": core/v1 is refused too
	r := execute(t, fake, "history", "shop", "--helm-storage")
	if r.code != ExitOK {
		t.Fatalf("exit %d", r.code)
	}
	for _, want := range []string{"forbidden: you may not list secrets in namespace apps", "forbidden: you may not list events in namespace apps"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, want := range []string{"history        3  deployed rollback", "condition      -  Ready=False RollbackSucceeded", "prediction",
		"with --helm-storage lists the concrete hooks"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "storage  ") || strings.Contains(r.stdout, "What the rollback") {
		t.Errorf("storage entries without storage:\n%s", r.stdout)
	}
}

func TestHistoryCoreEventsFallback(t *testing.T) {
	fake := story(t)
	fake.Kube.PrependReactor("list", "events", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetResource().Group == "events.k8s.io" {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "events.k8s.io", Resource: "events"}, "", nil)
		}
		return false, nil, nil
	})
	r := execute(t, fake, "history", "shop", "-o", "json")
	var doc history.Report
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != ExitOK {
		t.Fatalf("exit %d, -o json: %v", r.code, err)
	}
	var reasons []string
	for _, e := range doc.Timeline {
		if e.Source == history.SourceEvent {
			reasons = append(reasons, e.Reason)
		}
	}
	if strings.Join(reasons, ",") != "InstallSucceeded,UpgradeFailed" {
		t.Errorf("core/v1 Events: %v", reasons)
	}
	if r.stderr != "" {
		t.Errorf("a fallback that worked is no news: %q", r.stderr)
	}
}

func TestStatusHelmStorage(t *testing.T) {
	r := execute(t, story(t), "status", "shop", "--helm-storage")
	if r.code != ExitOK || !strings.Contains(r.stdout, "What the rollback from revision 2 to 1 did not undo") ||
		strings.Contains(r.stdout, "a rollback reverts the release's manifests, not its data") {
		t.Errorf("exit %d; want the concrete risks in place of the generic warning:\n%s", r.code, r.stdout)
	}
	fake := story(t)
	forbid(fake, "secrets")
	r = execute(t, fake, "status", "shop", "--helm-storage")
	if !strings.Contains(r.stderr, "you may not list secrets in namespace apps") || !strings.Contains(r.stdout, "a rollback reverts the release's manifests") {
		t.Errorf("without secrets: the sentence on stderr and the generic warning:\n%s\n%s", r.stderr, r.stdout)
	}
}

func TestHistoryValidate(t *testing.T) {
	for _, args := range [][]string{
		{"history"}, {"history", "a", "b"}, {"history", "a", "-o", "wide"},
		{"status", "-A", "--helm-storage"}, {"status", "a", "--helm-storage", "--watch"},
	} {
		if r := execute(t, clustertest.New(), args...); r.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, r.code, ExitUsage)
		}
	}
}
