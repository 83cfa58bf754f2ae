package krew_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// dist is a set of release archives and the manifest written with them.
type dist struct {
	dir      string // holds the archives
	manifest string // plugin.yaml that names them
	fresh    bool   // built by this test run, not found in dist/
	sources  string // digest of the plugin's sources before that build
}

var (
	distOnce sync.Once
	distVal  dist
	distErr  string
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func committedManifest(t *testing.T) string {
	return filepath.Join(repoRoot(t), "plugin.yaml")
}

// getDist returns dist/ with the repository's plugin.yaml when `make dist`
// left every archive that plugin.yaml names there; otherwise it builds the
// archives and a manifest for the same version into a temporary folder with
// hack/dist, so that a fresh clone (and `make test`) checks real archives.
func getDist(t *testing.T) dist {
	t.Helper()
	distOnce.Do(func() {
		root := repoRoot(t)
		m := committedManifest(t)
		p := readManifest(t, m)
		complete := len(p.Spec.Platforms) > 0
		for _, pl := range p.Spec.Platforms {
			if _, err := os.Stat(filepath.Join(root, "dist", archiveName(pl))); err != nil {
				complete = false
			}
		}
		if complete {
			distVal = dist{dir: filepath.Join(root, "dist"), manifest: m}
			return
		}
		dir, err := os.MkdirTemp("", "hrretry-krew-test-")
		if err != nil {
			distErr = err.Error()
			return
		}
		// Removed by TestMain once every test is done.
		tempDirs = append(tempDirs, dir)
		distVal = dist{dir: dir, manifest: filepath.Join(dir, "plugin.yaml"), fresh: true, sources: sourceDigest(root)}
		if out, err := buildDist(root, dir, p.Spec.Version); err != nil {
			distErr = err.Error() + "\n" + string(out)
		}
	})
	if distErr != "" {
		t.Fatalf("building the release archives: %s", distErr)
	}
	return distVal
}

// buildDist runs the dist program the way `make dist` does, into dir.
func buildDist(root, dir, version string, extra ...string) ([]byte, error) {
	args := append([]string{"run", "./hack/dist", "-version", version,
		"-commit", "krewtest", "-date", "2000-01-01T00:00:00Z",
		"-out", dir, "-manifest", filepath.Join(dir, "plugin.yaml")}, extra...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	return cmd.CombinedOutput()
}

// sourceDigest hashes what goes into the binary: the Go files of the main
// module's packages the plugin imports, and go.mod and go.sum. Others may
// edit the working tree while the tests run; this tells when they did.
func sourceDigest(root string) string {
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if and .Module .Module.Main}}{{range .GoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}{{end}}`, "./cmd/kubectl-hrretry")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "unknown: " + err.Error()
	}
	h := sha256.New()
	files := append(strings.Fields(string(out)), filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "unknown: " + err.Error()
		}
		_, _ = fmt.Fprintf(h, "%s %d\n", f, len(b)) // a hash.Hash never fails a write
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

var tempDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tempDirs {
		_ = os.RemoveAll(d) // best effort: they are in the temporary folder
	}
	os.Exit(code)
}
