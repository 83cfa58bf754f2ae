package groundtruth

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// chartsDir holds the charts the scenarios serve.
const chartsDir = "../../testdata/charts"

// packageChart makes the .tgz `helm package` would for testdata/charts/dir,
// with the name and version in Chart.yaml replaced, so that one release can
// move from a broken chart to a fixed version of "the same" chart.
func packageChart(dir, name, version string) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	root := filepath.Join(chartsDir, dir)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if rel == "Chart.yaml" {
			data = chartName.ReplaceAll(data, []byte("name: "+name))
			data = chartVersion.ReplaceAll(data, []byte("version: "+version))
		}
		hdr := &tar.Header{Name: name + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data)),
			ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	return buf.Bytes(), err
}

var (
	chartName    = regexp.MustCompile(`(?m)^name: .*$`)
	chartVersion = regexp.MustCompile(`(?m)^version: .*$`)
)

// chartServer stands in for source-controller's artifact storage: it
// serves the packaged charts over HTTP on 127.0.0.1.
type chartServer struct {
	srv   *httptest.Server
	mu    sync.Mutex
	files map[string][]byte // URL path -> content
}

func startChartServer(t *testing.T) *chartServer {
	s := &chartServer{files: map[string][]byte{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		data, ok := s.files[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/gzip")
		_, _ = w.Write(data)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

var ociRepositoryGVK = schema.GroupVersionKind{Group: "source.toolkit.fluxcd.io", Version: "v1", Kind: "OCIRepository"}

// publish packages a chart and makes the OCIRepository namespace/name point
// at it, as source-controller does after pulling a new tag: the spec names
// the tag, status.artifact has the URL, revision "<tag>@sha256:<digest>" and
// digest, and Ready is True for the current generation.
func (s *chartServer) publish(ctx context.Context, c client.Client, namespace, name, dir, version string) error {
	data, err := packageChart(dir, name, version)
	if err != nil {
		return fmt.Errorf("packaging %s: %w", dir, err)
	}
	digest := fmt.Sprintf("sha256:%x", sha256.Sum256(data))
	path := fmt.Sprintf("/ocirepository/%s/%s/%x.tgz", namespace, name, sha256.Sum256(data))
	s.mu.Lock()
	s.files[path] = data
	s.mu.Unlock()

	repo := &unstructured.Unstructured{}
	repo.SetGroupVersionKind(ociRepositoryGVK)
	err = c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, repo)
	switch {
	case err == nil:
		if err := unstructured.SetNestedField(repo.Object, version, "spec", "ref", "tag"); err != nil {
			return err
		}
		err = c.Update(ctx, repo)
	case client.IgnoreNotFound(err) == nil:
		repo.SetNamespace(namespace)
		repo.SetName(name)
		repo.Object["spec"] = map[string]any{"url": "oci://" + s.srv.Listener.Addr().String() + "/charts/" + name,
			"interval": "10m", "ref": map[string]any{"tag": version}}
		err = c.Create(ctx, repo)
	}
	if err != nil {
		return fmt.Errorf("writing OCIRepository %s/%s: %w", namespace, name, err)
	}

	now := metav1.Now().UTC().Format(time.RFC3339)
	revision := version + "@" + digest
	msg := fmt.Sprintf("stored artifact for digest '%s'", revision)
	repo.Object["status"] = map[string]any{
		"observedGeneration": repo.GetGeneration(),
		"url":                s.srv.URL + path,
		"conditions": []any{
			condition("Ready", "Succeeded", msg, now, repo.GetGeneration()),
			condition("ArtifactInStorage", "Succeeded", msg, now, repo.GetGeneration()),
		},
		"artifact": map[string]any{
			"path": path[1:], "url": s.srv.URL + path, "revision": revision, "digest": digest,
			"lastUpdateTime": now, "size": int64(len(data)),
		},
	}
	if err := c.Status().Update(ctx, repo); err != nil {
		return fmt.Errorf("writing the status of OCIRepository %s/%s: %w", namespace, name, err)
	}
	return nil
}

func condition(typ, reason, msg, at string, generation int64) map[string]any {
	return map[string]any{"type": typ, "status": "True", "reason": reason, "message": msg,
		"lastTransitionTime": at, "observedGeneration": generation}
}
