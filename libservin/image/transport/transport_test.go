package transport_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/image/transport"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in   string
		want transport.Ref
	}{
		{"oci:/tmp/l", transport.Ref{Transport: "oci", Path: "/tmp/l"}},
		{"oci:/tmp/l:v1", transport.Ref{Transport: "oci", Path: "/tmp/l", Ref: "v1"}},
		{"oci:/tmp/l:docker.io/library/a:v1", transport.Ref{Transport: "oci", Path: "/tmp/l", Ref: "docker.io/library/a:v1"}},
		{"oci-archive:a.tar:x", transport.Ref{Transport: "oci-archive", Path: "a.tar", Ref: "x"}},
		{"docker-archive:a.tar:busybox:latest", transport.Ref{Transport: "docker-archive", Path: "a.tar", Ref: "busybox:latest"}},
		{"docker://localhost:5000/a:b", transport.Ref{Transport: "docker", Ref: "localhost:5000/a:b"}},
		{"servin:busybox", transport.Ref{Transport: "servin", Ref: "busybox"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := transport.ParseRef(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("ParseRef = %+v, %v; want %+v", got, err, tc.want)
			}
			if again, _ := transport.ParseRef(got.String()); again != got {
				t.Fatalf("String() %q does not parse back: %+v", got.String(), again)
			}
		})
	}
	for _, bad := range []string{"", "busybox", "docker:busybox", "docker://", "servin:", "oci:", "foo:bar", "oci::x"} {
		if _, err := transport.ParseRef(bad); !errors.Is(err, transport.ErrBadRef) {
			t.Errorf("ParseRef(%q) = %v, want ErrBadRef", bad, err)
		}
	}
}

func newStore(t *testing.T) *layout.Store {
	t.Helper()
	s, err := layout.Open(filepath.Join(t.TempDir(), "images"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCopyChain(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	img := imagetest.OCIImage(t, imagetest.Layer{"etc/a": "1"}, imagetest.Layer{"etc/b": "2"})
	orig, err := s.WriteImage(ctx, img, layout.WithNames("docker.io/library/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ociDir := filepath.Join(tmp, "layout")
	chain := []string{
		"servin:app:v1",
		"oci:" + ociDir + ":tag1",
		"oci-archive:" + filepath.Join(tmp, "a.tar") + ":tag2",
		"docker-archive:" + filepath.Join(tmp, "d.tar") + ":app:v2",
		"servin:app:v3",
	}
	for i := 0; i+1 < len(chain); i++ {
		if _, err := transport.Copy(ctx, chain[i], chain[i+1], transport.WithStore(s)); err != nil {
			t.Fatalf("copy %s → %s: %v", chain[i], chain[i+1], err)
		}
	}
	a, err := s.Inspect(ctx, "app:v1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Inspect(ctx, "app:v3")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID || len(b.Layers) != 2 || b.Layers[1].DiffID != a.Layers[1].DiffID {
		t.Fatalf("image changed through the chain: %+v vs %+v", a, b)
	}
	if a.Digest != orig.Digest {
		t.Fatalf("store digest %s, written %s", a.Digest, orig.Digest)
	}
	if b.MediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Fatalf("image from a docker-archive kept media type %s", b.MediaType)
	}
	imagetest.ValidateLayout(t, s.Path())
	imagetest.ValidateLayout(t, ociDir)
	if _, err := transport.Copy(ctx, "oci:"+ociDir+":nope", "servin:x", transport.WithStore(s)); !errors.Is(err, layout.ErrNotExist) {
		t.Fatalf("copy of a missing ref: %v", err)
	}
	if _, err := transport.Copy(ctx, "servin:app:v1", "servin:y"); !errors.Is(err, transport.ErrNoStore) {
		t.Fatalf("servin: without a store: %v", err)
	}
}

func TestSaveLoad(t *testing.T) {
	ctx := context.Background()
	for _, format := range []string{transport.OCIArchive, transport.DockerArchive} {
		t.Run(format, func(t *testing.T) {
			s := newStore(t)
			a, _ := s.WriteImage(ctx, imagetest.OCIImage(t, imagetest.Layer{"a": "1"}), layout.WithNames("docker.io/library/a:1", "localhost:5000/a:1"))
			s.WriteImage(ctx, imagetest.OCIImage(t, imagetest.Layer{"b": "1"}), layout.WithNames("docker.io/library/b:1"))
			file := filepath.Join(t.TempDir(), "out.tar")
			if err := transport.Save(ctx, s, []string{a.Digest.String(), "b:1"}, format, file); err != nil {
				t.Fatal(err)
			}
			s2 := newStore(t)
			names, err := transport.Load(ctx, s2, file)
			if err != nil {
				t.Fatal(err)
			}
			if len(names) != 3 {
				t.Fatalf("loaded %v, want 3 names", names)
			}
			for _, n := range []string{"a:1", "localhost:5000/a:1", "b:1"} {
				i1, err1 := s.Inspect(ctx, n)
				i2, err2 := s2.Inspect(ctx, n)
				if err1 != nil || err2 != nil || i1.ID != i2.ID {
					t.Fatalf("%s: %v %v; IDs %s vs %s", n, err1, err2, i1.ID, i2.ID)
				}
			}
			imagetest.ValidateLayout(t, s2.Path())
		})
	}
}
