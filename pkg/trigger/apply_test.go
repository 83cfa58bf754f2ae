package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/internal/cluster/clustertest"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

var applyNow = time.Date(2026, 11, 23, 12, 0, 2, 0, time.UTC)

var hrResource = schema.GroupResource{Group: cluster.HelmReleases.Group, Resource: cluster.HelmReleases.Resource}

// object is hr as the API server serves it.
func object(t *testing.T, hr *v2.HelmRelease) *unstructured.Unstructured {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(hr)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion("helm.toolkit.fluxcd.io/v2")
	u.SetKind("HelmRelease")
	u.SetResourceVersion("1")
	return u
}

// named is handled(...) under another name and namespace.
func named(ns, name string, hr *v2.HelmRelease) *v2.HelmRelease {
	hr.Namespace, hr.Name = ns, name
	return hr
}

func unhandled(ns, name string) *v2.HelmRelease {
	hr := handled("", "", cond("Ready", "False", "UpgradeFailed", "Helm upgrade failed: boom"))
	hr.Status.LastHandledReconcileAt = "earlier"
	return named(ns, name, hr)
}

func ready(ns, name string) *v2.HelmRelease {
	return named(ns, name, handled(token, "", cond("Ready", "True", "UpgradeSucceeded", "Helm upgrade succeeded")))
}

func newFake(t *testing.T, hrs ...*v2.HelmRelease) *dynamicfake.FakeDynamicClient {
	objs := make([]runtime.Object, 0, len(hrs))
	for _, hr := range hrs {
		objs = append(objs, object(t, hr))
	}
	return clustertest.New(objs...).Dynamic
}

// apply runs the plan for targets and collects what Report saw.
func apply(t *testing.T, dyn *dynamicfake.FakeDynamicClient, a Applier, targets ...Target) ([]Result, []Result) {
	t.Helper()
	var mu sync.Mutex
	var reported []Result
	a.HelmReleases = clustertest.Resource(dyn)
	a.Now = func() time.Time { return applyNow }
	a.Settings = inspect.DefaultSettings()
	a.Report = func(r Result) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, r)
	}
	if a.Timeout == 0 {
		a.Timeout = time.Hour // never reached: each test ends on an outcome
	}
	results := a.Apply(context.Background(), NewPlan(targets, Request{Token: token, Force: true}))
	return results, reported
}

func outcomes(rs []Result) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Namespace+"/"+r.Name+"="+string(r.Outcome))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func patches(dyn *dynamicfake.FakeDynamicClient) []k8stesting.PatchActionImpl {
	var out []k8stesting.PatchActionImpl
	for _, a := range dyn.Actions() {
		if p, ok := a.(k8stesting.PatchActionImpl); ok {
			out = append(out, p)
		}
	}
	return out
}

func TestApplyPatchesAnnotationsOnly(t *testing.T) {
	dyn := newFake(t, unhandled("apps", "web"), unhandled("apps", "api"), unhandled("apps", "paused"))
	results, reported := apply(t, dyn, Applier{Concurrency: 2},
		Target{Namespace: "apps", Name: "web"}, Target{Namespace: "apps", Name: "api"},
		Target{Namespace: "apps", Name: "paused", Suspended: true})

	if got := outcomes(results); got != "apps/api=patched apps/paused=refused apps/web=patched" {
		t.Errorf("results: %s", got)
	}
	if outcomes(reported) != outcomes(results) {
		t.Errorf("Report saw %s, Apply returned %s", outcomes(reported), outcomes(results))
	}
	ps := patches(dyn)
	if len(ps) != 2 {
		t.Fatalf("%d patches, want 2 (a suspended release is not patched)", len(ps))
	}
	for _, p := range ps {
		if p.PatchType != types.MergePatchType || p.PatchOptions.FieldManager != "hrretry" || len(p.PatchOptions.DryRun) != 0 {
			t.Errorf("patch %s: type %s, options %+v; want a JSON merge patch by field manager hrretry", p.Name, p.PatchType, p.PatchOptions)
		}
		var body map[string]map[string]map[string]string
		if err := json.Unmarshal(p.Patch, &body); err != nil || len(body) != 1 || len(body["metadata"]) != 1 {
			t.Errorf("patch %s touches more than metadata.annotations: %s", p.Name, p.Patch)
		}
		if got := body["metadata"]["annotations"][inspect.AnnotationForceAt]; got != token {
			t.Errorf("patch %s: forceAt = %q", p.Name, got)
		}
	}
	u, err := dyn.Resource(cluster.HelmReleases).Namespace("apps").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil || u.GetAnnotations()[inspect.AnnotationRequestedAt] != token {
		t.Errorf("the patch did not land: %v %v", u.GetAnnotations(), err)
	}
	for _, a := range dyn.Actions() {
		if a.GetVerb() == "list" || a.GetVerb() == "watch" {
			t.Errorf("--wait=false must not %s", a.GetVerb())
		}
	}
}

func TestApplyServerDryRun(t *testing.T) {
	dyn := newFake(t, unhandled("apps", "web"))
	results, _ := apply(t, dyn, Applier{Concurrency: 1, DryRunServer: true, Wait: true}, Target{Namespace: "apps", Name: "web"})
	if got := outcomes(results); got != "apps/web=dry-run" {
		t.Errorf("results: %s", got)
	}
	ps := patches(dyn)
	if len(ps) != 1 || !slices.Equal(ps[0].PatchOptions.DryRun, []string{metav1.DryRunAll}) {
		t.Fatalf("want one patch with dryRun=All, got %+v", ps)
	}
	for _, a := range dyn.Actions() {
		if a.GetVerb() == "watch" {
			t.Errorf("a dry run has nothing to wait for")
		}
	}
}

func TestApplyPatchError(t *testing.T) {
	dyn := newFake(t, unhandled("apps", "web"))
	dyn.PrependReactor("patch", "helmreleases", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(hrResource, "web", errors.New("RBAC"))
	})
	results, reported := apply(t, dyn, Applier{Concurrency: 1, Wait: true}, Target{Namespace: "apps", Name: "web"})
	if len(results) != 1 || results[0].Outcome != OutcomeError || !apierrors.IsForbidden(results[0].Err) {
		t.Fatalf("results: %+v", results)
	}
	if len(reported) != 1 {
		t.Errorf("a failed patch is reported once, at once: %d reports", len(reported))
	}
}

func TestWaitReadsTheListedState(t *testing.T) {
	// The controller handled the request before the watch started: the
	// informer's initial list must see it.
	dyn := newFake(t, ready("apps", "web"), named("apps", "db", handled("old", "",
		cond("Ready", "False", "DependencyNotReady", "dependency 'apps/cache' is not ready"))))
	results, reported := apply(t, dyn, Applier{Concurrency: 2, Wait: true},
		Target{Namespace: "apps", Name: "web"}, Target{Namespace: "apps", Name: "db"})
	if got := outcomes(results); got != "apps/db=not-honoured apps/web=ready" {
		t.Errorf("results: %s", got)
	}
	if len(reported) != 2 {
		t.Errorf("%d reports, want one per object", len(reported))
	}
	if results[1].State == nil || results[1].State.Phase != inspect.PhaseReady {
		t.Errorf("a handled result carries the state read: %+v", results[1].State)
	}
}

func TestWaitFollowsTheWatch(t *testing.T) {
	dyn := newFake(t, unhandled("apps", "web"), unhandled("apps", "gone"))
	fw := watch.NewFake()
	clustertest.Watches(dyn, fw)
	go func() {
		fw.Modify(object(t, unhandled("apps", "web"))) // still pending: no outcome
		fw.Modify(object(t, ready("apps", "web")))
		fw.Delete(object(t, unhandled("apps", "gone")))
	}()
	results, _ := apply(t, dyn, Applier{Concurrency: 2, Wait: true},
		Target{Namespace: "apps", Name: "web"}, Target{Namespace: "apps", Name: "gone"})
	if got := outcomes(results); got != "apps/gone=error apps/web=ready" {
		t.Fatalf("results: %s", got)
	}
	if !strings.Contains(results[0].Err.Error(), "deleted") {
		t.Errorf("a release deleted while waiting says so: %v", results[0].Err)
	}
}

func TestWaitTimesOut(t *testing.T) {
	dyn := newFake(t, unhandled("apps", "web"))
	results, reported := apply(t, dyn, Applier{Concurrency: 1, Wait: true, Timeout: time.Millisecond},
		Target{Namespace: "apps", Name: "web"})
	if len(results) != 1 || results[0].Outcome != OutcomeTimedOut || !strings.Contains(results[0].Message, "within 1ms") {
		t.Fatalf("results: %+v", results)
	}
	if len(reported) != 1 {
		t.Errorf("a time-out is reported: %d reports", len(reported))
	}
}

// With the controller down (or none watching the release) nothing handles
// the request: the wait says so at once, not at --timeout.
func TestWaitBlockedWhileTheControllerIsDown(t *testing.T) {
	dyn := newFake(t, unhandled("apps", "web"))
	down := inspect.DefaultSettings()
	down.Controller = inspect.Health{Down: true, Reason: "0 of 1 replicas available"}
	results, reported := apply(t, dyn, Applier{Concurrency: 1, Wait: true, Timeout: 2 * time.Second, SettingsFor: func(*v2.HelmRelease) inspect.Settings { return down }},
		Target{Namespace: "apps", Name: "web"})
	if len(results) != 1 || results[0].Outcome != OutcomeBlocked ||
		results[0].Message != "patched, but no controller handles it now: controller down (0 of 1 replicas available): nothing happens until it is back (the request stays until one does)" {
		t.Fatalf("results: %+v", results)
	}
	if len(reported) != 1 || len(patches(dyn)) != 1 {
		t.Errorf("patched and reported once: %d reports, %d patches", len(reported), len(patches(dyn)))
	}
}

func TestWaitStopsOnAnErrorNoRetryCures(t *testing.T) {
	for _, verb := range []string{"list", "watch"} {
		t.Run(verb, func(t *testing.T) {
			dyn := newFake(t, unhandled("apps", "web"), unhandled("apps", "api"))
			forbidden := apierrors.NewForbidden(hrResource, "", errors.New("RBAC"))
			if verb == "watch" {
				dyn.PrependWatchReactor("helmreleases", func(k8stesting.Action) (bool, watch.Interface, error) {
					return true, nil, forbidden
				})
			} else {
				dyn.PrependReactor("list", "helmreleases", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, forbidden
				})
			}
			results, _ := apply(t, dyn, Applier{Concurrency: 2, Wait: true},
				Target{Namespace: "apps", Name: "web"}, Target{Namespace: "apps", Name: "api"})
			for _, r := range results {
				var we *WaitError
				if r.Outcome != OutcomeError || !errors.As(r.Err, &we) || we.Verb != verb || !apierrors.IsForbidden(r.Err) {
					t.Errorf("%s/%s: %s %v; want an error naming the %s", r.Namespace, r.Name, r.Outcome, r.Err, verb)
				}
			}
		})
	}
}

func TestWaitScopes(t *testing.T) {
	for _, all := range []bool{false, true} {
		dyn := newFake(t, ready("a", "web"), ready("b", "web"))
		results, _ := apply(t, dyn, Applier{Concurrency: 2, Wait: true, AllNamespaces: all},
			Target{Namespace: "a", Name: "web"}, Target{Namespace: "b", Name: "web"})
		if got := outcomes(results); got != "a/web=ready b/web=ready" {
			t.Errorf("all namespaces %v: %s", all, got)
		}
		var lists []string
		for _, a := range dyn.Actions() {
			if a.GetVerb() == "list" {
				lists = append(lists, a.GetNamespace())
			}
		}
		slices.Sort(lists)
		want := []string{"a", "b"} // one per namespace
		if all {
			want = []string{""} // one across the cluster
		}
		if !slices.Equal(lists, want) {
			t.Errorf("all namespaces %v: lists in %q, want %q", all, lists, want)
		}
	}
}

func TestPlanItemsOwnTheirAnnotations(t *testing.T) {
	p := NewPlan([]Target{{Namespace: "a", Name: "x"}, {Namespace: "a", Name: "y"}}, Request{Token: token, Force: true})
	p.Items[0].Annotations["extra"] = "1"
	if _, shared := p.Items[1].Annotations["extra"]; shared {
		t.Errorf("plan items share one annotations map")
	}
}
