package unpack_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/servin/servin/libservin/image/unpack"
	"github.com/servin/servin/libservin/testutil"
)

func applyAll(t *testing.T, dir string, layers [][]ent, opts ...unpack.ApplyOption) {
	t.Helper()
	for i, l := range layers {
		if _, err := unpack.ApplyLayer(context.Background(), dir, bytes.NewReader(layerTar(t, l...)), opts...); err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
	}
}

// whiteoutLayers exercise image-spec whiteouts across layers; flatWant is
// the resulting tree.
var whiteoutLayers = [][]ent{
	{dir("a/"), file("a/b", "b"), file("a/c", "c"), dir("d/"), file("d/e", "e"), file("f", "f"),
		dir("o/"), file("o/1", "1"), dir("o/sub/"), file("o/sub/2", "2"), symlink("s", "a"), file("g", "g")},
	{file("a/.wh.b", ""), file(".wh.d", ""), file("o/.wh..wh..opq", ""), file("o/new", "n"),
		file("n", "same layer"), file(".wh.n", ""), file(".wh.s", ""), file(".wh.missing", ""), file("nodir/.wh.x", "")},
	{file("d", "file now"), file("a/.wh.c", ""), dir("a/c/"), file("a/c/inner", "i")},
}

var flatWant = []string{
	"a dir", "a/c dir", "a/c/inner file = i", "d file = file now", "f file = f", "g file = g",
	"n file = same layer", "nodir dir", "o dir", "o/new file = n",
}

func TestWhiteoutsFlat(t *testing.T) {
	dir := t.TempDir()
	applyAll(t, dir, whiteoutLayers)
	got := tree(t, dir)
	if strings.Join(got, "\n") != strings.Join(flatWant, "\n") {
		t.Fatalf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(flatWant, "\n"))
	}
}

func TestWhiteoutsOverlayFormat(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	applyAll(t, dir, whiteoutLayers[1:2], unpack.WithOverlayWhiteouts())
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(dir, "d"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("d is not a 0:0 char device whiteout: mode %o rdev %d", st.Mode, st.Rdev)
	}
	buf := make([]byte, 8)
	n, err := unix.Lgetxattr(filepath.Join(dir, "o"), "trusted.overlay.opaque", buf)
	if err != nil || string(buf[:n]) != "y" {
		t.Errorf("o opaque xattr = %q, %v", buf[:n], err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "n")); err != nil {
		t.Errorf("same-layer file hidden: %v", err)
	}
}

func TestDuplicateEntries(t *testing.T) {
	root := t.TempDir()
	applyAll(t, root, [][]ent{{
		file("f", "one"), file("f", "two"),
		dir("d/"), file("d/x", "x"), file("d", "d is a file"),
		file("e", "e"), dir("e/"), file("e/y", "y"),
		symlink("l", "f"), file("l", "l replaced"),
		file("h", "h"), hardlink("h2", "h"), file("h2", "own"),
	}})
	want := []string{"d file = d is a file", "e dir", "e/y file = y", "f file = two", "h file = h", "h2 file = own", "l file = l replaced"}
	if got := tree(t, root); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCompressionAndDigests(t *testing.T) {
	plain := layerTar(t, dir("x/"), file("x/f", "hello"))
	diffID := digest.FromBytes(plain)
	gz := gzipBytes(t, plain)
	var zbuf bytes.Buffer
	zw, _ := zstd.NewWriter(&zbuf)
	zw.Write(plain)
	zw.Close()
	zst := zbuf.Bytes()
	wrong := digest.FromString("something else")
	tests := []struct {
		name    string
		blob    []byte
		opts    []unpack.ApplyOption
		wantErr error
		errText string
	}{
		{name: "plain", blob: plain, opts: []unpack.ApplyOption{unpack.WithDigest(diffID), unpack.WithDiffID(diffID)}},
		{name: "gzip", blob: gz, opts: []unpack.ApplyOption{unpack.WithDigest(digest.FromBytes(gz)), unpack.WithDiffID(diffID)}},
		{name: "zstd", blob: zst, opts: []unpack.ApplyOption{unpack.WithDigest(digest.FromBytes(zst)), unpack.WithDiffID(diffID)}},
		{name: "wrong blob digest", blob: gz, opts: []unpack.ApplyOption{unpack.WithDigest(wrong)}, wantErr: unpack.ErrDigestMismatch},
		{name: "wrong diffID", blob: gz, opts: []unpack.ApplyOption{unpack.WithDiffID(wrong)}, wantErr: unpack.ErrDigestMismatch},
		{name: "truncated gzip", blob: gz[:len(gz)/2], wantErr: unpack.ErrTruncated},
		{name: "gzip without trailer", blob: gz[:len(gz)-4], wantErr: unpack.ErrTruncated},
		{name: "truncated zstd", blob: zst[:len(zst)-6], wantErr: unpack.ErrTruncated},
		{name: "truncated tar", blob: plain[:700], wantErr: unpack.ErrTruncated},
		{name: "corrupt gzip", blob: corrupt(gz), wantErr: unpack.ErrTruncated},
		{name: "trailing garbage", blob: append(append([]byte{}, gz...), "garbage!"...), wantErr: unpack.ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := unpack.ApplyLayer(context.Background(), t.TempDir(), bytes.NewReader(tc.blob), tc.opts...)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error = %v, want %v", err, tc.wantErr)
				}
			case tc.errText != "":
				if err == nil || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("error = %v, want one saying %q", err, tc.errText)
				}
			case err != nil:
				t.Fatal(err)
			case d != diffID:
				t.Fatalf("diffID = %s, want %s", d, diffID)
			}
			if err != nil {
				t.Logf("error: %v", err)
			}
		})
	}
}

func corrupt(b []byte) []byte {
	c := append([]byte{}, b...)
	for i := 20; i < len(c)-10; i += 7 {
		c[i] ^= 0x55
	}
	return c
}

func TestPreservation(t *testing.T) {
	testutil.RequireRoot(t)
	mt := time.Date(2011, 2, 3, 4, 5, 6, 0, time.UTC)
	suid := file("bin/su", "su")
	suid.hdr.Mode, suid.hdr.Uid, suid.hdr.Gid, suid.hdr.ModTime = 0o4755, 1234, 5678, mt
	suid.hdr.PAXRecords = map[string]string{
		"SCHILY.xattr.user.foo":                 "bar",
		"SCHILY.xattr.trusted.overlay.redirect": "/etc",
		"SCHILY.xattr.security.capability":      "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
	}
	bin := dir("bin/")
	bin.hdr.Mode, bin.hdr.ModTime, bin.hdr.Uid = 0o1777, mt, 42
	ln := symlink("bin/sh", "su")
	ln.hdr.Uid, ln.hdr.Gid, ln.hdr.ModTime = 7, 8, mt
	ln.hdr.PAXRecords = map[string]string{"SCHILY.xattr.trusted.servin": "on the link"}
	ro := dir("ro/")
	ro.hdr.Mode = 0o555
	chr := ent{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "dev/null", Mode: 0o666, Devmajor: 1, Devminor: 3, ModTime: mt}}
	fifo := ent{hdr: tar.Header{Typeflag: tar.TypeFifo, Name: "fifo", Mode: 0o600, ModTime: mt}}
	root := t.TempDir()
	applyAll(t, root, [][]ent{{bin, suid, hardlink("bin/su2", "bin/su"), ln, ro, file("ro/f", "f"), chr, fifo}})

	check := func(p string, mode os.FileMode, uid, gid uint32, mtime time.Time) {
		t.Helper()
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(root, p), &st); err != nil {
			t.Fatal(err)
		}
		if got := os.FileMode(st.Mode & 0o7777); mode != 0 && got != mode {
			t.Errorf("%s mode = %o, want %o", p, got, mode)
		}
		if st.Uid != uid || st.Gid != gid {
			t.Errorf("%s owner = %d:%d, want %d:%d", p, st.Uid, st.Gid, uid, gid)
		}
		if got := time.Unix(st.Mtim.Sec, st.Mtim.Nsec); !mtime.IsZero() && !got.Equal(mtime) {
			t.Errorf("%s mtime = %v, want %v", p, got, mtime)
		}
	}
	check("bin", 0o1777, 42, 0, mt)
	check("bin/su", 0o4755, 1234, 5678, mt)
	check("bin/sh", 0, 7, 8, mt)
	check("ro", 0o555, 0, 0, epoch)
	check("dev/null", 0o666, 0, 0, mt)
	check("fifo", 0o600, 0, 0, mt)
	var a, b, c unix.Stat_t
	unix.Lstat(filepath.Join(root, "bin/su"), &a)
	unix.Lstat(filepath.Join(root, "bin/su2"), &b)
	unix.Lstat(filepath.Join(root, "dev/null"), &c)
	if a.Ino != b.Ino || a.Nlink != 2 {
		t.Errorf("hardlink not preserved: inodes %d %d nlink %d", a.Ino, b.Ino, a.Nlink)
	}
	if c.Mode&syscall.S_IFMT != syscall.S_IFCHR || unix.Major(c.Rdev) != 1 || unix.Minor(c.Rdev) != 3 {
		t.Errorf("dev/null: mode %o rdev %d:%d", c.Mode, unix.Major(c.Rdev), unix.Minor(c.Rdev))
	}
	buf := make([]byte, 64)
	if n, err := unix.Lgetxattr(filepath.Join(root, "bin/su"), "user.foo", buf); err != nil || string(buf[:n]) != "bar" {
		t.Errorf("user.foo = %q, %v", buf[:n], err)
	}
	if _, err := unix.Lgetxattr(filepath.Join(root, "bin/su"), "trusted.overlay.redirect", buf); err == nil {
		t.Errorf("trusted.overlay.redirect was copied from the layer")
	}
	if n, err := unix.Lgetxattr(filepath.Join(root, "bin/sh"), "trusted.servin", buf); err != nil || string(buf[:n]) != "on the link" {
		t.Errorf("symlink xattr = %q, %v", buf[:n], err)
	}
	if _, err := unix.Lgetxattr(filepath.Join(root, "bin/su"), "trusted.servin", buf); err == nil {
		t.Errorf("symlink xattr went to the link's target")
	}
	if n, err := unix.Lgetxattr(filepath.Join(root, "bin/su"), "security.capability", buf); err != nil || n == 0 {
		t.Errorf("security.capability not set: %v", err)
	}
}

func TestIDMappings(t *testing.T) {
	testutil.RequireRoot(t)
	f := file("f", "x")
	f.hdr.Uid, f.hdr.Gid = 33, 44
	root := t.TempDir()
	m := []specsMapping{{0, 100000, 65536}}
	applyAll(t, root, [][]ent{{f}}, unpack.WithIDMappings(toSpecs(m), toSpecs(m)))
	var st unix.Stat_t
	unix.Lstat(filepath.Join(root, "f"), &st)
	if st.Uid != 100033 || st.Gid != 100044 {
		t.Errorf("owner = %d:%d, want 100033:100044", st.Uid, st.Gid)
	}
	f.hdr.Uid = 70000
	_, err := unpack.ApplyLayer(context.Background(), root, bytes.NewReader(layerTar(t, f)), unpack.WithIDMappings(toSpecs(m), toSpecs(m)))
	if !errors.Is(err, unpack.ErrUnmappedID) {
		t.Errorf("unmapped uid: error = %v, want ErrUnmappedID", err)
	}
}

func TestContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := unpack.ApplyLayer(ctx, t.TempDir(), bytes.NewReader(layerTar(t, file("f", "x"))))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

// sanity: the helpers make what they say.
func TestLayerHelper(t *testing.T) {
	b := layerTar(t, file("f", "x"))
	tr := tar.NewReader(bytes.NewReader(b))
	h, err := tr.Next()
	if err != nil || h.Name != "f" {
		t.Fatal(h, err)
	}
	data, _ := io.ReadAll(tr)
	if string(data) != "x" {
		t.Fatal(string(data))
	}
	_ = fmt.Sprintf("%x", sha256.Sum256(b))
}

// Unprivileged overlay whiteouts: a 0:0 device (allowed since Linux 5.8)
// and user.overlay.opaque.
func TestWhiteoutsOverlayFormatUnprivileged(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("skipping: runs unprivileged only (run the suite as a user to include it)")
	}
	dir := t.TempDir()
	applyAll(t, dir, whiteoutLayers[1:2], unpack.WithOverlayWhiteouts())
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(dir, "d"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("d is not a 0:0 char device whiteout: mode %o rdev %d err %v", st.Mode, st.Rdev, err)
	}
	buf := make([]byte, 8)
	n, err := unix.Lgetxattr(filepath.Join(dir, "o"), "user.overlay.opaque", buf)
	if err != nil || string(buf[:n]) != "y" {
		t.Errorf("o opaque xattr = %q, %v", buf[:n], err)
	}
}
