package unpack_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/opencontainers/go-digest"

	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/image/unpack"
)

// withProcs runs fn with GOMAXPROCS n (ApplyImage decompresses one layer
// ahead per spare core).
func withProcs(n int, fn func()) {
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	fn()
}

// gzLayer is a gzip layer of entries, with a large filler file so that
// decompression of the layers overlaps.
func gzLayer(t *testing.T, i int, entries ...ent) v1.Layer {
	t.Helper()
	filler := file(fmt.Sprintf("filler%d", i), strings.Repeat(fmt.Sprintf("layer %d ", i), 64<<10))
	b := gzipBytes(t, layerTar(t, append(entries, filler)...))
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Layers decompressed ahead are still applied strictly in order: each one
// overwrites f, adds its own file and whiteouts the previous one's, and
// turns d between a directory and a file.
func TestApplyImageOrderWithReadAhead(t *testing.T) {
	const n = 8
	var layers []v1.Layer
	for i := range n {
		ents := []ent{file("f", fmt.Sprint(i)), file(fmt.Sprintf("only%d", i), "x")}
		if i > 0 {
			ents = append(ents, file(fmt.Sprintf(".wh.only%d", i-1), ""), file(fmt.Sprintf(".wh.filler%d", i-1), ""))
		}
		if i%2 == 0 {
			ents = append(ents, dir("d/"), file("d/in", fmt.Sprint(i)))
		} else {
			ents = append(ents, file(".wh.d", ""), file("d", fmt.Sprint(i)))
		}
		layers = append(layers, gzLayer(t, i, ents...))
	}
	img := testImage(t, v1.Config{}, layers...)
	want := []string{"d file = 7", "f file = 7", "filler7 file = " + strings.Repeat("layer 7 ", 64<<10), "only7 file = x"}
	for _, procs := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			dir := t.TempDir()
			var err error
			withProcs(procs, func() { err = unpack.ApplyImage(context.Background(), img, dir) })
			if err != nil {
				t.Fatal(err)
			}
			if got := tree(t, dir); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("rootfs = %.200q\nwant %.200q", got, want)
			}
		})
	}
}

// A bad layer in the middle fails the whole image with its own error, the
// layers after it (already being read ahead) are never applied, and no
// read-ahead goroutine outlives ApplyImage.
func TestApplyImageBadLayerStopsReadAhead(t *testing.T) {
	layers := []v1.Layer{
		gzLayer(t, 0, file("a", "a")),
		gzLayer(t, 1, file("b", "b")),
		lyingLayer{gzLayer(t, 2, file("c", "c"))},
		gzLayer(t, 3, file("d", "d")),
		gzLayer(t, 4, file("e", "e")),
	}
	img := testImage(t, v1.Config{}, layers...)
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	var err error
	withProcs(4, func() { err = unpack.ApplyImage(context.Background(), img, dir) })
	if !errors.Is(err, unpack.ErrDigestMismatch) {
		t.Fatalf("error = %v, want ErrDigestMismatch", err)
	}
	for _, name := range []string{"d", "e"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s of a layer after the bad one was applied", name)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if now := runtime.NumGoroutine(); now > before {
		t.Errorf("%d goroutines after ApplyImage, %d before", now, before)
	}
}

// verifyingLayer hands out readers that claim to check a digest
// themselves, as the image store's do.
type verifyingLayer struct {
	v1.Layer
	claims v1.Hash
}

func (l verifyingLayer) Digest() (v1.Hash, error) { return l.claims, nil }

func (l verifyingLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	return verifyingReader{rc, digest.Digest(l.claims.String())}, err
}

type verifyingReader struct {
	io.ReadCloser
	d digest.Digest
}

func (r verifyingReader) VerifiesDigest() digest.Digest { return r.d }

// ApplyV1Layer leaves the blob digest to a reader that verifies that very
// digest, and checks it itself otherwise.
func TestApplyV1LayerBlobVerifier(t *testing.T) {
	l := gzLayer(t, 0, file("a", "a"))
	other := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}
	tests := []struct {
		name    string
		layer   v1.Layer
		wantErr error
	}{
		{name: "plain reader: checked", layer: lyingLayer{l}, wantErr: unpack.ErrDigestMismatch},
		// The layer claims digest other and its reader claims to verify
		// other (it does not): the check is left to the reader.
		{name: "reader verifying the layer digest: trusted", layer: verifyingLayer{l, other}},
		// The reader verifies the true content digest, not the claimed one.
		{name: "reader verifying another digest: checked", layer: mismatchedVerifier{l, other}, wantErr: unpack.ErrDigestMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := unpack.ApplyV1Layer(context.Background(), tc.layer, t.TempDir())
			if !errors.Is(err, tc.wantErr) && !(tc.wantErr == nil && err == nil) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// mismatchedVerifier claims digest claims for the layer but its readers
// verify the true content digest.
type mismatchedVerifier struct {
	v1.Layer
	claims v1.Hash
}

func (l mismatchedVerifier) Digest() (v1.Hash, error) { return l.claims, nil }

func (l mismatchedVerifier) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	d, err := l.Layer.Digest()
	return verifyingReader{rc, digest.Digest(d.String())}, err
}

// A layer blob altered in the store (a gzip header field: still a valid
// layer with the same size and diffID) is refused by Unpack: the store's
// reader checks the digest, which unpack then does not hash again.
func TestUnpackStoreBlobAltered(t *testing.T) {
	ctx := context.Background()
	s, err := layout.Open(filepath.Join(t.TempDir(), "images"))
	if err != nil {
		t.Fatal(err)
	}
	img := imagetest.OCIImage(t, imagetest.Layer{"a": "a"}, imagetest.Layer{"b": strings.Repeat("b", 10000)})
	if _, err := s.WriteImage(ctx, img, layout.WithNames("x")); err != nil {
		t.Fatal(err)
	}
	stored, _, err := s.Image(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := unpack.Unpack(ctx, stored, filepath.Join(t.TempDir(), "ok")); err != nil {
		t.Fatalf("intact image: %v", err)
	}
	layers, _ := img.Layers()
	ld, _ := layers[1].Digest()
	p := s.BlobPath(digest.Digest(ld.String()))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[4] ^= 0xff // gzip MTIME: not covered by the gzip CRC
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "bad")
	err = unpack.Unpack(ctx, stored, bundle)
	if !errors.Is(err, layout.ErrDigest) {
		t.Fatalf("altered blob: error = %v, want layout.ErrDigest", err)
	}
	if _, err := os.Lstat(filepath.Join(bundle, "rootfs")); err == nil {
		t.Error("rootfs left after a failed unpack")
	}
}
