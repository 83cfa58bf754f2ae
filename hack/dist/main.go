// Command dist builds the release archives of kubectl-hrretry, the krew
// manifest that points at them (plugin.yaml) and the flux CLI plugin manifest
// that points at the same archives (hrretry.yaml). It needs nothing but the Go
// toolchain (no GNU tar flags, no goreleaser), and is reproducible: the same
// sources, toolchain and flags give byte-identical archives, because every
// archive entry has a fixed mode, owner and modification time and the entries
// are sorted.
//
// The flux manifest names the archive's kubectl-hrretry as extractPath
// rather than shipping a second binary named flux-hrretry: one binary per
// archive (half the download), one checksum for both plugin managers, and
// flux installs the file under the manifest's bin name, flux-hrretry, which
// is the name the plugin reads to spell itself `flux hrretry`.
//
// Run it from the repository root:
//
//	go run ./hack/dist -version v0.1.0 -commit abc1234 -date 2026-01-02T03:04:05Z
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

const (
	pluginBin   = "kubectl-hrretry"
	releaseBase = "https://github.com/hrretry/kubectl-hrretry/releases/download"
)

// targets are the six os/arch pairs the manifest offers.
var targets = []struct{ OS, Arch string }{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// semverV is semver 2.0.0 with the leading v krew requires.
var semverV = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// Platform is one manifest entry; the template sees these fields.
type Platform struct {
	OS, Arch, Archive, URI, SHA256, Bin string
	Files                               []string // archive entries, sorted
	Size                                int64
}

type options struct {
	version, commit, date  string
	out, manifest, tmpl    string
	fluxManifest, fluxTmpl string
	license, completion    string
	platforms              string
}

func main() {
	var o options
	flag.StringVar(&o.version, "version", "", "release version, semver with a v prefix (required)")
	flag.StringVar(&o.commit, "commit", "unknown", "commit stamped into the binary")
	flag.StringVar(&o.date, "date", "unknown", "build date stamped into the binary (RFC 3339); also the archive entries' mtime")
	flag.StringVar(&o.out, "out", "dist", "folder for the archives")
	flag.StringVar(&o.manifest, "manifest", "plugin.yaml", "krew manifest to write")
	flag.StringVar(&o.tmpl, "template", "hack/plugin.yaml.tmpl", "manifest template")
	flag.StringVar(&o.fluxManifest, "flux-manifest", "", "flux CLI plugin manifest to write (cli.fluxcd.io/v1beta1 Plugin); none when empty")
	flag.StringVar(&o.fluxTmpl, "flux-template", "hack/hrretry.yaml.tmpl", "flux plugin manifest template")
	flag.StringVar(&o.license, "license", "LICENSE", "license file to ship")
	flag.StringVar(&o.completion, "completion", "hack/kubectl_complete-hrretry", "completion helper to ship")
	flag.StringVar(&o.platforms, "platforms", "", "comma-separated os/arch subset to build (default: all six; the manifest then lists only those)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if !semverV.MatchString(o.version) {
		return fmt.Errorf("version %q is not semver with a v prefix (e.g. v0.1.0): krew rejects it", o.version)
	}
	mtime := entryTime(o.date)
	license, err := os.ReadFile(o.license)
	if err != nil {
		return err
	}
	completion, err := os.ReadFile(o.completion)
	if err != nil {
		return err
	}
	// Windows looks executables up by extension (PATHEXT), so it gets a .cmd twin.
	completionCmd, err := os.ReadFile(strings.TrimSuffix(o.completion, ".cmd") + ".cmd")
	if err != nil {
		return err
	}
	tmpl, err := template.New(filepath.Base(o.tmpl)).Option("missingkey=error").ParseFiles(o.tmpl)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "hrretry-dist-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }() // best effort: it is in the temporary folder

	var platforms []Platform
	for _, t := range targets {
		if o.platforms != "" && !slices.Contains(strings.Split(o.platforms, ","), t.OS+"/"+t.Arch) {
			continue
		}
		bin := pluginBin
		if t.OS == "windows" {
			bin += ".exe"
		}
		exe := filepath.Join(work, t.OS+"_"+t.Arch, bin)
		if err := build(o, t.OS, t.Arch, exe); err != nil {
			return err
		}
		binary, err := os.ReadFile(exe)
		if err != nil {
			return err
		}
		entries := []entry{
			{name: bin, mode: 0o755, data: binary},
			{name: "LICENSE", mode: 0o644, data: license},
			{name: "kubectl_complete-hrretry", mode: 0o755, data: completion},
		}
		ext := ".tar.gz"
		if t.OS == "windows" {
			ext = ".zip"
			entries = append(entries, entry{name: "kubectl_complete-hrretry.cmd", mode: 0o755, data: completionCmd})
		}
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })

		var buf bytes.Buffer
		if ext == ".zip" {
			err = writeZip(&buf, entries, mtime)
		} else {
			err = writeTarGz(&buf, entries, mtime)
		}
		if err != nil {
			return err
		}
		archive := fmt.Sprintf("%s_%s_%s_%s%s", pluginBin, o.version, t.OS, t.Arch, ext)
		if err := os.WriteFile(filepath.Join(o.out, archive), buf.Bytes(), 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(buf.Bytes())
		p := Platform{
			OS: t.OS, Arch: t.Arch, Archive: archive, Bin: bin,
			URI:    releaseBase + "/" + o.version + "/" + archive,
			SHA256: hex.EncodeToString(sum[:]),
			Size:   int64(buf.Len()),
		}
		for _, e := range entries {
			p.Files = append(p.Files, e.name)
		}
		platforms = append(platforms, p)
		fmt.Printf("%-48s %9d bytes  sha256 %s\n", archive, p.Size, p.SHA256)
	}

	if len(platforms) == 0 {
		return fmt.Errorf("-platforms %q names none of the six targets", o.platforms)
	}
	if err := writeManifest(tmpl, o.manifest, o.version, platforms); err != nil {
		return err
	}
	if o.fluxManifest == "" {
		return nil
	}
	fluxTmpl, err := template.New(filepath.Base(o.fluxTmpl)).Option("missingkey=error").ParseFiles(o.fluxTmpl)
	if err != nil {
		return err
	}
	// flux's catalog versions carry no v (`flux plugin install hrretry@0.1.0`).
	return writeManifest(fluxTmpl, o.fluxManifest, strings.TrimPrefix(o.version, "v"), platforms)
}

// writeManifest executes a manifest template for version and platforms.
func writeManifest(tmpl *template.Template, path, version string, platforms []Platform) error {
	var manifest bytes.Buffer
	if err := tmpl.Execute(&manifest, struct {
		Version   string
		Platforms []Platform
	}{version, platforms}); err != nil {
		return err
	}
	if err := os.WriteFile(path, manifest.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s for %s\n", path, version)
	return nil
}

// entryTime is the modification time of every archive entry: the build date
// (make passes the last commit's date), else SOURCE_DATE_EPOCH, else a fixed
// day, so that it never depends on when the build ran.
func entryTime(date string) time.Time {
	if t, err := time.Parse(time.RFC3339, date); err == nil {
		return t.UTC().Truncate(time.Second)
	}
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(s, 0).UTC()
	}
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
}

// build cross-compiles the plugin. Everything that could leak the build
// machine into the binary is pinned: cgo off, paths trimmed, no VCS stamp
// (the working tree's dirty bit would change it), baseline CPU levels.
func build(o options, goos, goarch, exe string) error {
	ldflags := fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s -X main.date=%s", o.version, o.commit, o.date)
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", exe, "./cmd/kubectl-hrretry")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch,
		"GOAMD64=v1", "GOARM64=v8.0", "GOFLAGS=-mod=readonly")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s/%s: %w", goos, goarch, err)
	}
	return nil
}

type entry struct {
	name string
	mode int64
	data []byte
}

// writeTarGz writes a ustar archive (no PAX records: nothing varies) owned by
// root, gzipped with an empty header name and zero header time.
func writeTarGz(w io.Writer, entries []entry, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg, Name: e.name, Mode: e.mode, Size: int64(len(e.data)),
			ModTime: mtime, Uid: 0, Gid: 0, Uname: "root", Gname: "root",
			Format: tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
			return err
		}
	}
	return errors.Join(tw.Close(), gz.Close())
}

// writeZip writes a deflated zip whose entries carry Unix modes (so krew,
// which extracts with each entry's mode, keeps the binary executable).
func writeZip(w io.Writer, entries []entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	for _, e := range entries {
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mtime}
		hdr.SetMode(os.FileMode(e.mode))
		f, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := f.Write(e.data); err != nil {
			return err
		}
	}
	return zw.Close()
}
