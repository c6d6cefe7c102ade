package unpack_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

var epoch = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

// ent is one hand-written tar entry.
type ent struct {
	hdr  tar.Header
	body string
}

func file(name, body string) ent {
	return ent{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: epoch}, body: body}
}

func dir(name string) ent {
	return ent{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: epoch}}
}

func symlink(name, target string) ent {
	return ent{hdr: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777, ModTime: epoch}}
}

func hardlink(name, target string) ent {
	return ent{hdr: tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target, Mode: 0o644, ModTime: epoch}}
}

// layerTar writes entries as an uncompressed tar, exactly as given.
func layerTar(t testing.TB, entries ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		if h.Format == tar.FormatUnknown && len(h.PAXRecords) > 0 {
			h.Format = tar.FormatPAX
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("write header %s: %v", h.Name, err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tree lists a directory as "path type[ -> target][ = content]" lines.
func tree(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		var line string
		switch m := info.Mode(); {
		case m&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line = rel + " link -> " + target
		case m.IsRegular():
			data, _ := os.ReadFile(p)
			line = rel + " file = " + string(data)
		case m.IsDir():
			line = rel + " dir"
		case m&fs.ModeCharDevice != 0:
			line = rel + " chardev"
		default:
			line = rel + " " + m.Type().String()
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// sandbox is a temporary directory holding the extraction root and an
// "outside" sentinel tree that no layer may touch.
type sandbox struct {
	base, root, outside string
	before              []string
	beforeStat          map[string]os.FileInfo
	beforeXattrs        map[string]string
}

func newSandbox(t testing.TB) *sandbox {
	t.Helper()
	base := t.TempDir()
	s := &sandbox{base: base, root: filepath.Join(base, "root"), outside: filepath.Join(base, "outside")}
	for _, d := range []string{s.root, s.outside, filepath.Join(s.outside, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"secret", "sub/x", ".wh.secret"} {
		if err := os.WriteFile(filepath.Join(s.outside, f), []byte("keep "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []string{s.outside, filepath.Join(s.outside, "sub"), filepath.Join(s.outside, "secret")} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	s.before = tree(t, base)
	s.beforeStat = s.stats(t)
	s.beforeXattrs = map[string]string{}
	for p := range s.beforeStat {
		s.beforeXattrs[p] = xattrList(p)
	}
	return s
}

func (s *sandbox) stats(t testing.TB) map[string]os.FileInfo {
	t.Helper()
	m := map[string]os.FileInfo{}
	for _, p := range []string{s.base, s.outside, filepath.Join(s.outside, "sub"), filepath.Join(s.outside, "secret"), filepath.Join(s.outside, "sub", "x")} {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatalf("sentinel %s: %v", p, err)
		}
		m[p] = fi
	}
	return m
}

// check fails the test when anything but the root changed in the sandbox.
func (s *sandbox) check(t testing.TB) {
	t.Helper()
	var before, after []string
	for _, l := range s.before {
		if !strings.HasPrefix(l, "root") {
			before = append(before, l)
		}
	}
	for _, l := range tree(t, s.base) {
		if !strings.HasPrefix(l, "root") {
			after = append(after, l)
		}
	}
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("outside of the root changed:\nbefore:\n%s\nafter:\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
	for p, fi := range s.stats(t) {
		old := s.beforeStat[p]
		if p == s.base {
			continue // the root's own entry lives in base
		}
		if fi.Mode() != old.Mode() || !fi.ModTime().Equal(old.ModTime()) {
			t.Errorf("sentinel %s changed: mode %v→%v mtime %v→%v", p, old.Mode(), fi.Mode(), old.ModTime(), fi.ModTime())
		}
		if x := xattrList(p); x != s.beforeXattrs[p] {
			t.Errorf("sentinel %s xattrs changed: %q → %q", p, s.beforeXattrs[p], x)
		}
		if st, ok := sysStat(fi); ok {
			if ost, _ := sysStat(old); st.nlink != ost.nlink || st.uid != ost.uid {
				t.Errorf("sentinel %s changed: nlink %d→%d uid %d→%d", p, ost.nlink, st.nlink, ost.uid, st.uid)
			}
		}
	}
}
