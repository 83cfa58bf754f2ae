package cluster

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

// gzipServer answers every request with a page of HelmReleases, gzipped
// when asked (corrupt: a gzip header and then garbage), and says what it
// was asked for.
func gzipServer(t *testing.T, corrupt bool) (*httptest.Server, *[]string) {
	var asked []string
	page := `{"metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}`
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.Header.Get("Accept-Encoding"))
		w.Header().Set("Content-Type", "application/json")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			_, _ = io.WriteString(w, page)
			return
		}
		var b bytes.Buffer
		zw := stdgzip.NewWriter(&b)
		_, _ = io.WriteString(zw, page)
		_ = zw.Close()
		body := b.Bytes()
		if corrupt {
			body = append(body[:10:10], "not deflate at all"...)
		}
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

// TestListsAskForGzipAndInflateIt: the client asks for gzip and decodes
// the inflated page (gunzip); with disable-compression it asks for none
// (over TLS: client-go gives a plain-HTTP config the default transport,
// which asks for gzip whatever the config says).
func TestListsAskForGzipAndInflateIt(t *testing.T) {
	for _, disable := range []bool{false, true} {
		srv, asked := gzipServer(t, false)
		c, err := New(&rest.Config{Host: srv.URL, DisableCompression: disable,
			TLSClientConfig: rest.TLSClientConfig{Insecure: true}}, DefaultRate)
		if err != nil {
			t.Fatal(err)
		}
		names, err := c.Names(context.Background(), "apps")
		if err != nil || strings.Join(names, ",") != "a,b" {
			t.Errorf("disable-compression %v: Names = %v, %v", disable, names, err)
		}
		want := "gzip"
		if disable {
			want = ""
		}
		if len(*asked) != 1 || (*asked)[0] != want {
			t.Errorf("disable-compression %v: Accept-Encoding %q, want %q", disable, *asked, want)
		}
	}
}

// TestCorruptGzipIsAnError: a body that does not inflate is the LIST's
// error, not a panic or an empty page.
func TestCorruptGzipIsAnError(t *testing.T) {
	srv, _ := gzipServer(t, true)
	c, err := New(&rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{Insecure: true}}, DefaultRate)
	if err != nil {
		t.Fatal(err)
	}
	if names, err := c.Names(context.Background(), "apps"); err == nil {
		t.Errorf("Names = %v and no error from a corrupt gzip body", names)
	}
}

// TestGunzipLeavesTheCallersEncoding: a request that names its own
// Accept-Encoding gets the body as it came.
func TestGunzipLeavesTheCallersEncoding(t *testing.T) {
	srv, _ := gzipServer(t, false)
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := gunzip{next: srv.Client().Transport}.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Encoding") != "gzip" || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("the caller's gzip was inflated: Content-Encoding %q, body %q", resp.Header.Get("Content-Encoding"), b)
	}
}

// TestGunzipInflates: asked nothing, gunzip asks for gzip, inflates it and
// drops the headers of the compressed body.
func TestGunzipInflates(t *testing.T) {
	srv, asked := gzipServer(t, false)
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	tr, ok := srv.Client().Transport.(*http.Transport)
	if !ok {
		t.Fatalf("the test server's transport is a %T", srv.Client().Transport)
	}
	tr = tr.Clone()
	tr.DisableCompression = true // the inflating must be gunzip's
	resp, err := gunzip{next: tr}.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil || !strings.HasPrefix(string(b), `{"metadata"`) || resp.Header.Get("Content-Encoding") != "" ||
		resp.ContentLength != -1 || !resp.Uncompressed || (*asked)[0] != "gzip" {
		t.Errorf("asked %q; got %q (%v), Content-Encoding %q, length %d", *asked, b, err, resp.Header.Get("Content-Encoding"), resp.ContentLength)
	}
}
