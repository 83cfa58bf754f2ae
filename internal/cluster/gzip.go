package cluster

import (
	"io"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// gunzip asks for gzip and inflates the answer itself, with
// klauspost/compress rather than the standard library, which the HTTP
// transports use when they ask for gzip on their own. The API server
// compresses every LIST page the plugin reads (pages of 500 are ~1.5 MB),
// and inflating them was a fifth of the plugin's CPU over many clusters
// (10 × 1,000 replayed; the library inflates ~1.3 × faster, BENCHMARKS.md,
// issue 26). Set only where the kubeconfig leaves compression on
// (disable-compression): a transport that sees Accept-Encoding set by its
// caller leaves the body as it came, so nothing is inflated twice.
type gunzip struct{ next http.RoundTripper }

func (g gunzip) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Accept-Encoding") != "" || req.Header.Get("Range") != "" || req.Method == http.MethodHead {
		return g.next.RoundTrip(req) // the caller's own choice
	}
	req = req.Clone(req.Context())
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := g.next.RoundTrip(req)
	if err != nil || !strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		return resp, err
	}
	// As net/http does for the gzip it asked for: the body inflated, the
	// headers that described the compressed one gone.
	resp.Body = &inflating{body: resp.Body}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	return resp, nil
}

// inflating reads the gzip stream of body, opened at the first Read (a
// response no one reads costs nothing) so that a bad header is the Read's
// error, as in net/http.
type inflating struct {
	body io.ReadCloser
	zr   *gzip.Reader
	err  error
}

func (r *inflating) Read(p []byte) (int, error) {
	if r.zr == nil && r.err == nil {
		r.zr, r.err = gzip.NewReader(r.body)
	}
	if r.err != nil {
		return 0, r.err
	}
	return r.zr.Read(p)
}

func (r *inflating) Close() error { return r.body.Close() }
