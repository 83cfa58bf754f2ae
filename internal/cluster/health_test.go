package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestHealthFromDeployment(t *testing.T) {
	dep := func(status appsv1.DeploymentStatus) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "helm-controller", Namespace: "flux-system"}, Status: status}
	}
	if h := HealthFromDeployment(dep(appsv1.DeploymentStatus{})); !h.Unknown || h.Down {
		t.Errorf("a status never written: %+v, want unknown", h)
	}
	if h := HealthFromDeployment(dep(appsv1.DeploymentStatus{ObservedGeneration: 1, AvailableReplicas: 1})); h.Down || h.Unknown {
		t.Errorf("one available: %+v, want up", h)
	}
	since := metav1.NewTime(time.Date(2026, 11, 23, 11, 58, 0, 0, time.UTC))
	h := HealthFromDeployment(dep(appsv1.DeploymentStatus{ObservedGeneration: 2, Conditions: []appsv1.DeploymentCondition{
		{Type: appsv1.DeploymentAvailable, Status: "False", LastTransitionTime: since},
		{Type: appsv1.DeploymentProgressing, Status: "False", Reason: "ProgressDeadlineExceeded"},
	}}))
	if !h.Down || h.Since == nil || !h.Since.Equal(since.Time) ||
		h.Reason != "deployment flux-system/helm-controller: 0 of 1 replica(s) available; rollout stuck (ProgressDeadlineExceeded)" {
		t.Errorf("none available: %+v", h)
	}
	if !strings.Contains(h.Reason, "0 of 1") {
		t.Errorf("reason %q", h.Reason)
	}
}

// The Deployment, its pods and its Lease together: the first that shows the
// controller down says so; a Lease or pods that cannot be read (forbidden,
// missing, leader election off) say nothing and never fail.
func TestControllerHealth(t *testing.T) {
	ctx := context.Background()
	available := appsv1.DeploymentStatus{ObservedGeneration: 1, AvailableReplicas: 1}
	dep := func(status appsv1.DeploymentStatus, args ...string) *appsv1.Deployment {
		d := deployment(corev1.Container{Name: "manager", Args: args})
		d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "helm-controller"}}
		d.Status = status
		return d
	}
	crashing := pod("helm-controller-1", false, time.Minute, corev1.ContainerStatus{RestartCount: 3,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}})
	other := pod("other-1", false, time.Minute, corev1.ContainerStatus{})
	other.Labels = map[string]string{"app": "other"}
	stale := lease(leaseBase, "helm-controller-abc_1", 10*time.Minute, 35)
	fail := func(verb, resource string, err error) func(*kubefake.Clientset) {
		return func(k *kubefake.Clientset) {
			k.PrependReactor(verb, resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, err
			})
		}
	}
	forbid := func(verb, resource string) func(*kubefake.Clientset) {
		return fail(verb, resource, apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "", errors.New("no")))
	}
	for _, tc := range []struct {
		name                  string
		dep                   *appsv1.Deployment
		objs                  []runtime.Object
		setup                 []func(*kubefake.Clientset)
		down, unknown, unsure bool
		reason                string // its start
	}{
		{name: "up everywhere", dep: dep(available, "--enable-leader-election"), objs: []runtime.Object{lease(leaseBase, "a", time.Second, 35)}},
		{name: "stale Lease beside an available Deployment", dep: dep(available, "--enable-leader-election"), objs: []runtime.Object{stale},
			down: true, reason: "leader-election lease flux-system/helm-controller-leader-election not renewed"},
		{name: "stale Lease, no kube-controller-manager", dep: dep(appsv1.DeploymentStatus{}, "--enable-leader-election"), objs: []runtime.Object{stale},
			down: true, reason: "leader-election lease"},
		{name: "leader election off: its old Lease is not read", dep: dep(appsv1.DeploymentStatus{}, "--enable-leader-election=false"), objs: []runtime.Object{stale}, unknown: true},
		{name: "Lease missing", dep: dep(available, "--enable-leader-election")},
		{name: "Lease missing, no kube-controller-manager", dep: dep(appsv1.DeploymentStatus{}, "--enable-leader-election"), unknown: true},
		{name: "Lease and pods forbidden", dep: dep(available, "--enable-leader-election"), objs: []runtime.Object{stale, &crashing},
			setup: []func(*kubefake.Clientset){forbid("get", "leases"), forbid("list", "pods")}},
		// A Lease that did not answer this time (a timeout, not a
		// refusal): up, but unsure (a live view keeps a down it saw).
		{name: "Lease read timed out", dep: dep(available, "--enable-leader-election"), objs: []runtime.Object{stale},
			setup: []func(*kubefake.Clientset){fail("get", "leases", apierrors.NewTimeoutError("etcd", 1))}, unsure: true},
		{name: "pods read refused, Lease renewed", dep: dep(available, "--enable-leader-election"), objs: []runtime.Object{lease(leaseBase, "a", time.Second, 35)},
			setup: []func(*kubefake.Clientset){forbid("list", "pods")}},
		{name: "crash-looping pod beside a stale Lease", dep: dep(available, "--enable-leader-election"), objs: []runtime.Object{stale, &crashing, &other},
			down: true, reason: "deployment flux-system/helm-controller: 0 of 1 pod(s) ready; pod helm-controller-1: container \"manager\" crash-looping"},
		{name: "the Deployment's own word first", dep: dep(appsv1.DeploymentStatus{ObservedGeneration: 1}, "--enable-leader-election"), objs: []runtime.Object{stale, &crashing},
			down: true, reason: "deployment flux-system/helm-controller: 0 of 1 replica(s) available"},
	} {
		kube := kubefake.NewClientset(tc.objs...)
		for _, s := range tc.setup {
			s(kube)
		}
		h := controllerHealth(ctx, kube, tc.dep, healthNow)
		if h.Down != tc.down || h.Unknown != tc.unknown || h.Unsure != tc.unsure || !strings.HasPrefix(h.Reason, tc.reason) || (tc.reason == "") != (h.Reason == "") {
			t.Errorf("%s: %+v, want down %v unknown %v unsure %v reason %q…", tc.name, h, tc.down, tc.unknown, tc.unsure, tc.reason)
		}
		for _, a := range kube.Actions() {
			if a.GetResource().Resource == "leases" && strings.Contains(tc.name, "off") {
				t.Errorf("%s: read the Lease", tc.name)
			}
		}
	}
}
