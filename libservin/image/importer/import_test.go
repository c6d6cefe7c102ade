package importer_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/importer"
	"github.com/servin/servin/libservin/image/layout"
)

func gz(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zst(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	plain := imagetest.BusyboxTar(t)
	tests := []struct {
		name string
		data []byte
	}{
		{"plain", plain},
		{"gzip", gz(t, plain)},
		{"zstd", zst(t, plain)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := layout.Open(filepath.Join(t.TempDir(), "images"))
			if err != nil {
				t.Fatal(err)
			}
			desc, err := importer.Import(ctx, s, bytes.NewReader(tc.data),
				importer.WithNames("bb:latest"), importer.WithChanges(`CMD ["/bin/sh","-c","echo hi"]`, "ENV A=1"))
			if err != nil {
				t.Fatal(err)
			}
			imagetest.ValidateLayout(t, s.Path())
			img, d, err := s.Image(ctx, "bb:latest")
			if err != nil || d.Digest != desc.Digest {
				t.Fatalf("Image: %v (%s vs %s)", err, d.Digest, desc.Digest)
			}
			cfg, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Config.Cmd, []string{"/bin/sh", "-c", "echo hi"}) || cfg.Config.Env[0] != "A=1" {
				t.Fatalf("config %+v", cfg.Config)
			}
			layers, _ := img.Layers()
			rc, _ := layers[0].Uncompressed()
			got, err := io.ReadAll(rc)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("layer content differs from the input tar (%d vs %d bytes): %v", len(got), len(plain), err)
			}
			diffID, _ := layers[0].DiffID()
			if h, _, _ := v1SHA(plain); h != diffID.String() {
				t.Fatalf("diff id %s, want %s", diffID, h)
			}
			tr := tar.NewReader(bytes.NewReader(got))
			found := false
			for hdr, err := tr.Next(); err == nil; hdr, err = tr.Next() {
				found = found || hdr.Name == "bin/busybox"
			}
			if !found {
				t.Fatal("bin/busybox missing from the layer")
			}
		})
	}
}

func TestImportBadInput(t *testing.T) {
	ctx := context.Background()
	plain := imagetest.TarFiles(t, imagetest.Layer{"a": "b"})
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"garbage", bytes.Repeat([]byte("not a tar "), 200)},
		{"truncated", plain[:700]},
		{"bad gzip", append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{1}, 100)...)},
		{"truncated gzip", gz(t, plain)[:40]},
		{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0, 1, 2}},
	}
	s, err := layout.Open(filepath.Join(t.TempDir(), "images"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Import(ctx, s, bytes.NewReader(plain), importer.WithNames("keep")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s.Path())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := importer.Import(ctx, s, bytes.NewReader(tc.data), importer.WithNames("keep"))
			if err == nil {
				t.Fatal("import succeeded")
			}
			if after := snapshot(t, s.Path()); !reflect.DeepEqual(before, after) {
				t.Fatalf("store changed by a failed import:\n%v\n%v", before, after)
			}
		})
	}
	if _, err := importer.Import(ctx, s, bytes.NewReader(nil)); !errors.Is(err, importer.ErrNotTar) {
		t.Fatalf("empty input: %v, want ErrNotTar", err)
	}
}

// snapshot lists the layout's files (index.json content and blob names).
func snapshot(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && filepath.Base(p) != "index.lock" && filepath.Base(p) != "gc.lock" {
			data, _ := os.ReadFile(p)
			out[p] = string(data[:min(len(data), 64)])
		}
		return nil
	})
	return out
}

func TestApplyChanges(t *testing.T) {
	tests := []struct {
		change string
		want   ocispec.ImageConfig
	}{
		{`CMD ["a","b"]`, ocispec.ImageConfig{Cmd: []string{"a", "b"}}},
		{`CMD echo hi`, ocispec.ImageConfig{Cmd: []string{"/bin/sh", "-c", "echo hi"}}},
		{`ENTRYPOINT ["/init"]`, ocispec.ImageConfig{Entrypoint: []string{"/init"}}},
		{`ENV A=1 B="two words"`, ocispec.ImageConfig{Env: []string{"A=1", "B=two words"}}},
		{`ENV PATH /usr/bin:/bin`, ocispec.ImageConfig{Env: []string{"PATH=/usr/bin:/bin"}}},
		{`LABEL a=b "c d"=e`, ocispec.ImageConfig{Labels: map[string]string{"a": "b", "c d": "e"}}},
		{`EXPOSE 80 53/udp`, ocispec.ImageConfig{ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}}}},
		{`VOLUME ["/data","/logs"]`, ocispec.ImageConfig{Volumes: map[string]struct{}{"/data": {}, "/logs": {}}}},
		{`USER 1000:1000`, ocispec.ImageConfig{User: "1000:1000"}},
		{`workdir /app`, ocispec.ImageConfig{WorkingDir: "/app"}},
		{`STOPSIGNAL SIGINT`, ocispec.ImageConfig{StopSignal: "SIGINT"}},
	}
	for _, tc := range tests {
		t.Run(tc.change, func(t *testing.T) {
			var got ocispec.ImageConfig
			if err := importer.ApplyChanges(&got, []string{tc.change}); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"RUN echo", "CMD", `ENV "unterminated`, "LABEL =x", "FROM x"} {
		var cfg ocispec.ImageConfig
		if err := importer.ApplyChanges(&cfg, []string{bad}); !errors.Is(err, importer.ErrChange) {
			t.Errorf("ApplyChanges(%q) = %v, want ErrChange", bad, err)
		}
	}
}
