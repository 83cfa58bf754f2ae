package flux_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// Manifest is flux's cli.fluxcd.io/v1beta1 Plugin, as far as flux reads it.
type Manifest struct {
	APIVersion  string    `json:"apiVersion"`
	Kind        string    `json:"kind"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Homepage    string    `json:"homepage"`
	Source      string    `json:"source"`
	Bin         string    `json:"bin"`
	Versions    []Version `json:"versions"`
}

// Version is one version of the plugin, newest first.
type Version struct {
	Version   string     `json:"version"`
	Platforms []Platform `json:"platforms"`
}

// Platform is one os/arch's archive.
type Platform struct {
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	URL         string `json:"url"`
	Checksum    string `json:"checksum"`
	ExtractPath string `json:"extractPath"`
}

// need is a missing prerequisite: a skip, but a failure under CI=true (CI
// must never pass by skipping).
func need(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// fluxPath is $FLUX_BIN (make e2e sets it from hack/flux-bin.sh).
func fluxPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("FLUX_BIN")
	if p == "" {
		need(t, "FLUX_BIN is not set: build the flux CLI with hack/flux-bin.sh (make e2e does)")
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o111 == 0 {
		need(t, "the flux CLI is missing at "+p+" (build it with hack/flux-bin.sh)")
	}
	return p
}

// kubeBinDir is $KUBEBUILDER_ASSETS, which holds kube-apiserver and etcd.
func kubeBinDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, b)); dir == "" || err != nil {
			need(t, b+" is missing from KUBEBUILDER_ASSETS="+dir+" (build it with `make kube-bin`)")
		}
	}
	return dir
}

// release is this machine's archive and the flux manifest written with it.
type release struct {
	dir      string // holds the archive and hrretry.yaml
	manifest Manifest
	archive  string // the archive's file name
}

var (
	relOnce sync.Once
	relVal  release
	relErr  string
	tmpDirs []string
)

// getRelease runs hack/dist, as `make dist` does, for this machine's
// os/arch only, into a temporary folder: the archive and hrretry.yaml the
// catalog serves are the ones a release would publish.
func getRelease(t *testing.T) release {
	t.Helper()
	relOnce.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			relErr = err.Error()
			return
		}
		dir, err := os.MkdirTemp("", "hrretry-flux-test-")
		if err != nil {
			relErr = err.Error()
			return
		}
		tmpDirs = append(tmpDirs, dir) // removed by TestMain
		cmd := exec.Command("go", "run", "./hack/dist", "-version", "v0.1.0", "-commit", "fluxtest",
			"-date", "2000-01-01T00:00:00Z", "-out", dir, "-manifest", filepath.Join(dir, "plugin.yaml"),
			"-flux-manifest", filepath.Join(dir, "hrretry.yaml"), "-platforms", runtime.GOOS+"/"+runtime.GOARCH)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			relErr = "hack/dist: " + err.Error() + "\n" + string(out)
			return
		}
		relVal.dir = dir
		relVal.manifest, err = readManifest(filepath.Join(dir, "hrretry.yaml"))
		if err != nil {
			relErr = err.Error()
			return
		}
		if len(relVal.manifest.Versions) != 1 || len(relVal.manifest.Versions[0].Platforms) != 1 {
			relErr = "hrretry.yaml does not list exactly one version with one platform"
			return
		}
		relVal.archive = filepath.Base(relVal.manifest.Versions[0].Platforms[0].URL)
	})
	if relErr != "" {
		t.Fatalf("building the release archive: %s", relErr)
	}
	return relVal
}

func readManifest(path string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	return m, yaml.UnmarshalStrict(b, &m)
}

// catalog serves, on 127.0.0.1, the release's hrretry.yaml with its URL
// pointing at the archive served beside it, under /good/, and the same
// manifest with a checksum that is not the archive's under /bad/.
// FLUXCD_PLUGIN_CATALOG is the folder URL (flux appends NAME.yaml).
func catalog(t *testing.T, rel release) (good, bad string) {
	t.Helper()
	srv := httptest.NewServer(nil) // httptest listens on 127.0.0.1 only
	t.Cleanup(srv.Close)
	manifest := func(checksum func(string) string) []byte {
		m := rel.manifest
		m.Versions = []Version{{Version: m.Versions[0].Version, Platforms: []Platform{m.Versions[0].Platforms[0]}}}
		p := &m.Versions[0].Platforms[0]
		p.URL = srv.URL + "/archives/" + rel.archive
		p.Checksum = checksum(p.Checksum)
		b, err := yaml.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	goodYAML := manifest(func(s string) string { return s })
	badYAML := manifest(func(s string) string {
		return "sha256:" + strings.Repeat("0", 64)
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/good/hrretry.yaml", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(goodYAML) })
	mux.HandleFunc("/bad/hrretry.yaml", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(badYAML) })
	mux.Handle("/archives/", http.StripPrefix("/archives/", http.FileServer(http.Dir(rel.dir))))
	srv.Config.Handler = mux
	return srv.URL + "/good/", srv.URL + "/bad/"
}

// fluxEnv is a clean environment for flux: its own HOME, an empty plugin
// folder, the catalog, no kubeconfig (so nothing talks to a real cluster by
// accident), and a PATH of the system folders only.
func fluxEnv(t *testing.T, catalogURL string) (env []string, pluginDir string) {
	t.Helper()
	home := t.TempDir()
	pluginDir = filepath.Join(home, "plugins")
	if err := os.MkdirAll(pluginDir, 0o755); err != nil { // flux does not create $FLUXCD_PLUGINS
		t.Fatal(err)
	}
	return []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + home,
		"FLUXCD_PLUGINS=" + pluginDir,
		"FLUXCD_PLUGIN_CATALOG=" + catalogURL,
		"KUBECONFIG=" + filepath.Join(home, "no-kubeconfig"),
		"NO_COLOR=1",
	}, pluginDir
}

// result is one run of flux.
type result struct {
	stdout, stderr string
	code           int
}

// runFlux runs flux with args in env, for a minute at most.
func runFlux(t *testing.T, env []string, flux string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, flux, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	if err != nil && r.code <= 0 {
		t.Fatalf("flux %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("flux %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

// hasCandidate reports whether the __complete output offers word (a
// candidate may carry a tab and a description).
func hasCandidate(out, word string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.SplitN(l, "\t", 2)[0] == word {
			return true
		}
	}
	return false
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tmpDirs {
		_ = os.RemoveAll(d) // best effort: they are in the temporary folder
	}
	os.Exit(code)
}
