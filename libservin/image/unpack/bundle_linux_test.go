package unpack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/image/unpack"
)

// testImage builds an in-memory image from hand-written layers.
func testImage(t *testing.T, cfg v1.Config, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config = cfg
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func tarLayer(t *testing.T, entries ...ent) v1.Layer {
	t.Helper()
	b := layerTar(t, entries...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// lyingLayer claims a digest its content does not have.
type lyingLayer struct {
	v1.Layer
}

func (l lyingLayer) Digest() (v1.Hash, error) {
	return v1.NewHash("sha256:0000000000000000000000000000000000000000000000000000000000000000")
}

func (l lyingLayer) MediaType() (types.MediaType, error) { return types.OCILayer, nil }

func TestUnpack(t *testing.T) {
	img := testImage(t, v1.Config{Entrypoint: []string{"/bin/app"}, Cmd: []string{"-v"}, User: "app", WorkingDir: "/srv"},
		tarLayer(t, dir("etc/"), file("etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:10:20::/srv:/bin/sh\n"), file("old", "o"), dir("srv/")),
		tarLayer(t, file(".wh.old", ""), file("srv/data", "d")))
	bundle := filepath.Join(t.TempDir(), "bundle")
	if err := unpack.Unpack(context.Background(), img, bundle); err != nil {
		t.Fatal(err)
	}
	want := []string{"etc dir", "etc/passwd file = root:x:0:0::/root:/bin/sh\napp:x:10:20::/srv:/bin/sh\n", "srv dir", "srv/data file = d"}
	if got := tree(t, filepath.Join(bundle, "rootfs")); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rootfs = %q\nwant %q", got, want)
	}
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if s.Process.User.UID != 10 || s.Process.User.GID != 20 || s.Process.Cwd != "/srv" || strings.Join(s.Process.Args, " ") != "/bin/app -v" {
		t.Errorf("config process = %+v", s.Process)
	}
	if fi, _ := os.Stat(bundle); fi.Mode().Perm() != 0o700 {
		t.Errorf("bundle mode = %v, want 0700", fi.Mode().Perm())
	}
	if err := unpack.Unpack(context.Background(), img, bundle); !errors.Is(err, unpack.ErrBundleExists) {
		t.Errorf("second unpack: %v, want ErrBundleExists", err)
	}
}

// A failing unpack leaves no rootfs, config.json or temporary directory.
func TestUnpackFailureLeavesNothing(t *testing.T) {
	good := tarLayer(t, file("a", "a"))
	tests := []struct {
		name    string
		img     v1.Image
		wantErr error
	}{
		{name: "bad digest", img: testImage(t, v1.Config{}, good, lyingLayer{tarLayer(t, file("b", "b"))}), wantErr: unpack.ErrDigestMismatch},
		{name: "unknown user", img: testImage(t, v1.Config{User: "nobody"}, good), wantErr: unpack.ErrUserNotFound},
		{name: "evil layer", img: testImage(t, v1.Config{}, good, tarLayer(t, file("../x", "x"))), wantErr: unpack.ErrUnsafePath},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bundle := t.TempDir()
			err := unpack.Unpack(context.Background(), tc.img, bundle)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			t.Logf("error: %v", err)
			if ents, _ := os.ReadDir(bundle); len(ents) != 0 {
				t.Errorf("bundle not empty after failure: %v", ents)
			}
		})
	}
}
