// Package clustertest serves the commands' Cluster from client-go's dynamic
// fake, so a command runs in a unit test exactly as against a server: the
// same decode path, the same paging, patches that land in the fake's
// tracker, and watches a test drives event by event.
package clustertest

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/hrretry/kubectl-hrretry/internal/cluster"
	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// ResourceVersion is what a LIST of the fake reports when the tracker gives
// none: a watch must start from a version (the RetryWatcher refuses "").
const ResourceVersion = "1"

// Fake is a Cluster over client-go's dynamic fake. Reactors prepended to
// Dynamic inject errors into any request, lists included.
type Fake struct {
	Dynamic *dynamicfake.FakeDynamicClient
	// Kube serves the typed objects (Events, Secrets); reactors prepended
	// to it inject errors, a Forbidden for one.
	Kube *kubefake.Clientset
	// Settings and SettingsNote are what Controllers returns: one
	// controller, flux-system/helm-controller, that judges every release.
	Settings     inspect.Settings
	SettingsNote string
	// Fleet, when set, is what Controllers returns instead (sharded
	// controllers, cluster.Discovered).
	Fleet *cluster.Controllers
	// HealthReads, when set, is the controller's health on successive
	// calls of Controllers (the last one repeats): a controller that stops,
	// or comes back, while a live view reads it again.
	HealthReads []inspect.Health
	healthRead  int

	mu       sync.Mutex
	lists    []cluster.ListOptions
	requests cluster.RequestCounter
}

// New serves objs, HelmReleases as *unstructured.Unstructured.
func New(objs ...runtime.Object) *Fake {
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{cluster.HelmReleases: "HelmReleaseList"}, objs...)
	return &Fake{Dynamic: dyn, Kube: kubefake.NewClientset(), Settings: inspect.DefaultSettings()}
}

// Get returns one object as JSON, as the server would.
func (f *Fake) Get(ctx context.Context, namespace, name string) ([]byte, error) {
	u, err := f.HelmReleases().Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return u.MarshalJSON()
}

// List lists through the dynamic fake, which ignores limit and continue, and
// cuts the result into pages of o.ChunkSize itself so the caller's paging
// runs. It records o for Lists.
func (f *Fake) List(ctx context.Context, o cluster.ListOptions, page func(cluster.Page) error) (string, error) {
	f.mu.Lock()
	f.lists = append(f.lists, o)
	f.mu.Unlock()
	l, err := f.HelmReleases().Namespace(o.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: o.LabelSelector, FieldSelector: o.FieldSelector, Limit: o.ChunkSize})
	if err != nil {
		return "", err
	}
	rv := l.GetResourceVersion()
	if rv == "" {
		rv = ResourceVersion
	}
	size := len(l.Items)
	if o.ChunkSize > 0 {
		size = int(o.ChunkSize)
	}
	for start := 0; start == 0 || start < len(l.Items); start += max(size, 1) {
		var p cluster.Page
		for _, u := range l.Items[start:min(start+size, len(l.Items))] {
			raw, err := u.MarshalJSON()
			if err != nil {
				return "", err
			}
			p.Objects = append(p.Objects, inspect.Read(raw))
		}
		if err := page(p); err != nil {
			return "", err
		}
	}
	return rv, nil
}

// Lists are the options of every List so far, in order.
func (f *Fake) Lists() []cluster.ListOptions {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.lists)
}

// HelmReleases is the dynamic fake's resource client. Like the fake client
// itself, it tells client-go's reflector that it serves no WatchList
// stream, so informers list and then watch.
func (f *Fake) HelmReleases() dynamic.NamespaceableResourceInterface {
	return Resource(f.Dynamic)
}

// Resource is dyn's HelmReleases client, for tests that use a dynamic fake
// without a Fake.
func Resource(dyn *dynamicfake.FakeDynamicClient) dynamic.NamespaceableResourceInterface {
	return noWatchList{dyn.Resource(cluster.HelmReleases)}
}

type noWatchList struct {
	dynamic.NamespaceableResourceInterface
}

func (noWatchList) IsWatchListSemanticsUnSupported() bool { return true }

// Controllers returns Fleet, or one controller with Settings and
// SettingsNote.
func (f *Fake) Controllers(context.Context, string, string, bool) cluster.Controllers {
	if f.Fleet != nil {
		return *f.Fleet
	}
	s := f.Settings
	if len(f.HealthReads) > 0 {
		f.mu.Lock()
		s.Controller = f.HealthReads[min(f.healthRead, len(f.HealthReads)-1)]
		f.healthRead++
		f.mu.Unlock()
	}
	return cluster.Single("flux-system", "helm-controller", s, f.SettingsNote)
}

// Names lists the names in a namespace.
func (f *Fake) Names(ctx context.Context, namespace string) ([]string, error) {
	var names []string
	_, err := f.List(ctx, cluster.ListOptions{Namespace: namespace}, func(p cluster.Page) error {
		for _, d := range p.Objects {
			names = append(names, d.Object.Name)
		}
		return nil
	})
	return names, err
}

// Namespaces are the namespaces of the objects served.
func (f *Fake) Namespaces(ctx context.Context) ([]string, error) {
	l, err := f.HelmReleases().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range l.Items {
		if !slices.Contains(out, u.GetNamespace()) {
			out = append(out, u.GetNamespace())
		}
	}
	slices.Sort(out)
	return out, nil
}

// Requests is a counter the fake never advances.
func (f *Fake) Requests() *cluster.RequestCounter { return &f.requests }

// Patches are the patch actions the fake received, in order.
func (f *Fake) Patches() []k8stesting.PatchActionImpl {
	var out []k8stesting.PatchActionImpl
	for _, a := range f.Dynamic.Actions() {
		if p, ok := a.(k8stesting.PatchActionImpl); ok {
			out = append(out, p)
		}
	}
	return out
}

// Watches hands out the given watchers, one per WATCH request, in order, so
// a test feeds events one at a time (watch.FakeWatcher is unbuffered: a send
// returns once the command has taken the event). Every WATCH after the last
// one gets a watch that stays silent.
func (f *Fake) Watches(ws ...watch.Interface) {
	Watches(f.Dynamic, ws...)
}

// Watches is Fake.Watches for a bare dynamic fake.
func Watches(dyn *dynamicfake.FakeDynamicClient, ws ...watch.Interface) {
	var mu sync.Mutex
	dyn.PrependWatchReactor(cluster.HelmReleases.Resource, func(k8stesting.Action) (bool, watch.Interface, error) {
		mu.Lock()
		defer mu.Unlock()
		if len(ws) == 0 {
			return true, watch.NewFake(), nil
		}
		w := ws[0]
		ws = ws[1:]
		return true, w, nil
	})
}

// Load reads HelmReleases from YAML or JSON files (pkg/inspect/testdata).
func Load(tb testing.TB, files ...string) []runtime.Object {
	tb.Helper()
	var out []runtime.Object
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, Object(tb, string(b)))
	}
	return out
}

// Object decodes one HelmRelease from YAML or JSON.
func Object(tb testing.TB, doc string) *unstructured.Unstructured {
	tb.Helper()
	j, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		tb.Fatalf("decoding a HelmRelease: %v", err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		tb.Fatalf("decoding a HelmRelease: %v", err)
	}
	if u.GetResourceVersion() == "" {
		u.SetResourceVersion(ResourceVersion) // a watch event needs one
	}
	return u
}
