package cluster

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// --request-timeout bounds a request that does not answer.
func TestRequestDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // a LIST that never answers
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := New(&rest.Config{Host: srv.URL, Timeout: 100 * time.Millisecond}, DefaultRate)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.List(context.Background(), ListOptions{Namespace: "apps"}, func(Page) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a LIST that never answers: %v, want the deadline", err)
	}
}

// What the transport gives the next one: a deadline for a request, none
// for a watch.
func TestRequestDeadlineSparesWatches(t *testing.T) {
	var deadlines []bool
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		_, has := r.Context().Deadline()
		deadlines = append(deadlines, has)
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	rt := requestDeadline{next: next, d: time.Minute}
	for _, u := range []string{"https://127.0.0.1/apis/x?limit=500", "https://127.0.0.1/apis/x?watch=true"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	if len(deadlines) != 2 || !deadlines[0] || deadlines[1] {
		t.Errorf("deadlines (LIST, watch) = %v, want [true false]", deadlines)
	}
}
