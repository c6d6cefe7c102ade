package layout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/layout"
)

func openStore(t *testing.T) *layout.Store {
	t.Helper()
	s, err := layout.Open(filepath.Join(t.TempDir(), "images"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func write(t *testing.T, s *layout.Store, img v1.Image, names ...string) ocispec.Descriptor {
	t.Helper()
	desc, err := s.WriteImage(context.Background(), img, layout.WithNames(names...))
	if err != nil {
		t.Fatal(err)
	}
	return desc
}

func names(t *testing.T, s *layout.Store) []string {
	t.Helper()
	entries, err := s.Entries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, layout.RefName(e))
	}
	slices.Sort(out)
	return out
}

func TestOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "images")
	if _, err := layout.Open(dir, layout.ReadOnly()); !errors.Is(err, layout.ErrNotLayout) {
		t.Fatalf("read-only open of a missing layout: %v, want ErrNotLayout", err)
	}
	s, err := layout.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != dir {
		t.Fatalf("Path() = %q, want %q", s.Path(), dir)
	}
	imagetest.ValidateLayout(t, dir)
	if _, err := layout.Open(dir, layout.ReadOnly()); err != nil {
		t.Fatalf("reopen read-only: %v", err)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "oci-layout"), []byte("nope"), 0o644)
	if _, err := layout.Open(bad); !errors.Is(err, layout.ErrNotLayout) {
		t.Fatalf("open with a bad oci-layout: %v, want ErrNotLayout", err)
	}
}

func TestWriteAndResolve(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	img := imagetest.OCIImage(t, imagetest.Layer{"a": "1"}, imagetest.Layer{"b": "2"})
	desc := write(t, s, img, "docker.io/library/busybox:latest", "localhost:5000/app:v1")
	imagetest.ValidateLayout(t, s.Path())
	wantDigest, _ := img.Digest()
	if desc.Digest.String() != wantDigest.String() {
		t.Fatalf("manifest digest %s, want %s", desc.Digest, wantDigest)
	}
	cfgName, _ := img.ConfigName()
	id := strings.TrimPrefix(cfgName.String(), "sha256:")
	for _, ref := range []string{
		"busybox", "busybox:latest", "docker.io/library/busybox:latest", "localhost:5000/app:v1",
		desc.Digest.String(), "busybox@" + desc.Digest.String(), id[:12], "sha256:" + id, desc.Digest.Encoded()[:10],
	} {
		t.Run(ref, func(t *testing.T) {
			got, gd, err := s.Image(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if gd.Digest != desc.Digest {
				t.Fatalf("resolved to %s, want %s", gd.Digest, desc.Digest)
			}
			layers, err := got.Layers()
			if err != nil || len(layers) != 2 {
				t.Fatalf("layers: %d, %v", len(layers), err)
			}
			rc, err := layers[1].Uncompressed()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Contains(data, []byte("2")) {
				t.Fatalf("layer content: %v", err)
			}
		})
	}
	for _, ref := range []string{"nothere", "busybox:other", "ffff"} {
		if _, _, err := s.Image(ctx, ref); !errors.Is(err, layout.ErrNotExist) {
			t.Errorf("Image(%q): %v, want ErrNotExist", ref, err)
		}
	}
}

func TestAmbiguousPrefix(t *testing.T) {
	s := openStore(t)
	// Enough images that two IDs or digests share a first hex digit.
	for i := range 40 {
		write(t, s, imagetest.OCIImage(t, imagetest.Layer{"f": fmt.Sprint(i)}), fmt.Sprintf("img%d", i))
	}
	ambiguous := false
	for _, c := range "0123456789abcdef" {
		if _, err := s.Resolve(context.Background(), string(c)); errors.Is(err, layout.ErrAmbiguous) {
			ambiguous = true
		}
	}
	if !ambiguous {
		t.Fatal("no one-digit prefix reported ambiguous among 40 images")
	}
}

func TestTagAndDangling(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	a := write(t, s, imagetest.OCIImage(t, imagetest.Layer{"a": "1"}), "app:1")
	if _, err := s.Tag(ctx, "app:1", "app:2"); err != nil {
		t.Fatal(err)
	}
	if got, want := names(t, s), []string{"app:1", "app:2"}; !slices.Equal(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	// Moving both names to another image leaves the first one dangling.
	b := write(t, s, imagetest.OCIImage(t, imagetest.Layer{"b": "1"}), "app:1", "app:2")
	if got, want := names(t, s), []string{"", "app:1", "app:2"}; !slices.Equal(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("List: %d images, %v", len(list), err)
	}
	if _, err := s.Tag(ctx, a.Digest.String(), "again:v"); err != nil {
		t.Fatal(err)
	}
	if got, want := names(t, s), []string{"again:v", "app:1", "app:2"}; !slices.Equal(got, want) {
		t.Fatalf("after naming the dangling image: %v, want %v", got, want)
	}
	if _, err := s.Tag(ctx, "missing", "x"); !errors.Is(err, layout.ErrNotExist) {
		t.Fatalf("tag of a missing image: %v", err)
	}
	_ = b
	imagetest.ValidateLayout(t, s.Path())
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	shared := imagetest.Layer{"shared": "x"}
	a := write(t, s, imagetest.OCIImage(t, shared, imagetest.Layer{"a": "1"}), "a:1", "a:2")
	b := write(t, s, imagetest.OCIImage(t, shared), "b:1")

	res, err := s.Remove(ctx, "a:1", false)
	if err != nil || !slices.Equal(res.Untagged, []string{"a:1"}) || len(res.Deleted) != 0 {
		t.Fatalf("untag a:1: %+v, %v", res, err)
	}
	write(t, s, imagetest.OCIImage(t, shared, imagetest.Layer{"a": "1"}), "a:1")
	if _, err := s.Remove(ctx, a.Digest.String()[:15], false); !errors.Is(err, layout.ErrMultipleNames) {
		t.Fatalf("remove by ID of an image with two names: %v, want ErrMultipleNames", err)
	}
	res, err = s.Remove(ctx, a.Digest.String(), true)
	if err != nil || len(res.Deleted) != 1 || res.Blobs != 3 {
		t.Fatalf("remove a: %+v, %v (want 1 image and 3 blobs: manifest, config, own layer)", res, err)
	}
	if err := s.Verify(ctx); err != nil {
		t.Fatalf("store broken after rm: %v", err)
	}
	if _, _, err := s.Image(ctx, "b:1"); err != nil {
		t.Fatalf("b lost by removing a: %v", err)
	}
	// A container using b protects it.
	cdir := filepath.Join(filepath.Dir(s.Path()), "containers", "c1")
	os.MkdirAll(cdir, 0o755)
	os.WriteFile(filepath.Join(cdir, "container.json"), []byte(`{"image":"`+b.Digest.String()+`"}`), 0o644)
	if _, err := s.Remove(ctx, "b:1", false); !errors.Is(err, layout.ErrInUse) {
		t.Fatalf("remove of an image in use: %v, want ErrInUse", err)
	}
	if res, err := s.Remove(ctx, "b:1", true); err != nil || res.Blobs != 3 {
		t.Fatalf("forced remove: %+v, %v", res, err)
	}
	blobs, _ := os.ReadDir(filepath.Join(s.Path(), "blobs", "sha256"))
	if len(blobs) != 0 {
		t.Fatalf("%d blobs left in an empty store", len(blobs))
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	write(t, s, imagetest.OCIImage(t, imagetest.Layer{"a": "1"}), "a")
	write(t, s, imagetest.OCIImage(t, imagetest.Layer{"b": "1"}), "a") // first one dangles
	w, err := s.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteBlobBytes(ctx, "application/octet-stream", []byte("orphan")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	os.WriteFile(filepath.Join(s.Path(), ".servin", "tmp", "blob-crashed"), []byte("partial"), 0o644)
	res, err := s.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Blobs != 5 {
		t.Fatalf("prune: %+v, want 1 image and 5 files (3 blobs, orphan, temp)", res)
	}
	if got := names(t, s); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("names after prune: %v", got)
	}
	if err := s.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestWriteBlobVerifies(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	w, err := s.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	data := []byte("hello")
	tests := []struct {
		name string
		desc ocispec.Descriptor
		want error
	}{
		{"digest", ocispec.Descriptor{Digest: digest.FromString("other"), Size: 5}, layout.ErrDigest},
		{"short", ocispec.Descriptor{Digest: digest.FromBytes(data), Size: 6}, layout.ErrSize},
		{"long", ocispec.Descriptor{Digest: digest.FromBytes(data), Size: 4}, layout.ErrSize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := w.WriteBlob(ctx, tc.desc, bytes.NewReader(data))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if s.HasBlob(tc.desc.Digest) {
				t.Fatal("bad blob stored")
			}
		})
	}
	tmp, _ := os.ReadDir(filepath.Join(s.Path(), ".servin", "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
}

func TestCorruptBlobDetected(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	img := imagetest.OCIImage(t, imagetest.Layer{"a": strings.Repeat("x", 1000)})
	write(t, s, img, "a")
	layers, _ := img.Layers()
	ld, _ := layers[0].Digest()
	p := s.BlobPath(digest.Digest(ld.String()))
	os.Chmod(p, 0o644)
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0xff
	os.WriteFile(p, data, 0o644)
	got, _, err := s.Image(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	gl, _ := got.Layers()
	rc, err := gl[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	if !errors.Is(err, layout.ErrDigest) {
		t.Fatalf("reading a corrupt layer: %v, want ErrDigest", err)
	}
	if err := s.Verify(ctx); err == nil {
		t.Fatal("Verify passed on a corrupt store")
	}
}

func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "images")
	var wg sync.WaitGroup
	const n = 8
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := layout.Open(dir) // each like its own process
			if err != nil {
				t.Error(err)
				return
			}
			img := imagetest.OCIImage(t, imagetest.Layer{"shared": "s"}, imagetest.Layer{"own": fmt.Sprint(i)})
			if _, err := s.WriteImage(ctx, img, layout.WithNames(fmt.Sprintf("img:%d", i))); err != nil {
				t.Error(err)
			}
			if _, err := s.Tag(ctx, fmt.Sprintf("img:%d", i), fmt.Sprintf("tag:%d", i)); err != nil {
				t.Error(err)
			}
			if i%3 == 0 {
				if _, err := s.Prune(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	s, _ := layout.Open(dir)
	if got := names(t, s); len(got) != 2*n {
		t.Fatalf("%d names after concurrent writes, want %d: %v", len(got), 2*n, got)
	}
	if err := s.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	imagetest.ValidateLayout(t, dir)
}

// Blobs larger than the copy buffer, read in odd steps, are stored intact
// by WriteBlob (verified) and Ingest (hashed), and a change in the last
// byte is caught.
func TestWriteBlobSizes(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	w, err := s.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, size := range []int{0, 1, 256<<10 - 1, 256<<10 + 1, 1<<20 + 3} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i*7 + size)
		}
		readers := map[string]func() io.Reader{
			"whole":     func() io.Reader { return bytes.NewReader(data) },
			"one byte":  func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
			"half":      func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
			"data last": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
		}
		for name, open := range readers {
			if size > 300<<10 && name == "one byte" {
				continue // slow, and covered by the smaller sizes
			}
			t.Run(fmt.Sprintf("%d/%s", size, name), func(t *testing.T) {
				d := digest.FromBytes(data)
				if err := w.WriteBlob(ctx, ocispec.Descriptor{Digest: d, Size: int64(size)}, open()); err != nil {
					t.Fatal(err)
				}
				if got, err := os.ReadFile(s.BlobPath(d)); err != nil || !bytes.Equal(got, data) {
					t.Fatalf("stored blob differs (%v)", err)
				}
				if err := os.Remove(s.BlobPath(d)); err != nil {
					t.Fatal(err)
				}
				got, n, err := w.Ingest(ctx, open())
				if err != nil || got != d || n != int64(size) {
					t.Fatalf("Ingest = %s, %d, %v; want %s, %d", got, n, err, d, size)
				}
				if err := os.Remove(s.BlobPath(d)); err != nil {
					t.Fatal(err)
				}
				if size == 0 {
					return
				}
				bad := bytes.Clone(data)
				bad[size-1] ^= 1
				err = w.WriteBlob(ctx, ocispec.Descriptor{Digest: d, Size: int64(size)}, bytes.NewReader(bad))
				if !errors.Is(err, layout.ErrDigest) || s.HasBlob(d) {
					t.Fatalf("changed last byte: %v, stored %v", err, s.HasBlob(d))
				}
			})
		}
	}
}
