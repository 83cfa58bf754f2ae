package krew_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// install lays the plugin out the way `kubectl krew install` does, under
// krewRoot:
//
//	store/<name>/<version>/   the archive's files after the `files` rules
//	bin/kubectl-<name>        a symlink to store/<name>/<version>/<bin>
//
// (dashes in the name become underscores in the link; .exe on Windows). It
// checks the archive's sha256 first, as krew does, and returns the link.
func install(t *testing.T, krewRoot string, p Plugin, pl Platform, archive string) string {
	t.Helper()
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != pl.SHA256 {
		t.Fatalf("%s: sha256 %x, manifest says %s", filepath.Base(archive), sum, pl.SHA256)
	}
	staging := t.TempDir()
	if err := extract(data, staging); err != nil {
		t.Fatalf("%s: %v", filepath.Base(archive), err)
	}
	installDir := filepath.Join(krewRoot, "store", p.Metadata.Name, p.Spec.Version)
	if err := applyFiles(staging, installDir, pl.Files); err != nil {
		t.Fatalf("%s: files rules: %v", filepath.Base(archive), err)
	}
	bin := filepath.Join(installDir, filepath.FromSlash(pl.Bin))
	if !within(installDir, bin) {
		t.Fatalf("bin %q leaves the plugin folder", pl.Bin)
	}
	if fi, err := os.Stat(bin); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("bin %q is not a file in the installed plugin (%v)", pl.Bin, err)
	}
	link := filepath.Join(krewRoot, "bin", "kubectl-"+strings.ReplaceAll(p.Metadata.Name, "-", "_"))
	if pl.Selector.MatchLabels["os"] == "windows" {
		link += ".exe"
	}
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// extract unpacks a .tar.gz or .zip, recognised by content as krew does
// (not by name), refusing what krew refuses: entries with "..", absolute
// entries, and tar entries other than files and folders (no links).
func extract(data []byte, dst string) error {
	switch kind := strings.Split(http.DetectContentType(data), ";")[0]; kind {
	case "application/x-gzip":
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return err
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			switch h.Typeflag {
			case tar.TypeDir:
				err = mkEntry(dst, h.Name, true, os.FileMode(h.Mode), nil)
			case tar.TypeReg:
				err = mkEntry(dst, h.Name, false, os.FileMode(h.Mode), tr)
			default:
				err = fmt.Errorf("krew cannot unpack %q (tar type %q)", h.Name, h.Typeflag)
			}
			if err != nil {
				return err
			}
		}
	case "application/zip":
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return err
		}
		for _, f := range zr.File {
			r, err := f.Open()
			if err != nil {
				return err
			}
			err = mkEntry(dst, f.Name, f.FileInfo().IsDir(), f.Mode(), r)
			_ = r.Close()
			if err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("krew cannot unpack a %s archive", kind)
	}
}

func mkEntry(dst, name string, dir bool, mode os.FileMode, r io.Reader) error {
	if strings.Contains(name, "..") || strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) {
		return fmt.Errorf("krew refuses the archive entry %q", name)
	}
	p := filepath.Join(dst, filepath.FromSlash(name))
	if dir {
		return os.MkdirAll(p, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode.Perm())
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// applyFiles moves files from the unpacked archive into installDir by krew's
// rules: no rules means {from: "*", to: "."}; a `from` naming a file moves
// it to `to` ("." keeps its name); otherwise `from` is a glob and every match
// goes into the folder `to`, keeping its base name. Nothing may leave src or
// installDir, and a glob that matches nothing is an error.
func applyFiles(src, installDir string, ops []FileOp) error {
	if ops == nil {
		ops = []FileOp{{From: "*", To: "."}}
	}
	if err := os.MkdirAll(installDir, 0o755); err != nil {
		return err
	}
	for _, op := range ops {
		if op.To != filepath.Clean(op.To) {
			return fmt.Errorf("to %q is not clean", op.To)
		}
		var moves [][2]string
		from := filepath.Join(src, filepath.FromSlash(op.From))
		if _, err := os.Stat(from); err == nil {
			to := op.To
			if to == "." {
				to = filepath.Base(from)
			}
			moves = append(moves, [2]string{from, filepath.Join(installDir, filepath.FromSlash(to))})
		} else {
			matches, err := filepath.Glob(from)
			if err != nil {
				return err
			}
			if len(matches) == 0 {
				return fmt.Errorf("from %q matches nothing in the archive", op.From)
			}
			for _, m := range matches {
				moves = append(moves, [2]string{m, filepath.Join(installDir, filepath.FromSlash(op.To), filepath.Base(m))})
			}
		}
		for _, m := range moves {
			if !within(src, m[0]) || !within(installDir, m[1]) {
				return fmt.Errorf("%s -> %s leaves the archive or the plugin folder", m[0], m[1])
			}
			if err := os.MkdirAll(filepath.Dir(m[1]), 0o755); err != nil {
				return err
			}
			if err := os.Rename(m[0], m[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

func within(base, p string) bool {
	rel, err := filepath.Rel(base, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// Every platform's archive matches its sum and, once krew's rules are
// applied, holds the bin (executable, and a binary for the right os/arch),
// the LICENSE (krew-index's validator requires one among the installed
// files) and the completion helper.
func TestArchivesInstallByKrewRules(t *testing.T) {
	d := getDist(t)
	p := readManifest(t, d.manifest)
	for _, pair := range wantPairs {
		t.Run(pair.String(), func(t *testing.T) {
			pl := platformFor(t, p, pair)
			archive := filepath.Join(d.dir, archiveName(pl))
			root := t.TempDir()
			link := install(t, root, p, pl, archive)
			dir := filepath.Join(root, "store", "hrretry", p.Spec.Version)
			for _, f := range []string{"LICENSE", "kubectl_complete-hrretry"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("%s is not installed: %v", f, err)
				}
			}
			fi, err := os.Stat(link)
			if err != nil {
				t.Fatal(err)
			}
			if pair.OS != "windows" && fi.Mode().Perm()&0o111 == 0 {
				t.Errorf("%s is not executable (%v)", pl.Bin, fi.Mode())
			}
			head := make([]byte, 4)
			if f, err := os.Open(link); err == nil {
				_, _ = io.ReadFull(f, head)
				_ = f.Close()
			}
			magic := map[string]string{"linux": "\x7fELF", "darwin": "\xcf\xfa\xed\xfe", "windows": "MZ"}[pair.OS]
			if !bytes.HasPrefix(head, []byte(magic)) {
				t.Errorf("%s does not start like a %s executable: % x", pl.Bin, pair.OS, head)
			}
			t.Logf("%s: %s", archiveName(pl), sizeOf(archive))
		})
	}
}

func sizeOf(file string) string {
	fi, err := os.Stat(file)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d bytes", fi.Size())
}
