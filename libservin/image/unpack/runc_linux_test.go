package unpack_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/servin/servin/libservin/image/unpack"
	"github.com/servin/servin/libservin/testutil"
)

// dirLayer makes a layer of the tree at dir.
func dirLayer(t *testing.T, dir string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			link, _ = os.Readlink(p)
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		h.Name = rel
		if d.IsDir() {
			h.Name += "/"
		}
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestUnpackRunsWithRunc unpacks a busybox image and runs the bundle with
// runc: config.json must be a valid runtime config that does what the
// image says (user, env, cwd, args).
func TestUnpackRunsWithRunc(t *testing.T) {
	testutil.RequireRoot(t)
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("skipping: runc not installed")
	}
	rootfs := testutil.BusyboxRootfs(t, t.TempDir())
	img := testImage(t, v1.Config{
		Entrypoint: []string{"/bin/sh", "-c"},
		Cmd:        []string{`echo "uid=$(id -u) gid=$(id -g) cwd=$(pwd) foo=$FOO path=$PATH"`},
		Env:        []string{"FOO=bar"},
		User:       "nobody",
		WorkingDir: "/tmp",
	}, dirLayer(t, rootfs), tarLayer(t, file("tmp/.keep", "")))
	t.Run("host ids", func(t *testing.T) { runBundle(t, runc, img) })
	m := toSpecs([]specsMapping{{0, 200000, 65536}})
	t.Run("user namespace", func(t *testing.T) {
		runBundle(t, runc, img, unpack.WithUIDMappings(m...), unpack.WithGIDMappings(m...))
	})
}

func runBundle(t *testing.T, runc string, img v1.Image, opts ...unpack.Option) {
	bundle := filepath.Join(t.TempDir(), "bundle")
	// The container's root must reach the bundle from a user namespace.
	for d := filepath.Dir(bundle); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	if err := unpack.Unpack(context.Background(), img, bundle, opts...); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("servin-unpack-test-%d", time.Now().UnixNano())
	state := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, runc, "--root", state, "run", "--bundle", bundle, id)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	_ = exec.Command(runc, "--root", state, "delete", "--force", id).Run()
	if err != nil {
		t.Fatalf("runc run: %v\n%s%s", err, out.String(), errb.String())
	}
	want := "uid=65534 gid=65534 cwd=/tmp foo=bar path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	if got := strings.TrimSpace(out.String()); got != want {
		t.Errorf("container said %q, want %q", got, want)
	}
}
