package flux_test

import (
	"bytes"
	"flag"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/template"

	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite hrretry.yaml from plugin.yaml")

// krewManifest is what this test reads of plugin.yaml.
type krewManifest struct {
	Spec struct {
		Version   string `json:"version"`
		Platforms []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Bin    string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// The committed hrretry.yaml is what `make dist` writes for the archives
// plugin.yaml names: the same six archives and sums, through
// hack/hrretry.yaml.tmpl. With -update it is rewritten from plugin.yaml.
func TestCommittedManifestMatchesKrew(t *testing.T) {
	root := filepath.Join("..", "..")
	b, err := os.ReadFile(filepath.Join(root, "plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k krewManifest
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	type platform struct{ OS, Arch, URI, SHA256, Bin string }
	var ps []platform
	for _, p := range k.Spec.Platforms {
		l := p.Selector.MatchLabels
		ps = append(ps, platform{OS: l["os"], Arch: l["arch"], URI: p.URI, SHA256: p.SHA256, Bin: p.Bin})
	}
	tmpl := template.Must(template.New("hrretry.yaml.tmpl").Option("missingkey=error").
		ParseFiles(filepath.Join(root, "hack", "hrretry.yaml.tmpl")))
	var want bytes.Buffer
	if err := tmpl.Execute(&want, struct {
		Version   string
		Platforms []platform
	}{strings.TrimPrefix(k.Spec.Version, "v"), ps}); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join(root, "hrretry.yaml")
	if *update {
		if err := os.WriteFile(committed, want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("hrretry.yaml is not what make dist writes for plugin.yaml's archives (go test ./test/flux -run %s -update):\n--- got\n%s\n--- want\n%s", t.Name(), got, want.Bytes())
	}
	checkRules(t, committed, 6)
}

var (
	sha256Digest = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	semver       = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
)

// checkRules applies what flux v2.9.5 checks of a manifest (internal/plugin:
// FetchManifest, ResolveVersion, ResolvePlatform, Install), re-stated here:
// the apiVersion and kind, a bin that is a plain file name starting with
// flux-, versions flux can name (`hrretry@0.1.0`), one entry per os/arch,
// sha256 checksums, and an extractPath that is the archive's binary.
func checkRules(t *testing.T, file string, platforms int) {
	t.Helper()
	m, err := readManifest(file) // strict: no field flux would not read
	if err != nil {
		t.Fatal(err)
	}
	if m.APIVersion != "cli.fluxcd.io/v1beta1" || m.Kind != "Plugin" || m.Name != "hrretry" {
		t.Errorf("%s: %s %s %s, want cli.fluxcd.io/v1beta1 Plugin hrretry", file, m.APIVersion, m.Kind, m.Name)
	}
	if m.Bin != "flux-"+m.Name || path.Base(m.Bin) != m.Bin || m.Description == "" {
		t.Errorf("%s: bin %q, description %q", file, m.Bin, m.Description)
	}
	if len(m.Versions) == 0 {
		t.Fatalf("%s lists no version", file)
	}
	for _, v := range m.Versions {
		if !semver.MatchString(v.Version) {
			t.Errorf("%s: version %q is not semver without a v", file, v.Version)
		}
		if len(v.Platforms) != platforms {
			t.Errorf("%s: %d platforms, want %d", file, len(v.Platforms), platforms)
		}
		seen := map[string]bool{}
		for _, p := range v.Platforms {
			pair := p.OS + "/" + p.Arch
			if seen[pair] {
				t.Errorf("%s: %s listed twice", file, pair)
			}
			seen[pair] = true
			if !sha256Digest.MatchString(p.Checksum) {
				t.Errorf("%s %s: checksum %q is not sha256:<hex>", file, pair, p.Checksum)
			}
			bin := "kubectl-hrretry"
			if p.OS == "windows" {
				bin += ".exe"
			}
			if p.ExtractPath != bin {
				t.Errorf("%s %s: extractPath %q, want the archive's %s", file, pair, p.ExtractPath, bin)
			}
			if !strings.HasPrefix(p.URL, "https://") || !strings.Contains(p.URL, "_"+p.OS+"_"+p.Arch+".") {
				t.Errorf("%s %s: url %q", file, pair, p.URL)
			}
		}
	}
}

// The manifest `make dist` writes for one platform obeys the same rules.
func TestDistWritesManifest(t *testing.T) {
	rel := getRelease(t)
	checkRules(t, filepath.Join(rel.dir, "hrretry.yaml"), 1)
}
