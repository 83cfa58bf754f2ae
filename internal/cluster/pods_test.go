package cluster

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// pod is a controller pod whose Ready condition turned ready (or not)
// notReadyAgo before healthNow, its manager container in state cs.
func pod(name string, ready bool, notReadyAgo time.Duration, cs corev1.ContainerStatus) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "flux-system", Labels: map[string]string{"app": "helm-controller"}}}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.NewTime(healthNow.Add(-notReadyAgo))}}
	cs.Name = "manager"
	p.Status.ContainerStatuses = []corev1.ContainerStatus{cs}
	return p
}

func oomKilled(ago time.Duration) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137,
		FinishedAt: metav1.NewTime(healthNow.Add(-ago))}}
}

func TestHealthFromPods(t *testing.T) {
	dep := deployment(corev1.Container{Name: "manager", Image: "ghcr.io/fluxcd/helm-controller:v1.6.4"})
	crashLoop := corev1.ContainerStatus{RestartCount: 7, LastTerminationState: oomKilled(70 * time.Second),
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}
	restartedAfterOOM := corev1.ContainerStatus{RestartCount: 1, LastTerminationState: oomKilled(5 * time.Second),
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	running := corev1.ContainerStatus{Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	for _, tc := range []struct {
		name    string
		pods    []corev1.Pod
		down    bool
		unknown bool
		since   time.Duration
		reason  string
	}{
		{name: "healthy", pods: []corev1.Pod{pod("helm-controller-1", true, time.Hour, running)}},
		{name: "one of two ready", pods: []corev1.Pod{pod("helm-controller-1", false, time.Minute, crashLoop), pod("helm-controller-2", true, time.Hour, running)}},
		{name: "no pods (no kubelet)", unknown: true},
		{name: "CrashLoopBackOff", pods: []corev1.Pod{pod("helm-controller-1", false, 70*time.Second, crashLoop)}, down: true, since: 70 * time.Second,
			reason: `deployment flux-system/helm-controller: 0 of 1 pod(s) ready; pod helm-controller-1: container "manager" crash-looping (CrashLoopBackOff, 7 restart(s), last terminated OOMKilled (exit code 137) at 2026-11-23T11:58:50Z)`},
		{name: "OOMKilled, restarted, not ready yet", pods: []corev1.Pod{pod("helm-controller-1", false, 5*time.Second, restartedAfterOOM)}, down: true, since: 5 * time.Second,
			reason: `deployment flux-system/helm-controller: 0 of 1 pod(s) ready; pod helm-controller-1: container "manager" not ready (1 restart(s), last terminated OOMKilled (exit code 137) at 2026-11-23T11:59:55Z)`},
		{name: "not ready, the worst of two named, since the last turned", pods: []corev1.Pod{
			pod("helm-controller-1", false, time.Minute, corev1.ContainerStatus{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}),
			pod("helm-controller-2", false, 3*time.Minute, corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}),
		}, down: true, since: time.Minute,
			reason: `deployment flux-system/helm-controller: 0 of 2 pod(s) ready; pod helm-controller-2: container "manager" waiting (ImagePullBackOff, 0 restart(s))`},
	} {
		h := HealthFromPods(dep, tc.pods)
		if h.Down != tc.down || h.Unknown != tc.unknown || h.Reason != tc.reason {
			t.Errorf("%s: %+v, want down %v unknown %v reason %q", tc.name, h, tc.down, tc.unknown, tc.reason)
		}
		if tc.down && (h.Since == nil || !h.Since.Equal(healthNow.Add(-tc.since))) {
			t.Errorf("%s: since %v, want %v", tc.name, h.Since, healthNow.Add(-tc.since))
		}
	}
	unscheduled := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "helm-controller-1"}, Status: corev1.PodStatus{Phase: corev1.PodPending,
		Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable"}}}}
	if h := HealthFromPods(dep, []corev1.Pod{unscheduled}); !h.Down || h.Since != nil ||
		h.Reason != "deployment flux-system/helm-controller: 0 of 1 pod(s) ready; pod helm-controller-1: not scheduled (Unschedulable)" {
		t.Errorf("unscheduled: %+v", h)
	}
}
