package krew_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Nothing in an archive depends on the machine or the moment it was built:
// entries sorted, owned by root, one fixed mtime, fixed modes, no gzip name
// or time.
func TestArchivesAreNormalized(t *testing.T) {
	d := getDist(t)
	p := readManifest(t, d.manifest)
	for _, pl := range p.Spec.Platforms {
		name := archiveName(pl)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(d.dir, name))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			var times []time.Time
			checkMode := func(n string, mode os.FileMode) {
				want := os.FileMode(0o755)
				if n == "LICENSE" {
					want = 0o644
				}
				if mode.Perm() != want || !mode.IsRegular() {
					t.Errorf("%s: mode %v, want %v", n, mode, want)
				}
			}
			if strings.HasSuffix(name, ".zip") {
				zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range zr.File {
					names, times = append(names, f.Name), append(times, f.Modified)
					checkMode(f.Name, f.Mode())
				}
			} else {
				gz, err := gzip.NewReader(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if gz.Name != "" || !gz.ModTime.IsZero() {
					t.Errorf("gzip header carries name %q, time %v", gz.Name, gz.ModTime)
				}
				tr := tar.NewReader(gz)
				for {
					h, err := tr.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					names, times = append(names, h.Name), append(times, h.ModTime)
					checkMode(h.Name, h.FileInfo().Mode())
					if h.Uid != 0 || h.Gid != 0 || h.Uname != "root" || h.Gname != "root" {
						t.Errorf("%s: owner %d:%d %s:%s, want root", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
					}
				}
			}
			if !slices.IsSorted(names) {
				t.Errorf("entries not sorted: %v", names)
			}
			for _, tm := range times {
				if !tm.Equal(times[0]) {
					t.Errorf("entries carry different times: %v", times)
					break
				}
			}
		})
	}
}

// Building again from the same sources and flags gives the same bytes. Only
// when this run built the archives itself: dist/ may come from older sources.
func TestArchivesAreReproducible(t *testing.T) {
	d := getDist(t)
	if !d.fresh {
		t.Skip("dist/ comes from make dist, maybe from other sources; this check runs when dist/ is absent (as in CI)")
	}
	p := readManifest(t, d.manifest)
	pl := platformFor(t, p, osArch{"linux", "amd64"})
	again := t.TempDir()
	if out, err := buildDist(repoRoot(t), again, p.Spec.Version, "-platforms", "linux/amd64"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	first, err := os.ReadFile(filepath.Join(d.dir, archiveName(pl)))
	if err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(filepath.Join(again, archiveName(pl)))
	if err != nil {
		t.Fatal(err)
	}
	if now := sourceDigest(repoRoot(t)); now != d.sources {
		t.Skip("the plugin's sources changed between the two builds (someone is editing this working tree); nothing to compare")
	}
	if !bytes.Equal(first, second) {
		t.Errorf("%s differs between two builds (%d and %d bytes)", archiveName(pl), len(first), len(second))
	}
}
