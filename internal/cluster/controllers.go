package cluster

import (
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// Controller is one helm-controller Deployment: its flags, its health, and
// which HelmReleases it reconciles. Flux shards a large fleet over several
// (helm-controller, helm-controller-shard1, ...) by --watch-label-selector,
// and a tenant's controller may watch its own namespace only
// (--watch-all-namespaces=false).
type Controller struct {
	Namespace, Name string
	// Version is the image tag ("v1.6.4"); empty when the image has none.
	Version  string
	Settings inspect.Settings
	// Selector is --watch-label-selector as written ("" selects every
	// release); selector is it parsed, nil when every release matches.
	Selector string
	selector labels.Selector
	// WatchNamespace is the one namespace the controller watches; empty
	// for every namespace.
	WatchNamespace string
	// Problems are the flags that could not be read (their defaults apply).
	Problems []string
}

// Ref is namespace/name, as the views name a controller.
func (c *Controller) Ref() string { return c.Namespace + "/" + c.Name }

// Watches says whether the controller reconciles a release in namespace
// with these labels, and when not, why (one clause).
func (c *Controller) Watches(namespace string, lbls map[string]string) (bool, string) {
	if c.WatchNamespace != "" && namespace != c.WatchNamespace {
		return false, fmt.Sprintf("%s watches namespace %s only (--watch-all-namespaces=false)", c.Ref(), c.WatchNamespace)
	}
	if c.selector != nil && !c.selector.Matches(labels.Set(lbls)) {
		return false, fmt.Sprintf("%s selects %s (--watch-label-selector)", c.Ref(), c.Selector)
	}
	return true, ""
}

// IsHelmController tells a helm-controller Deployment from the other Flux
// controllers in its namespace: a container whose image or command names
// helm-controller, or whose arguments carry flags only helm-controller has
// (main.go of v1.6.4).
func IsHelmController(dep *appsv1.Deployment) bool {
	_, ok := helmContainer(dep)
	return ok
}

// helmOnlyFlags are flags of helm-controller's main.go that no other Flux
// controller defines.
var helmOnlyFlags = []string{"--oom-watch-interval", "--oom-watch-memory-threshold", "--oom-watch-max-memory-path",
	"--oom-watch-current-memory-path", "--snapshot-digest-algo", "--override-manager"}

func helmContainer(dep *appsv1.Deployment) (corev1.Container, bool) {
	for _, c := range dep.Spec.Template.Spec.Containers {
		if strings.Contains(imageName(c.Image), "helm-controller") || slices.ContainsFunc(c.Command, isHelmCommand) {
			return c, true
		}
		for _, a := range c.Args {
			flag, _, _ := strings.Cut(a, "=")
			if slices.Contains(helmOnlyFlags, flag) {
				return c, true
			}
		}
	}
	return corev1.Container{}, false
}

func isHelmCommand(s string) bool { return strings.Contains(s, "helm-controller") }

// ControllerFromDeployment reads one controller: the settings parser
// SettingsFromDeployment and HealthFromDeployment (the Deployment's own
// word; Client.Controllers adds the pods' and the Lease's), plus its scope
// and version.
func ControllerFromDeployment(dep *appsv1.Deployment) Controller {
	s, problems := SettingsFromDeployment(dep)
	s.Controller = HealthFromDeployment(dep)
	c := Controller{Namespace: dep.Namespace, Name: dep.Name, Settings: s, Problems: problems}
	pick, ok := helmContainer(dep)
	if !ok && len(dep.Spec.Template.Spec.Containers) > 0 {
		pick = dep.Spec.Template.Spec.Containers[0]
	}
	c.Version = imageTag(pick.Image)
	args := append(append([]string(nil), pick.Command...), pick.Args...)
	all, selector := watchFlags(args)
	if selector != "" {
		sel, err := watchSelector(selector)
		if err != nil {
			// The controller itself exits on it (main.go: "unable to
			// configure watch label selector"): it reconciles nothing.
			c.Problems = append(c.Problems, fmt.Sprintf("--watch-label-selector=%q: %v", selector, err))
			sel = labels.Nothing()
		}
		c.Selector, c.selector = selector, sel
	}
	if !all {
		c.WatchNamespace = runtimeNamespace(dep, pick)
	}
	return c
}

// watchSelector parses the selector as fluxcd/pkg/runtime's
// controller.GetWatchSelector does: metav1.ParseToLabelSelector, then
// LabelSelectorAsSelector (so `in`, `notin`, `!key` and `key` all work).
func watchSelector(s string) (labels.Selector, error) {
	ls, err := metav1.ParseToLabelSelector(s)
	if err != nil {
		return nil, err
	}
	return metav1.LabelSelectorAsSelector(ls)
}

// watchFlags reads --watch-all-namespaces (a pflag bool: true unless
// "=false") and --watch-label-selector, the last of each winning.
func watchFlags(args []string) (allNamespaces bool, selector string) {
	allNamespaces = true
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		switch name {
		case "--watch-all-namespaces", "-watch-all-namespaces":
			allNamespaces = !hasValue || !isFalse(value)
		case "--watch-label-selector", "-watch-label-selector":
			if !hasValue && i+1 < len(args) {
				value, i = args[i+1], i+1
			}
			selector = value
		}
	}
	return allNamespaces, selector
}

func isFalse(v string) bool {
	switch strings.ToLower(v) {
	case "false", "f", "0":
		return true
	}
	return false
}

// runtimeNamespace is what main.go watches with --watch-all-namespaces=false:
// the RUNTIME_NAMESPACE variable, which Flux sets from the pod's own
// namespace (a fieldRef). Unset, it is "" and the controller watches every
// namespace after all.
func runtimeNamespace(dep *appsv1.Deployment, c corev1.Container) string {
	for _, e := range c.Env {
		if e.Name != "RUNTIME_NAMESPACE" {
			continue
		}
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace" {
			return dep.Namespace
		}
		return e.Value
	}
	return ""
}

// imageName is the image without its tag and digest.
func imageName(image string) string {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[:i]
	}
	return image
}

// imageTag is the image's tag: "ghcr.io/fluxcd/helm-controller:v1.6.4" is
// v1.6.4; a registry port is not a tag, and a digest is left out.
func imageTag(image string) string {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[i+1:]
	}
	return ""
}
