package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// ControllerSettings reads --interval-jitter-percentage, --feature-gates and
// the requeue flags from the helm-controller Deployment. It never fails the
// command: when the Deployment cannot be read it returns the controller's
// defaults and a one-line note saying why.
func (c *Client) ControllerSettings(ctx context.Context, namespace, name string) (inspect.Settings, string) {
	dep, err := c.kube.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return unreadSettings(err, namespace, name)
	}
	s, problems := SettingsFromDeployment(dep)
	s.Controller = c.ControllerHealth(ctx, dep, time.Now()) // health.go: the Deployment, its pods, its Lease
	if len(problems) > 0 {
		return s, "note: some helm-controller flags could not be read, their defaults are used: " + strings.Join(problems, "; ")
	}
	return s, ""
}

// unreadSettings are the defaults, health unknown, and the note saying why
// the Deployment could not be read.
func unreadSettings(err error, namespace, name string) (inspect.Settings, string) {
	defaults := inspect.DefaultSettings()
	defaults.Controller.Unknown = true
	return defaults, fmt.Sprintf("note: using helm-controller's default settings (jitter %d%%, DefaultToRetryOnFailure off) and its health is unknown: %s",
		defaults.JitterPercent, whyUnread(err, namespace, name))
}

func whyUnread(err error, namespace, name string) string {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Sprintf("deployment %s/%s not found (set --controller-namespace/--controller-name)", namespace, name)
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("not allowed to get deployment %s/%s", namespace, name)
	case errors.Is(err, context.Canceled):
		return "interrupted"
	}
	return fmt.Sprintf("cannot read deployment %s/%s: %v", namespace, name, err)
}

// SettingsFromDeployment reads the controller's flags from its container:
// the one named "manager" (as Flux installs it), else the one running
// helm-controller, else the first.
func SettingsFromDeployment(dep *appsv1.Deployment) (inspect.Settings, []string) {
	s := inspect.DefaultSettings()
	s.From = "deployment " + dep.Namespace + "/" + dep.Name
	containers := dep.Spec.Template.Spec.Containers
	if len(containers) == 0 {
		return s, []string{"the deployment has no containers"}
	}
	pick := containers[0]
	for _, c := range containers {
		if c.Name == "manager" || strings.Contains(c.Image, "helm-controller") {
			pick = c
			break
		}
	}
	args := append(append([]string(nil), pick.Command...), pick.Args...)
	s, errs := s.ApplyArgs(args)
	var problems []string
	for _, e := range errs {
		problems = append(problems, e.Error())
	}
	return s, problems
}

// HealthFromDeployment reads whether a controller replica is available from
// the Deployment's status, as kube-controller-manager writes it: down when
// replicas are wanted and none is available (a crash loop, an OOM kill, a
// rollout that never became available), since its Available condition
// turned False. A status never written (observedGeneration 0: no
// kube-controller-manager, as in a bare test control plane) says nothing:
// the health is unknown, not down.
func HealthFromDeployment(dep *appsv1.Deployment) inspect.Health {
	st := dep.Status
	if st.ObservedGeneration == 0 {
		return inspect.Health{Unknown: true}
	}
	wanted := int32(1)
	if dep.Spec.Replicas != nil {
		wanted = *dep.Spec.Replicas
	}
	if wanted == 0 || st.AvailableReplicas > 0 {
		return inspect.Health{}
	}
	h := inspect.Health{Down: true, Reason: fmt.Sprintf("deployment %s/%s: 0 of %d replica(s) available", dep.Namespace, dep.Name, wanted)}
	for _, c := range st.Conditions {
		switch {
		case c.Type == appsv1.DeploymentAvailable && c.Status == "False" && !c.LastTransitionTime.IsZero():
			t := c.LastTransitionTime.UTC()
			h.Since = &t
		case c.Type == appsv1.DeploymentProgressing && c.Status == "False" && c.Reason == "ProgressDeadlineExceeded":
			h.Reason += "; rollout stuck (ProgressDeadlineExceeded)"
		}
	}
	return h
}
