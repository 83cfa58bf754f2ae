package cluster

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func deployment(containers ...corev1.Container) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "helm-controller", Namespace: "flux-system"}}
	d.Spec.Template.Spec.Containers = containers
	return d
}

func TestSettingsFromDeployment(t *testing.T) {
	d := deployment(
		corev1.Container{Name: "sidecar", Args: []string{"--interval-jitter-percentage=50"}},
		corev1.Container{Name: "manager", Image: "ghcr.io/fluxcd/helm-controller:v1.6.4",
			Args: []string{"--events-addr=http://notification-controller.flux-system.svc", "--watch-all-namespaces=true",
				"--interval-jitter-percentage=10", "--feature-gates=DefaultToRetryOnFailure=true", "--requeue-dependency=5s"}},
	)
	s, problems := SettingsFromDeployment(d)
	if len(problems) != 0 || s.JitterPercent != 10 || !s.DefaultToRetryOnFailure || s.DependencyRequeue.D() != 5*time.Second {
		t.Errorf("settings = %+v, problems %v", s, problems)
	}
	if s.From != "deployment flux-system/helm-controller" {
		t.Errorf("from = %q", s.From)
	}
	s, problems = SettingsFromDeployment(deployment(corev1.Container{Name: "manager", Args: []string{"--interval-jitter-percentage=x"}}))
	if s.JitterPercent != 5 || len(problems) != 1 || !strings.Contains(problems[0], "jitter") {
		t.Errorf("a bad flag keeps the default and is reported: %+v %v", s, problems)
	}
	if _, problems = SettingsFromDeployment(deployment()); len(problems) != 1 {
		t.Errorf("no containers must be reported")
	}
}
