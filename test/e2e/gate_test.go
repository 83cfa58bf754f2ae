package e2e

import (
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/hrretry/kubectl-hrretry/test/fixtures/controlplane"
)

// gate is a reverse proxy on 127.0.0.1 in front of the real API server, as
// the admin: it holds the first request a test names until the client
// gives up on it, and says when that request arrived. A test sends a signal
// at that moment, so "during the patch" or "while watching" is a fact,
// not a sleep.
type gate struct {
	srv        *httptest.Server
	kubeconfig string

	mu      sync.Mutex
	hold    func(*http.Request) bool
	arrived chan string
	closing chan struct{}
}

func newGate(t *testing.T, h *harness, name string) *gate {
	t.Helper()
	target, err := url.Parse(h.cp.Host())
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(h.cp.Admin)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport, proxy.FlushInterval = transport, -1 // watches stream
	g := &gate{arrived: make(chan string, 1), closing: make(chan struct{})}
	g.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.take(r) {
			// The server notices a closed connection only once the body
			// is read (a PATCH has one).
			_, _ = io.Copy(io.Discard, r.Body)
			g.arrived <- r.Method + " " + r.URL.String()
			select {
			case <-r.Context().Done(): // the client gave up: it was interrupted
			case <-g.closing:
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		// The proxied watches of the plugins signalled may linger: cut
		// them, or Close waits for them.
		close(g.closing)
		g.srv.CloseClientConnections()
		g.srv.Close()
	})
	g.kubeconfig = filepath.Join(h.dir, name+".kubeconfig")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: g.srv.Certificate().Raw})
	if err := controlplane.WriteKubeconfig(g.kubeconfig, "e2e-"+name, &rest.Config{Host: g.srv.URL,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca}}); err != nil {
		t.Fatal(err)
	}
	return g
}

// holdFirst arms the gate: the first request for which match is true is
// held; the others pass.
func (g *gate) holdFirst(match func(*http.Request) bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.hold = match
}

func (g *gate) take(r *http.Request) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hold == nil || !g.hold(r) {
		return false
	}
	g.hold = nil
	return true
}

// Matchers for holdFirst.
func pathHas(s string) func(*http.Request) bool {
	return func(r *http.Request) bool { return strings.Contains(r.URL.Path, s) }
}

func isWatch(r *http.Request) bool { return r.URL.Query().Get("watch") == "true" }

func isPatch(r *http.Request) bool { return r.Method == http.MethodPatch }
