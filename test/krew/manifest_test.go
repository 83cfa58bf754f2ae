// Package krew_test checks that kubectl hrretry ships the way krew installs
// plugins: plugin.yaml obeys krew's manifest rules (read from krew's
// validation code and krew-index's guidelines, re-stated here, not copied),
// every archive matches its sha256 and yields the `bin` once the `files` rules
// are applied, and the real kubectl finds and runs the plugin laid out as krew
// lays it out.
package krew_test

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/version"
	"sigs.k8s.io/yaml"
)

// Plugin is the krew v1alpha2 manifest, as far as krew reads it.
type Plugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string     `json:"version"`
		Homepage         string     `json:"homepage"`
		ShortDescription string     `json:"shortDescription"`
		Description      string     `json:"description"`
		Caveats          string     `json:"caveats"`
		Platforms        []Platform `json:"platforms"`
	} `json:"spec"`
}

// Platform is one installation candidate.
type Platform struct {
	Selector *metav1.LabelSelector `json:"selector"`
	URI      string                `json:"uri"`
	SHA256   string                `json:"sha256"`
	Files    []FileOp              `json:"files"`
	Bin      string                `json:"bin"`
}

// FileOp copies From (a file or a glob in the archive) to To (in the plugin folder).
type FileOp struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type osArch struct{ OS, Arch string }

func (p osArch) String() string { return p.OS + "/" + p.Arch }

var (
	// The six pairs this project promises.
	wantPairs = []osArch{
		{"linux", "amd64"}, {"linux", "arm64"},
		{"darwin", "amd64"}, {"darwin", "arm64"},
		{"windows", "amd64"}, {"windows", "arm64"},
	}
	// Every pair krew itself ships for: a platform that selects none of them
	// can never be installed, and two platforms selecting one is ambiguous.
	krewPairs = append(slices.Clone(wantPairs),
		osArch{"windows", "386"}, osArch{"linux", "386"}, osArch{"linux", "arm"},
		osArch{"linux", "ppc64le"}, osArch{"darwin", "386"})

	// krew: plugin names are word characters and dashes (they become file
	// names); the naming guide narrows that to lowercase kebab-case.
	safeName  = regexp.MustCompile(`^[\w-]+$`)
	kebabName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	// Names Windows refuses for files.
	windowsReserved = []string{"CON", "PRN", "AUX", "NUL",
		"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9"}
	// krew compares the sum in lowercase hex.
	sha256Hex = regexp.MustCompile(`^[a-f0-9]{64}$`)
)

func readManifest(t *testing.T, file string) Plugin {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var p Plugin
	if err := yaml.UnmarshalStrict(b, &p); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return p
}

// validate returns every krew rule the manifest breaks.
func validate(p Plugin) []string {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }

	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" {
		bad("apiVersion %q is not krew.googlecontainertools.github.com/v1alpha2", p.APIVersion)
	}
	if p.Kind != "Plugin" {
		bad("kind %q is not Plugin", p.Kind)
	}
	name := p.Metadata.Name
	if !safeName.MatchString(name) || slices.ContainsFunc(windowsReserved, func(r string) bool { return strings.EqualFold(r, name) }) {
		bad("metadata.name %q is not a safe plugin name", name)
	}
	if !kebabName.MatchString(name) {
		bad("metadata.name %q is not lowercase kebab-case (naming guide)", name)
	}
	if strings.HasPrefix(name, "kube-") || strings.HasPrefix(name, "kubernetes-") {
		bad("metadata.name %q repeats kube[rnetes] (naming guide)", name)
	}
	s := p.Spec
	if !strings.HasPrefix(s.Version, "v") {
		bad("spec.version %q has no v prefix", s.Version)
	} else if _, err := version.ParseSemantic(s.Version); err != nil {
		bad("spec.version %q is not semver: %v", s.Version, err)
	}
	if strings.TrimSpace(s.ShortDescription) == "" {
		bad("spec.shortDescription is empty")
	}
	if strings.ContainsAny(s.ShortDescription, "\r\n") {
		bad("spec.shortDescription has a line break")
	}
	if strings.TrimSpace(s.Description) == "" {
		bad("spec.description is empty (krew's docs require it)")
	}
	if u, err := url.Parse(s.Homepage); err != nil || u.Scheme != "https" || u.Host == "" {
		bad("spec.homepage %q is not an https URL", s.Homepage)
	}
	if len(s.Platforms) == 0 {
		bad("spec.platforms is empty")
	}
	for i, pl := range s.Platforms {
		for _, e := range validatePlatform(pl) {
			bad("spec.platforms[%d]: %s", i, e)
		}
	}
	return append(errs, validateCoverage(s.Platforms)...)
}

func validatePlatform(p Platform) []string {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if p.URI == "" {
		bad("uri is empty")
	} else if !strings.HasSuffix(p.URI, ".tar.gz") && !strings.HasSuffix(p.URI, ".zip") {
		bad("uri %q is neither .tar.gz nor .zip", p.URI)
	}
	if !sha256Hex.MatchString(p.SHA256) {
		bad("sha256 %q is not 64 lowercase hex digits", p.SHA256)
	}
	if p.Bin == "" {
		bad("bin is empty")
	}
	// krew: `files` is either absent (meaning from "*" to ".") or non-empty.
	if p.Files != nil && len(p.Files) == 0 {
		bad("files is present but empty")
	}
	for j, f := range p.Files {
		if f.From == "" || f.To == "" {
			bad("files[%d] needs both from and to", j)
		}
		if f.To != filepath.Clean(f.To) {
			bad("files[%d].to %q is not a clean path", j, f.To)
		}
	}
	sel := p.Selector
	switch {
	case sel == nil:
		bad("selector is missing")
	case sel.MatchLabels == nil && len(sel.MatchExpressions) == 0:
		bad("selector is empty")
	case sel.MatchLabels != nil && len(sel.MatchLabels) == 0:
		bad("selector.matchLabels is present but empty")
	case sel.MatchExpressions != nil && len(sel.MatchExpressions) == 0:
		bad("selector.matchExpressions is present but empty")
	}
	if sel != nil {
		for k := range sel.MatchLabels {
			if k != "os" && k != "arch" {
				bad("selector key %q: krew knows only os and arch", k)
			}
		}
		for _, e := range sel.MatchExpressions {
			if e.Key != "os" && e.Key != "arch" {
				bad("selector key %q: krew knows only os and arch", e.Key)
			}
		}
		if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
			bad("selector: %v", err)
		}
	}
	return errs
}

// validateCoverage: each platform selects some pair krew runs on, no pair is
// selected twice, and each of the six promised pairs is selected.
func validateCoverage(platforms []Platform) []string {
	var errs []string
	for i, p := range platforms {
		if len(matching(platforms[i:i+1], krewPairs)) == 0 && p.Selector != nil {
			errs = append(errs, fmt.Sprintf("spec.platforms[%d] selects no platform krew supports", i))
		}
	}
	for _, pair := range krewPairs {
		n := len(matching(platforms, []osArch{pair}))
		if n > 1 {
			errs = append(errs, fmt.Sprintf("%s is selected by %d platforms", pair, n))
		}
		if n == 0 && slices.Contains(wantPairs, pair) {
			errs = append(errs, fmt.Sprintf("%s is selected by no platform", pair))
		}
	}
	return errs
}

// matching returns the indexes of the platforms whose selector matches any of pairs.
func matching(platforms []Platform, pairs []osArch) []int {
	var idx []int
	for i, p := range platforms {
		sel, err := metav1.LabelSelectorAsSelector(p.Selector)
		if err != nil || p.Selector == nil {
			continue
		}
		for _, pair := range pairs {
			if sel.Matches(labels.Set{"os": pair.OS, "arch": pair.Arch}) {
				idx = append(idx, i)
				break
			}
		}
	}
	return idx
}

// platformFor is krew's choice: the first platform whose selector matches.
func platformFor(t *testing.T, p Plugin, pair osArch) Platform {
	t.Helper()
	idx := matching(p.Spec.Platforms, []osArch{pair})
	if len(idx) == 0 {
		t.Fatalf("no platform in the manifest selects %s", pair)
	}
	return p.Spec.Platforms[idx[0]]
}

func TestManifestFollowsKrewRules(t *testing.T) {
	d := getDist(t)
	for _, m := range []struct{ name, file string }{{"committed", committedManifest(t)}, {"built", d.manifest}} {
		t.Run(m.name, func(t *testing.T) {
			p := readManifest(t, m.file)
			for _, e := range validate(p) {
				t.Error(e)
			}
			if p.Metadata.Name != "hrretry" {
				t.Errorf("metadata.name = %q, want hrretry", p.Metadata.Name)
			}
			for i, pl := range p.Spec.Platforms {
				want := "kubectl-hrretry"
				if pl.Selector != nil && pl.Selector.MatchLabels["os"] == "windows" {
					want += ".exe"
				}
				if pl.Bin != want {
					t.Errorf("spec.platforms[%d].bin = %q, want %q", i, pl.Bin, want)
				}
				prefix := "https://github.com/hrretry/kubectl-hrretry/releases/download/" + p.Spec.Version + "/"
				if !strings.HasPrefix(pl.URI, prefix) || strings.Contains(strings.TrimPrefix(pl.URI, prefix), "/") {
					t.Errorf("spec.platforms[%d].uri = %q, want %s<archive>", i, pl.URI, prefix)
				}
			}
			if !strings.Contains(p.Spec.Caveats, "helmreleases.helm.toolkit.fluxcd.io") {
				t.Error("spec.caveats should name the RBAC the plugin needs")
			}
		})
	}
}

// The rules catch what they are meant to catch.
func TestValidateRejectsBrokenManifests(t *testing.T) {
	good := readManifest(t, committedManifest(t))
	if errs := validate(good); len(errs) > 0 {
		t.Fatalf("committed manifest is invalid: %v", errs)
	}
	cases := map[string]func(p *Plugin){
		"no v prefix":         func(p *Plugin) { p.Spec.Version = "0.1.0" },
		"not semver":          func(p *Plugin) { p.Spec.Version = "v1.2" },
		"empty short":         func(p *Plugin) { p.Spec.ShortDescription = "" },
		"multi-line short":    func(p *Plugin) { p.Spec.ShortDescription = "a\nb" },
		"bad name":            func(p *Plugin) { p.Metadata.Name = "hr retry" },
		"reserved name":       func(p *Plugin) { p.Metadata.Name = "nul" },
		"camelCase name":      func(p *Plugin) { p.Metadata.Name = "hrRetry" },
		"uppercase sha256":    func(p *Plugin) { p.Spec.Platforms[0].SHA256 = strings.ToUpper(p.Spec.Platforms[0].SHA256) },
		"duplicate selector":  func(p *Plugin) { p.Spec.Platforms[1].Selector = p.Spec.Platforms[0].Selector },
		"missing platform":    func(p *Plugin) { p.Spec.Platforms = p.Spec.Platforms[1:] },
		"unknown selector":    func(p *Plugin) { p.Spec.Platforms[0].Selector.MatchLabels["distro"] = "debian" },
		"empty files":         func(p *Plugin) { p.Spec.Platforms[0].Files = []FileOp{} },
		"unclean to":          func(p *Plugin) { p.Spec.Platforms[0].Files = []FileOp{{From: "a", To: "./b/"}} },
		"no bin":              func(p *Plugin) { p.Spec.Platforms[0].Bin = "" },
		"selects nothing":     func(p *Plugin) { p.Spec.Platforms[0].Selector.MatchLabels["os"] = "plan9" },
		"wrong archive kind":  func(p *Plugin) { p.Spec.Platforms[0].URI += ".rar" },
		"wrong api version":   func(p *Plugin) { p.APIVersion = "krew.googlecontainertools.github.com/v1alpha1" },
		"plain http homepage": func(p *Plugin) { p.Spec.Homepage = "http://example.invalid" },
	}
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			p := readManifest(t, committedManifest(t)) // a fresh deep copy
			breakIt(&p)
			if errs := validate(p); len(errs) == 0 {
				t.Error("validate accepted it")
			}
		})
	}
}

// The committed plugin.yaml is the template's output, not hand-edited: the
// template rendered with the manifest's own values gives it back byte for
// byte, and (when this run built the archives) the manifest just built for
// the same version differs from it in the sha256 lines only.
func TestCommittedManifestIsGenerated(t *testing.T) {
	file := committedManifest(t)
	committed, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p := readManifest(t, file)
	tmpl, err := template.New("plugin.yaml.tmpl").Option("missingkey=error").
		ParseFiles(filepath.Join(repoRoot(t), "hack", "plugin.yaml.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	// The template's inputs, as hack/dist hands them over.
	type tmplPlatform struct {
		OS, Arch, URI, SHA256, Bin string
		Files                      []string
	}
	data := struct {
		Version   string
		Platforms []tmplPlatform
	}{Version: p.Spec.Version}
	for _, pl := range p.Spec.Platforms {
		tp := tmplPlatform{OS: pl.Selector.MatchLabels["os"], Arch: pl.Selector.MatchLabels["arch"],
			URI: pl.URI, SHA256: pl.SHA256, Bin: pl.Bin}
		for _, f := range pl.Files {
			tp.Files = append(tp.Files, f.From)
		}
		data.Platforms = append(data.Platforms, tp)
	}
	var rendered bytes.Buffer
	if err := tmpl.Execute(&rendered, data); err != nil {
		t.Fatal(err)
	}
	if rendered.String() != string(committed) {
		t.Errorf("plugin.yaml is not hack/plugin.yaml.tmpl's output; run make dist VERSION=%s\n--- plugin.yaml\n%s\n--- template\n%s",
			p.Spec.Version, committed, rendered.String())
	}

	d := getDist(t)
	if !d.fresh {
		return // plugin.yaml and dist/ come from one make dist; sums are checked against dist/
	}
	built, err := os.ReadFile(d.manifest)
	if err != nil {
		t.Fatal(err)
	}
	sha := regexp.MustCompile(`(?m)^(\s*sha256: )[a-f0-9]{64}$`)
	mask := func(b []byte) string { return sha.ReplaceAllString(string(b), "${1}<sum>") }
	if mask(committed) != mask(built) {
		t.Errorf("plugin.yaml differs from what hack/dist writes for %s beyond the sums\n--- committed\n%s\n--- built\n%s",
			p.Spec.Version, committed, built)
	}
	t.Logf("archives built into %s: the committed sums are those of the release build, not of these", d.dir)
}

// The archive file name is the last element of the uri.
func archiveName(p Platform) string { return path.Base(p.URI) }
