package cluster

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func controllerDep(name, image string, args ...string) *appsv1.Deployment {
	d := deployment(corev1.Container{Name: "manager", Image: image, Args: args,
		Env: []corev1.EnvVar{{Name: "RUNTIME_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}})
	d.Name = name
	return d
}

const hcImage = "ghcr.io/fluxcd/helm-controller:v1.6.4"

// Which releases a controller reconciles: its label selector (parsed as
// fluxcd/pkg/runtime's GetWatchSelector does) and namespace scope.
func TestControllerWatches(t *testing.T) {
	shard := map[string]string{"sharding.fluxcd.io/key": "shard1"}
	other := map[string]string{"sharding.fluxcd.io/key": "shard2"}
	none := map[string]string{"app": "x"}
	for _, tc := range []struct {
		name string
		args []string
		ns   string
		lbls map[string]string
		want bool
		why  string
	}{
		{"no selector", nil, "apps", none, true, ""},
		{"in", []string{"--watch-label-selector=sharding.fluxcd.io/key in (shard1)"}, "apps", shard, true, ""},
		{"in, other shard", []string{"--watch-label-selector=sharding.fluxcd.io/key in (shard1)"}, "apps", other, false, "selects sharding.fluxcd.io/key in (shard1)"},
		{"in, unlabelled", []string{"--watch-label-selector", "sharding.fluxcd.io/key in (shard1)"}, "apps", none, false, "--watch-label-selector"},
		{"notin", []string{"--watch-label-selector=sharding.fluxcd.io/key notin (shard1)"}, "apps", other, true, ""},
		{"notin, the shard", []string{"--watch-label-selector=sharding.fluxcd.io/key notin (shard1)"}, "apps", shard, false, "notin"},
		{"notin, unlabelled", []string{"--watch-label-selector=sharding.fluxcd.io/key notin (shard1)"}, "apps", none, true, ""},
		{"!key, unlabelled", []string{"--watch-label-selector=!sharding.fluxcd.io/key"}, "apps", none, true, ""},
		{"!key, labelled", []string{"--watch-label-selector=!sharding.fluxcd.io/key"}, "apps", shard, false, "!sharding.fluxcd.io/key"},
		{"key=value", []string{"--watch-label-selector=sharding.fluxcd.io/key=shard2"}, "apps", other, true, ""},
		{"own namespace only", []string{"--watch-all-namespaces=false"}, "apps", none, false, "watches namespace flux-system only"},
		{"own namespace, in it", []string{"--watch-all-namespaces=false"}, "flux-system", none, true, ""},
		{"all namespaces said true", []string{"--watch-all-namespaces=true"}, "apps", none, true, ""},
		{"bare bool flag", []string{"--watch-all-namespaces"}, "apps", none, true, ""},
		{"bad selector: nothing", []string{"--watch-label-selector=a in (b"}, "apps", none, false, "--watch-label-selector"},
	} {
		c := ControllerFromDeployment(controllerDep("helm-controller", hcImage, tc.args...))
		got, why := c.Watches(tc.ns, tc.lbls)
		if got != tc.want || !strings.Contains(why, tc.why) {
			t.Errorf("%s: watches %v (%q), want %v (%q)", tc.name, got, why, tc.want, tc.why)
		}
	}
	// Without RUNTIME_NAMESPACE, main.go's watchNamespace is "": every namespace.
	d := controllerDep("helm-controller", hcImage, "--watch-all-namespaces=false")
	d.Spec.Template.Spec.Containers[0].Env = nil
	if c := ControllerFromDeployment(d); c.WatchNamespace != "" {
		t.Errorf("no RUNTIME_NAMESPACE: watches %q, want every namespace", c.WatchNamespace)
	}
	d.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "RUNTIME_NAMESPACE", Value: "tenant-a"}}
	if c := ControllerFromDeployment(d); c.WatchNamespace != "tenant-a" {
		t.Errorf("RUNTIME_NAMESPACE=tenant-a: watches %q", c.WatchNamespace)
	}
}

func TestImageTagAndKind(t *testing.T) {
	for image, tag := range map[string]string{
		"ghcr.io/fluxcd/helm-controller:v1.6.4":                     "v1.6.4",
		"registry:5000/fluxcd/helm-controller:v1.7.0@sha256:abcdef": "v1.7.0",
		"registry:5000/fluxcd/helm-controller":                      "",
		"helm-controller@sha256:abcdef":                             "",
	} {
		if got := imageTag(image); got != tag {
			t.Errorf("imageTag(%q) = %q, want %q", image, got, tag)
		}
	}
	for _, tc := range []struct {
		dep  *appsv1.Deployment
		want bool
	}{
		{controllerDep("helm-controller", hcImage), true},
		{controllerDep("kustomize-controller", "ghcr.io/fluxcd/kustomize-controller:v1.6.1", "--watch-all-namespaces=true"), false},
		{controllerDep("mirror", "registry.local/flux/hc:v1.6.4", "--snapshot-digest-algo=sha256"), true},
		{controllerDep("helm-controller-registry", "registry:5000/other:helm-controller"), false}, // a tag is not the name
	} {
		if got := IsHelmController(tc.dep); got != tc.want {
			t.Errorf("%s (%s): helm-controller %v, want %v", tc.dep.Name, tc.dep.Spec.Template.Spec.Containers[0].Image, got, tc.want)
		}
	}
}

// Discovery lists the namespace's helm-controllers; a pinned name, a
// refused list or none found read the one Deployment as before.
func TestControllersDiscovery(t *testing.T) {
	ctx := context.Background()
	main := controllerDep("helm-controller", hcImage, "--watch-label-selector=!sharding.fluxcd.io/key")
	shard := controllerDep("helm-controller-shard1", "ghcr.io/fluxcd/helm-controller:v1.7.0",
		"--watch-label-selector=sharding.fluxcd.io/key in (shard1)", "--concurrent=1", "--interval-jitter-percentage=20")
	kust := controllerDep("kustomize-controller", "ghcr.io/fluxcd/kustomize-controller:v1.6.1")
	c := &Client{kube: kubefake.NewClientset(main, shard, kust)}

	cs := c.Controllers(ctx, "flux-system", "helm-controller", false)
	if len(cs.List) != 2 || cs.All || cs.Refs() != "flux-system/helm-controller, flux-system/helm-controller-shard1" {
		t.Fatalf("found %s (all %v)", cs.Refs(), cs.All)
	}
	m := cs.Match("apps", map[string]string{"sharding.fluxcd.io/key": "shard1"})
	s := cs.SettingsFor(m)
	if m.Owner != 1 || m.Also != -1 || s.Concurrent != 1 || s.JitterPercent != 20 || s.Owner == nil || s.Owner.Version != "v1.7.0" {
		t.Errorf("shard1 release: %+v, settings %+v", m, s)
	}
	m = cs.Match("apps", nil)
	if s := cs.SettingsFor(m); m.Owner != 0 || s.Concurrent != 4 || s.Owner.Name != "flux-system/helm-controller" {
		t.Errorf("unlabelled release: %+v, settings %+v", m, s)
	}
	m = cs.Match("apps", map[string]string{"sharding.fluxcd.io/key": "shard9"})
	if s := cs.SettingsFor(m); m.Owner != -1 || !strings.Contains(s.Unwatched, "flux-system/helm-controller-shard1 selects sharding.fluxcd.io/key in (shard1)") {
		t.Errorf("shard9 release: %+v, unwatched %q", m, s.Unwatched)
	}

	pinned := c.Controllers(ctx, "flux-system", "helm-controller-shard1", true)
	if len(pinned.List) != 1 || !pinned.All || pinned.List[0].Settings.Concurrent != 1 {
		t.Errorf("pinned: %+v", pinned)
	}
	if m := pinned.Match("apps", nil); m.Owner != 0 {
		t.Errorf("a pinned controller judges every release: %+v", m)
	}

	// Two selecting one release: both named.
	both := controllerDep("helm-controller-all", hcImage)
	two := (&Client{kube: kubefake.NewClientset(main, both)}).Controllers(ctx, "flux-system", "helm-controller", false)
	if m := two.Match("apps", nil); m.Owner != 0 || m.Also != 1 {
		t.Errorf("two controllers: %+v", m)
	}

	// A refused list falls back to the one Deployment, as before.
	kube := kubefake.NewClientset(main, shard)
	kube.PrependReactor("list", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "", nil)
	})
	fb := (&Client{kube: kube}).Controllers(ctx, "flux-system", "helm-controller", false)
	if len(fb.List) != 1 || !fb.All || fb.List[0].Name != "helm-controller" || fb.Note != "" {
		t.Errorf("list refused: %+v", fb)
	}
	// None at all: today's note and the defaults.
	empty := (&Client{kube: kubefake.NewClientset()}).Controllers(ctx, "flux-system", "helm-controller", false)
	if len(empty.List) != 1 || !empty.List[0].Settings.Controller.Unknown || !strings.Contains(empty.Note, "deployment flux-system/helm-controller not found") ||
		!strings.HasPrefix(empty.Unread, "deployment flux-system/helm-controller not found") {
		t.Errorf("none: %+v", empty)
	}
}
