package unpack_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/servin/servin/libservin/image/unpack"
)

// benchLayer is a gzip layer of n small files in 100 directories, like a
// distribution's /usr (sizes 100 B .. 8 KiB, mildly compressible).
func benchLayer(b testing.TB, n int) []byte { return benchLayerSeeded(b, n, 1, "") }

// benchLayerSeeded is benchLayer with its own random seed and a prefix
// before every path.
func benchLayerSeeded(b testing.TB, n int, seed int64, prefix string) []byte {
	rng := rand.New(rand.NewSource(seed))
	var ents []ent
	for d := range 100 {
		ents = append(ents, dir(fmt.Sprintf("%susr/share/d%03d/", prefix, d)))
	}
	words := []string{"lorem ", "ipsum ", "dolor ", "sit ", "amet ", "0x1f ", "\x00\x01 "}
	for i := range n {
		size := 100 + rng.Intn(8000)
		var body bytes.Buffer
		for body.Len() < size {
			body.WriteString(words[rng.Intn(len(words))])
		}
		ents = append(ents, file(fmt.Sprintf("%susr/share/d%03d/f%05d", prefix, i%100, i), body.String()))
		if i%50 == 0 {
			ents = append(ents, symlink(fmt.Sprintf("%susr/share/d%03d/l%05d", prefix, i%100, i), fmt.Sprintf("f%05d", i)))
		}
	}
	return gzipBytes(b, layerTar(b, ents...))
}

func BenchmarkApplyLayer(b *testing.B) {
	layer := benchLayer(b, 5000)
	base := b.TempDir()
	b.SetBytes(int64(len(layer)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := filepath.Join(base, fmt.Sprint(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := unpack.ApplyLayer(context.Background(), dir, bytes.NewReader(layer)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := unpack.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// TestWriteBenchLayer writes the benchmark layer for bench/unpack.sh when
// SERVIN_BENCH_LAYER names a file.
func TestWriteBenchLayer(t *testing.T) {
	out := os.Getenv("SERVIN_BENCH_LAYER")
	if out == "" {
		t.Skip("set SERVIN_BENCH_LAYER=path to write the benchmark layer")
	}
	if err := os.WriteFile(out, benchLayer(t, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
}

var _ = tar.TypeReg

// BenchmarkApplyImage applies a 4-layer image (benchLayer each, distinct
// paths): with spare cores the next layers are decompressed while one is
// extracted.
func BenchmarkApplyImage(b *testing.B) {
	var layers []v1.Layer
	var size int64
	for i := range 4 {
		data := benchLayerSeeded(b, 2000, int64(i+1), fmt.Sprintf("l%d/", i))
		size += int64(len(data))
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		if err != nil {
			b.Fatal(err)
		}
		layers = append(layers, l)
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		b.Fatal(err)
	}
	base := b.TempDir()
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := filepath.Join(base, fmt.Sprint(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := unpack.ApplyImage(context.Background(), img, dir); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := unpack.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
