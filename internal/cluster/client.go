// Package cluster is the read side of kubectl hrretry's API access: HelmRelease
// GET and paged LIST straight from the known resource path (no discovery),
// decoded without a detour through unstructured maps, and the
// helm-controller's settings read from its Deployment.
package cluster

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// HelmReleases is the resource this tool reads and patches.
var HelmReleases = schema.GroupVersionResource{Group: "helm.toolkit.fluxcd.io", Version: "v2", Resource: "helmreleases"}

// Resource is HelmReleases as kubectl names it in messages.
const Resource = "helmreleases.helm.toolkit.fluxcd.io"

// Rate bounds the client's requests. client-go's token bucket lets Burst
// requests through at once and then QPS a second.
type Rate struct {
	QPS   float32
	Burst int
}

// DefaultRate is kubectl's: kubectl leaves rest.Config's QPS and Burst at
// zero for its API requests (it raises them for discovery only), so
// client-go applies rest.DefaultQPS and rest.DefaultBurst. A shared API
// server sees this tool no harder than kubectl unless --qps/--burst say so.
var DefaultRate = Rate{QPS: rest.DefaultQPS, Burst: rest.DefaultBurst}

// Client reaches the API server. It is safe for concurrent use.
type Client struct {
	raw      rest.Interface
	dynamic  dynamic.Interface
	kube     kubernetes.Interface
	requests *RequestCounter
}

// New builds the clients from a rest.Config, bounded by rate.
func New(cfg *rest.Config, rate Rate) (*Client, error) {
	counter := &RequestCounter{}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = rate.QPS, rate.Burst
	cfg.Wrap(counter.wrap)
	if !cfg.DisableCompression {
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return gunzip{next: rt} })
	}
	if d := cfg.Timeout; d > 0 { // --request-timeout: each request, not each watch
		cfg.Timeout = 0
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return requestDeadline{next: rt, d: d} })
	}

	rc := rest.CopyConfig(cfg)
	rc.GroupVersion = &schema.GroupVersion{Group: HelmReleases.Group, Version: HelmReleases.Version}
	rc.APIPath = "/apis"
	rc.ContentType = "application/json"
	rc.AcceptContentTypes = "application/json"
	rc.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	raw, err := rest.RESTClientFor(rc)
	if err != nil {
		return nil, fmt.Errorf("building the REST client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the dynamic client: %w", err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes client: %w", err)
	}
	return &Client{raw: raw, dynamic: dyn, kube: kube, requests: counter}, nil
}

// HelmReleases is the dynamic client of the resource, for watches and
// patches.
func (c *Client) HelmReleases() dynamic.NamespaceableResourceInterface {
	return c.dynamic.Resource(HelmReleases)
}

// Requests counts the HTTP requests this client sent.
func (c *Client) Requests() *RequestCounter { return c.requests }

// Get fetches one HelmRelease as raw JSON. It goes through the dynamic
// client, whose decoder reads the API server's Status body: a missing object
// then comes back as a NotFound Status from the resource's handler, told
// apart from the plain-text 404 of a cluster that does not serve the
// resource at all.
func (c *Client) Get(ctx context.Context, namespace, name string) ([]byte, error) {
	u, err := c.HelmReleases().Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return u.MarshalJSON()
}

// ListOptions select HelmReleases; an empty Namespace means all namespaces.
type ListOptions struct {
	Namespace     string
	LabelSelector string
	FieldSelector string
	ChunkSize     int64
}

// Page is a run of consecutive items of a LIST, decoded: at most batchSize
// of them, so that a caller holds a run of objects at a time, never a whole
// page of them.
type Page struct {
	Objects []inspect.Decoded
}

// batchSize is how many items List hands over at once: enough to keep a
// core busy analyzing while the next ones are read off the wire.
const batchSize = 100

// List pages through the HelmReleases, calling fn with each run of items as
// it is read off the wire, so callers can stream. It returns the list's
// resourceVersion (for a watch).
func (c *Client) List(ctx context.Context, o ListOptions, fn func(Page) error) (string, error) {
	cont := ""
	for {
		req := c.raw.Get().Resource(HelmReleases.Resource)
		if o.Namespace != "" {
			req = req.Namespace(o.Namespace)
		}
		if o.LabelSelector != "" {
			req = req.Param("labelSelector", o.LabelSelector)
		}
		if o.FieldSelector != "" {
			req = req.Param("fieldSelector", o.FieldSelector)
		}
		if o.ChunkSize > 0 {
			req = req.Param("limit", fmt.Sprint(o.ChunkSize))
		}
		if cont != "" {
			req = req.Param("continue", cont)
		}
		body, err := req.Stream(ctx)
		if err != nil {
			return "", err
		}
		meta, err := readList(body, fn)
		_ = body.Close() // read to the end or failed; nothing more to learn from closing
		if err != nil {
			return "", err
		}
		if meta.Continue == "" {
			return meta.ResourceVersion, nil
		}
		cont = meta.Continue
	}
}

// RequestCounter counts requests by method, for --debug-requests and the
// benchmarks.
type RequestCounter struct{ total, get, list, watch, patch atomic.Int64 }

func (r *RequestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		r.total.Add(1)
		switch {
		case req.Method == http.MethodPatch:
			r.patch.Add(1)
		case req.URL.Query().Get("watch") == "true" || req.URL.Query().Get("watch") == "1":
			r.watch.Add(1)
		case req.Method == http.MethodGet && isCollection(req):
			r.list.Add(1)
		case req.Method == http.MethodGet:
			r.get.Add(1)
		}
		return rt.RoundTrip(req)
	})
}

// String is the summary --debug-requests prints.
func (r *RequestCounter) String() string {
	return fmt.Sprintf("API requests: %d (get %d, list %d, watch %d, patch %d)",
		r.total.Load(), r.get.Load(), r.list.Load(), r.watch.Load(), r.patch.Load())
}

// Total is the number of requests sent.
func (r *RequestCounter) Total() int64 { return r.total.Load() }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// isCollection: a GET whose last path segment is the resource name itself.
func isCollection(req *http.Request) bool {
	p := req.URL.Path
	for _, res := range []string{"/helmreleases", "/deployments"} {
		if len(p) >= len(res) && p[len(p)-len(res):] == res {
			return true
		}
	}
	return false
}

// Names lists the HelmRelease names in a namespace, for completion.
func (c *Client) Names(ctx context.Context, namespace string) ([]string, error) {
	var names []string
	_, err := c.List(ctx, ListOptions{Namespace: namespace, ChunkSize: 500}, func(p Page) error {
		for _, d := range p.Objects {
			if d.Object.Name != "" {
				names = append(names, d.Object.Name)
			}
		}
		return nil
	})
	return names, err
}

// Namespaces lists namespace names, for completion.
func (c *Client) Namespaces(ctx context.Context) ([]string, error) {
	list, err := c.kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list.Items))
	for _, ns := range list.Items {
		names = append(names, ns.Name)
	}
	return names, nil
}
