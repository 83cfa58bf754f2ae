package cluster

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/hrretry/kubectl-hrretry/pkg/inspect"
)

// A stand-in API server: two pages of HelmReleases, one object, and no
// helm-controller Deployment.
func apiServer(t *testing.T) (*httptest.Server, func() []url.Values) {
	var mu sync.Mutex
	var lists []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/apis/helm.toolkit.fluxcd.io/v2/namespaces/apps/helmreleases":
			mu.Lock()
			lists = append(lists, r.URL.Query())
			mu.Unlock()
			if r.URL.Query().Get("continue") == "" {
				_, _ = w.Write([]byte(`{"metadata":{"continue":"page2","resourceVersion":"7"},"items":[{"metadata":{"name":"a"}}]}`))
				return
			}
			_, _ = w.Write([]byte(`{"metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"b"}}]}`))
		case "/apis/helm.toolkit.fluxcd.io/v2/namespaces/apps/helmreleases/a":
			_, _ = w.Write([]byte(`{"apiVersion":"helm.toolkit.fluxcd.io/v2","kind":"HelmRelease","metadata":{"name":"a","namespace":"apps"}}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,
				"details":{"name":"helm-controller","kind":"deployments"}}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []url.Values {
		mu.Lock()
		defer mu.Unlock()
		return lists
	}
}

func TestClientAgainstAServer(t *testing.T) {
	srv, lists := apiServer(t)
	c, err := New(&rest.Config{Host: srv.URL}, DefaultRate)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	var pages []inspect.Decoded
	rv, err := c.List(ctx, ListOptions{Namespace: "apps", LabelSelector: "team=a", FieldSelector: "metadata.name!=x", ChunkSize: 1},
		func(p Page) error {
			pages = append(pages, p.Objects...)
			return nil
		})
	if err != nil || rv != "9" || len(pages) != 2 {
		t.Fatalf("List = %q, %d items, %v; want the last page's resourceVersion and both pages", rv, len(pages), err)
	}
	q := lists()
	if len(q) != 2 || q[0].Get("limit") != "1" || q[0].Get("labelSelector") != "team=a" ||
		q[0].Get("fieldSelector") != "metadata.name!=x" || q[1].Get("continue") != "page2" {
		t.Errorf("list queries %v", q)
	}

	names, err := c.Names(ctx, "apps")
	if err != nil || strings.Join(names, ",") != "a,b" {
		t.Errorf("Names = %v, %v", names, err)
	}
	raw, err := c.Get(ctx, "apps", "a")
	if err != nil || !strings.Contains(string(raw), `"name":"a"`) {
		t.Errorf("Get = %s, %v", raw, err)
	}
	s, note := c.ControllerSettings(ctx, "flux-system", "helm-controller")
	if s.JitterPercent != 5 || !strings.Contains(note, "deployment flux-system/helm-controller not found") {
		t.Errorf("settings %+v, note %q; want the defaults and why", s, note)
	}
	if got := c.Requests().String(); got != "API requests: 6 (get 2, list 4, watch 0, patch 0)" {
		t.Errorf("counted %s", got)
	}
}
