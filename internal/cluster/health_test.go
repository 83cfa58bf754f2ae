package cluster

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
