package krew_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// dist is a set of release archives and the manifest written with them.
type dist struct {
	dir      string // holds the archives
	manifest string // plugin.yaml that names them
	fresh    bool   // built by this test run, not found in dist/
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
		distVal = dist{dir: dir, manifest: filepath.Join(dir, "plugin.yaml"), fresh: true}
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
func buildDist(root, dir, version string) ([]byte, error) {
	cmd := exec.Command("go", "run", "./hack/dist", "-version", version,
		"-commit", "krewtest", "-date", "2000-01-01T00:00:00Z",
		"-out", dir, "-manifest", filepath.Join(dir, "plugin.yaml"))
	cmd.Dir = root
	return cmd.CombinedOutput()
}

var tempDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
