package cluster

import (
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// managerContainer is the controller's container in the Deployment: the one
// named "manager" (as Flux installs it), else the one running
// helm-controller, else the first (SettingsFromDeployment picks the same).
func managerContainer(dep *appsv1.Deployment) (corev1.Container, bool) {
	containers := dep.Spec.Template.Spec.Containers
	if len(containers) == 0 {
		return corev1.Container{}, false
	}
	for _, c := range containers {
		if c.Name == "manager" || strings.Contains(c.Image, "helm-controller") {
			return c, true
		}
	}
	return containers[0], true
}

// HealthFromPods reads the controller's pods (those of the Deployment's
// selector): a ready pod runs a manager, which leads or stands by to lead
// (only a pod whose readiness probe passes counts, as for the Deployment's
// availability). None ready means no reconcile runs: the controller is
// down since the last of them stopped being ready, and the reason says
// what the kubelet says: crash-looping (waiting in CrashLoopBackOff, its
// restart count), killed for memory (last termination OOMKilled), or not
// ready and why. No pods say nothing (no kubelet, as in a bare control
// plane, or a Deployment scaled to zero, which its status covers): unknown.
func HealthFromPods(dep *appsv1.Deployment, pods []corev1.Pod) inspect.Health {
	if len(pods) == 0 {
		return inspect.Health{Unknown: true}
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	var since *time.Time
	var worst string
	worstRank := -1
	for i := range pods {
		p := &pods[i]
		ready, at := podReady(p)
		if ready {
			return inspect.Health{}
		}
		if at != nil && (since == nil || at.After(*since)) {
			since = at
		}
		why, rank := podTrouble(dep, p)
		if rank > worstRank {
			worst, worstRank = fmt.Sprintf("pod %s: %s", p.Name, why), rank
		}
	}
	return inspect.Health{Down: true, Since: since,
		Reason: fmt.Sprintf("deployment %s/%s: 0 of %d pod(s) ready; %s", dep.Namespace, dep.Name, len(pods), worst)}
}

// podReady is the pod's Ready condition, and when it last turned not
// ready (its creation when it never said).
func podReady(p *corev1.Pod) (bool, *time.Time) {
	for _, c := range p.Status.Conditions {
		if c.Type != corev1.PodReady {
			continue
		}
		if c.Status == corev1.ConditionTrue {
			return true, nil
		}
		if !c.LastTransitionTime.IsZero() {
			t := c.LastTransitionTime.UTC()
			return false, &t
		}
	}
	if p.CreationTimestamp.IsZero() {
		return false, nil
	}
	t := p.CreationTimestamp.UTC()
	return false, &t
}

// podTrouble says why a pod is not ready, from its manager container's
// status, and how telling that is (a crash loop or an OOM kill says more
// than "not ready").
func podTrouble(dep *appsv1.Deployment, p *corev1.Pod) (string, int) {
	name := ""
	if c, ok := managerContainer(dep); ok {
		name = c.Name
	}
	var cs *corev1.ContainerStatus
	for i := range p.Status.ContainerStatuses {
		if s := &p.Status.ContainerStatuses[i]; s.Name == name || cs == nil {
			cs = s
		}
	}
	if cs == nil {
		if reason := unscheduled(p); reason != "" {
			return reason, 1
		}
		return fmt.Sprintf("not ready (phase %s)", p.Status.Phase), 0
	}
	last := ""
	if t := cs.LastTerminationState.Terminated; t != nil {
		last = fmt.Sprintf(", last terminated %s (exit code %d) at %s", t.Reason, t.ExitCode, t.FinishedAt.UTC().Format(time.RFC3339))
	}
	restarts := fmt.Sprintf("%d restart(s)", cs.RestartCount)
	switch {
	case cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff":
		return fmt.Sprintf("container %q crash-looping (CrashLoopBackOff, %s%s)", cs.Name, restarts, last), 4
	case cs.LastTerminationState.Terminated != nil && cs.LastTerminationState.Terminated.Reason == "OOMKilled":
		return fmt.Sprintf("container %q not ready (%s%s)", cs.Name, restarts, last), 3
	case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
		return fmt.Sprintf("container %q waiting (%s, %s%s)", cs.Name, cs.State.Waiting.Reason, restarts, last), 2
	}
	return fmt.Sprintf("container %q not ready (%s%s)", cs.Name, restarts, last), 1
}

// unscheduled is the scheduler's reason when the pod has no node.
func unscheduled(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return fmt.Sprintf("not scheduled (%s)", c.Reason)
		}
	}
	return ""
}
