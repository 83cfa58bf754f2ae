package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// The replay figure (replay.go) serves, from another process, the bytes
// the real kube-apiservers sent for the plugin's requests. They are
// recorded here: a reverse proxy in front of each real server, through
// which the plugin runs `status -A` once per cluster. Nothing is made up:
// status, headers (Content-Type, Content-Encoding — the server gzips large
// LISTs — Audit-Id, …) and body are the server's, byte for byte.

// exchange is one recorded response.
type exchange struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// recording maps "METHOD /path?query", as the client sent it, to the response.
type recording map[string]exchange

type keyOf struct{}

func requestKey(r *http.Request) string { return r.Method + " " + r.RequestURI }

// record runs `status -A --context cNN` once per cluster through a
// recording proxy and writes each cluster's recording to dir/cNN.json.
func record(cfg config, admins []*rest.Config, dir string) error {
	var proxied []*rest.Config
	var recs []*recorder
	for _, a := range admins {
		r, host, err := startRecorder(a, dir)
		if err != nil {
			return err
		}
		defer func() { _ = r.server.Close() }()
		c := rest.CopyConfig(a)
		c.Host, c.CAData = host, r.caPEM
		proxied, recs = append(proxied, c), append(recs, r)
	}
	kubeconfig, names, err := writeContexts(filepath.Join(dir, "record.kubeconfig"), proxied)
	if err != nil {
		return err
	}
	for i, name := range names {
		out, err := exec.Command(cfg.plugin, "--kubeconfig="+kubeconfig, "status", "-A", "--context", name, "--debug-requests").CombinedOutput()
		if err != nil {
			return fmt.Errorf("recording %s: %w\n%s", name, err, tail(string(out)))
		}
		b, err := recs[i].marshal()
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name+".json"), b, 0o600)
		}
		if err != nil {
			return err
		}
		fmt.Printf("Recorded %s: %s\n", name, recs[i].summary())
	}
	return nil
}

type recorder struct {
	mu     sync.Mutex
	rec    recording
	server *http.Server
	caPEM  []byte
}

// startRecorder serves a recording reverse proxy to the server of admin,
// with the certificate in dir (serveCert), and returns its URL.
func startRecorder(admin *rest.Config, dir string) (*recorder, string, error) {
	upstream, err := url.Parse(admin.Host)
	if err != nil {
		return nil, "", err
	}
	transport, err := rest.TransportFor(admin)
	if err != nil {
		return nil, "", err
	}
	r := &recorder{rec: recording{}}
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(upstream) },
		Transport: transport,
		// The client's Accept-Encoding goes upstream as sent, so the
		// transport hands back the body as the server encoded it.
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				return err
			}
			h := resp.Header.Clone()
			h.Del("Date")
			h.Del("Content-Length")
			key, _ := resp.Request.Context().Value(keyOf{}).(string)
			r.mu.Lock()
			r.rec[key] = exchange{Status: resp.StatusCode, Header: h, Body: body}
			r.mu.Unlock()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			return nil
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	// The key is the request as the client sent it, carried to
	// ModifyResponse in the context the outgoing request inherits.
	keyed := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		proxy.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), keyOf{}, requestKey(req))))
	})
	r.server = &http.Server{Handler: keyed, ReadHeaderTimeout: time.Minute}
	go func() { _ = r.server.ServeTLS(ln, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")) }()
	if r.caPEM, err = os.ReadFile(filepath.Join(dir, "cert.pem")); err != nil {
		return nil, "", err
	}
	return r, "https://" + ln.Addr().String(), nil
}

func (r *recorder) marshal() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return json.Marshal(r.rec)
}

// summary lists the recorded responses: request, status, bytes, encoding.
func (r *recorder) summary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var lines []string
	for key, e := range r.rec {
		if i := strings.Index(key, "continue="); i >= 0 {
			key = key[:i] + "continue=…"
		}
		lines = append(lines, fmt.Sprintf("%s → %d, %d bytes, %s %s", key, e.Status, len(e.Body),
			e.Header.Get("Content-Type"), e.Header.Get("Content-Encoding")))
	}
	slices.Sort(lines)
	return fmt.Sprintf("%d responses: %s", len(lines), strings.Join(lines, "; "))
}

// serveCert writes a self-signed serving certificate for 127.0.0.1 to
// dir/cert.pem and dir/key.pem: the recorders and replay servers present
// it, and the kubeconfigs trust it as the cluster's CA, as the plugin
// trusts any cluster's.
func serveCert(dir string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hrretry-bench-replay"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
}

// loadCert reads what serveCert wrote.
func loadCert(dir string) (tls.Certificate, error) {
	return tls.LoadX509KeyPair(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
}
