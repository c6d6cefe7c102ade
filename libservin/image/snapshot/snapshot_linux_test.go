package snapshot_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"

	"github.com/servin/servin/libservin/image/snapshot"
	"github.com/servin/servin/libservin/image/unpack"
	"github.com/servin/servin/libservin/testutil"
)

var epoch = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

// e is a tar entry: "name" a file with body, "name/" a directory,
// "name -> target" a symlink.
type e struct{ name, body string }

func layerTar(t testing.TB, ents ...e) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, en := range ents {
		h := &tar.Header{Name: en.name, Mode: 0o644, ModTime: epoch, Typeflag: tar.TypeReg, Size: int64(len(en.body))}
		if name, target, ok := strings.Cut(en.name, " -> "); ok {
			h = &tar.Header{Name: name, Linkname: target, Mode: 0o777, ModTime: epoch, Typeflag: tar.TypeSymlink}
		} else if strings.HasSuffix(en.name, "/") {
			h = &tar.Header{Name: en.name, Mode: 0o755, ModTime: epoch, Typeflag: tar.TypeDir}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, en.body)
	}
	tw.Close()
	return buf.Bytes()
}

func layer(t testing.TB, ents ...e) v1.Layer {
	t.Helper()
	b := layerTar(t, ents...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func image(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// whiteoutImage has whiteouts of every kind across layers; flatTree is
// what it looks like merged.
func whiteoutImage(t testing.TB) v1.Image {
	return image(t,
		layer(t, e{"a/", ""}, e{"a/b", "b"}, e{"a/c", "c"}, e{"d/", ""}, e{"d/e", "e"}, e{"f", "f"},
			e{"o/", ""}, e{"o/1", "1"}, e{"o/sub/", ""}, e{"o/sub/2", "2"}, e{"s -> a", ""}),
		layer(t, e{"a/.wh.b", ""}, e{".wh.d", ""}, e{"o/.wh..wh..opq", ""}, e{"o/new", "n"},
			e{"n", "same layer"}, e{".wh.n", ""}, e{".wh.s", ""}),
		layer(t, e{"d", "file now"}, e{"a/.wh.c", ""}, e{"a/c/", ""}, e{"a/c/inner", "i"},
			e{"new/.wh..wh..opq", ""}, e{"new/x", "x"}, e{"o/sub/", ""}, e{"o/.wh.new", ""}))
}

var flatTree = []string{"a dir", "a/c dir", "a/c/inner file = i", "d file = file now", "f file = f",
	"n file = same layer", "new dir", "new/x file = x", "o dir", "o/sub dir"}

func tree(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case rel == ".":
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out = append(out, rel+" link -> "+target)
		case d.IsDir():
			out = append(out, rel+" dir")
		case d.Type().IsRegular():
			data, _ := os.ReadFile(p)
			out = append(out, rel+" file = "+string(data))
		default:
			out = append(out, rel+" "+d.Type().String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func mountT(t *testing.T, lowers []string, upper, work, target string, ro bool) {
	t.Helper()
	if err := snapshot.Mount(lowers, upper, work, target, ro); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = snapshot.Unmount(target) })
}

func TestPrepareAndMount(t *testing.T) {
	testutil.RequireRoot(t)
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy=%v", legacy), func(t *testing.T) {
			snapshot.SetForceLegacy(t, legacy)
			base := t.TempDir()
			s, err := snapshot.Open(filepath.Join(base, "snapshots"))
			if err != nil {
				t.Fatal(err)
			}
			lowers, err := s.Prepare(context.Background(), whiteoutImage(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(lowers) != 3 {
				t.Fatalf("lowers = %v", lowers)
			}
			for _, d := range []string{"upper", "work", "merged", "ro"} {
				os.Mkdir(filepath.Join(base, d), 0o755)
			}
			merged := filepath.Join(base, "merged")
			mountT(t, lowers, filepath.Join(base, "upper"), filepath.Join(base, "work"), merged, false)
			if got := tree(t, merged); strings.Join(got, "\n") != strings.Join(flatTree, "\n") {
				t.Errorf("merged:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(flatTree, "\n"))
			}
			// The flat extraction of the same image gives the same tree.
			flat := filepath.Join(base, "flat")
			os.Mkdir(flat, 0o755)
			if err := unpack.ApplyImage(context.Background(), whiteoutImage(t), flat); err != nil {
				t.Fatal(err)
			}
			if got, want := tree(t, flat), tree(t, merged); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("flat:\n%s\nmerged:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if err := os.WriteFile(filepath.Join(merged, "f"), []byte("changed"), 0o644); err != nil {
				t.Fatal(err)
			}
			if data, _ := os.ReadFile(filepath.Join(base, "upper", "f")); string(data) != "changed" {
				t.Errorf("write did not go to the upper directory: %q", data)
			}
			if data, _ := os.ReadFile(filepath.Join(lowers[0], "f")); string(data) != "f" {
				t.Errorf("lower changed: %q", data)
			}
			ro := filepath.Join(base, "ro")
			mountT(t, lowers, "", "", ro, true)
			if got := tree(t, ro); strings.Join(got, "\n") != strings.Join(flatTree, "\n") {
				t.Errorf("read-only merged:\n%s", strings.Join(got, "\n"))
			}
			if err := os.WriteFile(filepath.Join(ro, "x"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
				t.Errorf("write to read-only mount: %v", err)
			}
			if err := snapshot.Unmount(merged); err != nil {
				t.Fatal(err)
			}
			if err := snapshot.Unmount(merged); !errors.Is(err, snapshot.ErrNotMounted) {
				t.Errorf("second unmount: %v, want ErrNotMounted", err)
			}
		})
	}
}

func TestMountSingleLayerReadonly(t *testing.T) {
	testutil.RequireRoot(t)
	base := t.TempDir()
	s, _ := snapshot.Open(filepath.Join(base, "s"))
	lowers, err := s.Prepare(context.Background(), image(t, layer(t, e{"x", "x"})))
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(base, "m")
	os.Mkdir(target, 0o755)
	mountT(t, lowers, "", "", target, true)
	if got := tree(t, target); strings.Join(got, "|") != "x file = x" {
		t.Errorf("tree = %v", got)
	}
	if err := os.WriteFile(filepath.Join(target, "y"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("write: %v, want EROFS", err)
	}
}

// More layers than fit in one page of mount(2) options.
func TestMountManyLayers(t *testing.T) {
	testutil.RequireRoot(t)
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy=%v", legacy), func(t *testing.T) {
			snapshot.SetForceLegacy(t, legacy)
			base := t.TempDir()
			s, _ := snapshot.Open(filepath.Join(base, "a-rather-long-directory-name-for-the-snapshot-store"))
			const n = 120
			var layers []v1.Layer
			for i := range n {
				layers = append(layers, layer(t, e{fmt.Sprintf("f%03d", i), strconv.Itoa(i)}))
			}
			lowers, err := s.Prepare(context.Background(), image(t, layers...))
			if err != nil {
				t.Fatal(err)
			}
			if total := len(strings.Join(lowers, ":")); total < 8192 {
				t.Fatalf("lower paths only %d bytes: test does not exceed the page limit", total)
			}
			for _, d := range []string{"upper", "work", "m"} {
				os.Mkdir(filepath.Join(base, d), 0o755)
			}
			mountT(t, lowers, filepath.Join(base, "upper"), filepath.Join(base, "work"), filepath.Join(base, "m"), false)
			if got := tree(t, filepath.Join(base, "m")); len(got) != n {
				t.Errorf("merged has %d entries, want %d", len(got), n)
			}
		})
	}
}

func TestPrepareBadLayerLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	s, _ := snapshot.Open(dir)
	good := layer(t, e{"a", "a"})
	_, err := s.Prepare(context.Background(), image(t, good, lyingLayer{layer(t, e{"b", "b"})}))
	if !errors.Is(err, unpack.ErrDigestMismatch) {
		t.Fatalf("error = %v, want ErrDigestMismatch", err)
	}
	bad, _ := layer(t, e{"b", "b"}).DiffID()
	if s.Exists(digest.Digest(bad.String())) {
		t.Error("snapshot of the bad layer exists")
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
		t.Errorf("temporary directories left: %v", ents)
	}
}

type lyingLayer struct{ v1.Layer }

func (l lyingLayer) Digest() (v1.Hash, error) {
	return v1.NewHash("sha256:1111111111111111111111111111111111111111111111111111111111111111")
}

func (l lyingLayer) MediaType() (types.MediaType, error) { return types.OCILayer, nil }

func TestRemoveAndGC(t *testing.T) {
	s, _ := snapshot.Open(filepath.Join(t.TempDir(), "s"))
	l1, l2 := layer(t, e{"a", "a"}), layer(t, e{"b", "b"})
	if _, err := s.Prepare(context.Background(), image(t, l1, l2)); err != nil {
		t.Fatal(err)
	}
	h1, _ := l1.DiffID()
	h2, _ := l2.DiffID()
	d1, d2 := digest.Digest(h1.String()), digest.Digest(h2.String())
	os.Mkdir(filepath.Join(s.Dir(), "tmp", d2.Encoded()+"-stale"), 0o700)
	if err := s.GC(context.Background(), map[digest.Digest]bool{d1: true}); err != nil {
		t.Fatal(err)
	}
	if !s.Exists(d1) || s.Exists(d2) {
		t.Errorf("after GC: d1 %v d2 %v", s.Exists(d1), s.Exists(d2))
	}
	if ents, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp")); len(ents) != 0 {
		t.Errorf("GC left temporary directories: %v", ents)
	}
	if err := s.Remove(context.Background(), d1); err != nil || s.Exists(d1) {
		t.Errorf("remove: %v, exists %v", err, s.Exists(d1))
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("list after removing all: %v", list)
	}
}

// bigImage is the same in every process: layers of many files, slow
// enough to kill a process in the middle.
func bigImage(t testing.TB, slow bool) v1.Image {
	var layers []v1.Layer
	for i := range 3 {
		var ents []e
		for j := range 400 {
			ents = append(ents, e{fmt.Sprintf("l%d/d%02d/f%04d", i, j%20, j), strings.Repeat("x", 1000+j)})
		}
		var l v1.Layer = layer(t, ents...)
		if slow {
			l = slowLayer{l}
		}
		layers = append(layers, l)
	}
	return image(t, layers...)
}

// slowLayer delivers its blob slowly.
type slowLayer struct{ v1.Layer }

func (l slowLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	return slowReader{rc}, nil
}

type slowReader struct{ io.ReadCloser }

func (r slowReader) Read(p []byte) (int, error) {
	time.Sleep(20 * time.Millisecond)
	return r.ReadCloser.Read(p[:min(len(p), 512)])
}

// TestMain lets the test binary act as a second process preparing an
// image (SNAPSHOT_TEST_PREPARE=store-dir).
func TestMain(m *testing.M) {
	if dir := os.Getenv("SNAPSHOT_TEST_ROOTLESS"); dir != "" {
		os.Exit(rootlessChild(dir))
	}
	if dir := os.Getenv("SNAPSHOT_TEST_PREPARE"); dir != "" {
		s, err := snapshot.Open(dir)
		if err == nil {
			_, err = s.Prepare(context.Background(), bigImage(&testing.T{}, os.Getenv("SNAPSHOT_TEST_SLOW") != ""))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func prepareCmd(dir string, slow bool) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SNAPSHOT_TEST_PREPARE="+dir)
	if slow {
		cmd.Env = append(cmd.Env, "SNAPSHOT_TEST_SLOW=1")
	}
	return cmd
}

func TestPrepareConcurrentProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 3 {
		cmd := prepareCmd(dir, false)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v: %s", i, err, outs[i])
		}
	}
	s, _ := snapshot.Open(dir)
	lowers, err := s.Prepare(context.Background(), bigImage(t, false))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range lowers {
		if n := len(tree(t, l)); n != 400+20+1 {
			t.Errorf("layer %d has %d entries, want %d", i, n, 421)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
		t.Errorf("temporary directories left: %v", ents)
	}
}

func TestPrepareAfterKill(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	cmd := prepareCmd(dir, true)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the child is extracting (its temporary directories fill).
	deadline := time.Now().Add(30 * time.Second)
	for {
		ents, _ := filepath.Glob(filepath.Join(dir, "tmp", "*", "l*", "d*"))
		if len(ents) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("child never started extracting")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) == 0 {
		t.Fatal("killed child left no temporary directory: test did not interrupt an extraction")
	}
	if list, _ := os.ReadDir(filepath.Join(dir, "sha256")); len(list) != 0 {
		t.Fatalf("half-extracted snapshot visible: %v", list)
	}
	s, _ := snapshot.Open(dir)
	lowers, err := s.Prepare(context.Background(), bigImage(t, false))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range lowers {
		if n := len(tree(t, l)); n != 421 {
			t.Errorf("layer %d has %d entries after recovery, want 421", i, n)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
		t.Errorf("temporary directories left after recovery: %v", ents)
	}
}

// rootlessChild prepares and mounts whiteoutImage in a user namespace and
// prints the merged tree.
func rootlessChild(dir string) int {
	t := &testing.T{}
	s, err := snapshot.Open(filepath.Join(dir, "s"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	lowers, err := s.Prepare(context.Background(), whiteoutImage(t))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, d := range []string{"upper", "work", "m"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	m := filepath.Join(dir, "m")
	if err := snapshot.Mount(lowers, filepath.Join(dir, "upper"), filepath.Join(dir, "work"), m, false); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Print(strings.Join(tree(t, m), "\n"))
	if err := snapshot.Unmount(m); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestRootlessPrepareAndMount runs Prepare and Mount as root of a user
// namespace mapped to an unprivileged user: opaque directories use
// user.overlay.opaque and the overlay is mounted with userxattr.
func TestRootlessPrepareAndMount(t *testing.T) {
	testutil.RequireRoot(t) // to create the user namespace for an arbitrary user
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	// The go build cache is private to root: run a copy of the test binary.
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "snapshot.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), "SNAPSHOT_TEST_ROOTLESS="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 65534, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 65534, Size: 1}},
		// setuid(0) in the new namespace makes the child's host uid 65534.
		Credential: &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true},
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, stderr.String())
	}
	if got := string(out); got != strings.Join(flatTree, "\n") {
		t.Errorf("merged in user namespace:\n%s\nwant:\n%s", got, strings.Join(flatTree, "\n"))
	}
}
