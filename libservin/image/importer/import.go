package importer

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/layout"
)

// Option configures Import.
type Option func(*options)

type options struct {
	names    []string
	changes  []string
	platform ocispec.Platform
	message  string
	created  time.Time
}

// WithNames names the imported image.
func WithNames(names ...string) Option {
	return func(o *options) { o.names = append(o.names, names...) }
}

// WithChanges applies Dockerfile-style instructions to the config.
func WithChanges(changes ...string) Option {
	return func(o *options) { o.changes = append(o.changes, changes...) }
}

// WithPlatform sets the image platform (default: this machine's).
func WithPlatform(p ocispec.Platform) Option { return func(o *options) { o.platform = p } }

// WithMessage sets the history comment.
func WithMessage(m string) Option { return func(o *options) { o.message = m } }

// WithCreated sets the creation time (default: now).
func WithCreated(t time.Time) Option { return func(o *options) { o.created = t } }

// Import reads a root filesystem tarball from r and stores it as a
// one-layer image (gzip layer) in s, returning its manifest descriptor.
// Nothing is named unless the whole input is a valid tar archive.
func Import(ctx context.Context, s *layout.Store, r io.Reader, opts ...Option) (ocispec.Descriptor, error) {
	o := options{platform: layout.DefaultPlatform(), created: time.Now().UTC()}
	for _, fn := range opts {
		fn(&o)
	}
	cfg := ocispec.Image{
		Created:  &o.created,
		Platform: ocispec.Platform{OS: o.platform.OS, Architecture: o.platform.Architecture, Variant: o.platform.Variant},
		RootFS:   ocispec.RootFS{Type: "layers"},
		History:  []ocispec.History{{Created: &o.created, CreatedBy: "servin-image import", Comment: o.message}},
	}
	if err := ApplyChanges(&cfg.Config, o.changes); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("import: %w", err)
	}
	w, err := s.NewWriter(ctx)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("import: %w", err)
	}
	defer w.Close()
	layer, diffID, err := writeLayer(ctx, w, r)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("import: %w", err)
	}
	cfg.RootFS.DiffIDs = []digest.Digest{diffID}
	desc, err := writeManifest(ctx, w, &cfg, layer)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("import: %w", err)
	}
	if err := w.Commit(ctx, desc, o.names...); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("import: %w", err)
	}
	return desc, nil
}

// writeLayer streams r, decompressed and checked as a tar archive, into a
// gzip blob, computing the diff ID on the way.
func writeLayer(ctx context.Context, w *layout.Writer, r io.Reader) (ocispec.Descriptor, digest.Digest, error) {
	plain, err := decompress(r)
	if err != nil {
		return ocispec.Descriptor{}, "", err
	}
	pr, pw := io.Pipe()
	diff := digest.SHA256.Digester()
	go func() {
		gz, _ := gzip.NewWriterLevel(pw, gzip.DefaultCompression)
		err := checkTar(io.TeeReader(plain, io.MultiWriter(gz, diff.Hash())))
		if err == nil {
			err = gz.Close()
		}
		pw.CloseWithError(err)
	}()
	d, size, err := w.Ingest(ctx, pr)
	pr.CloseWithError(err)
	if err != nil {
		return ocispec.Descriptor{}, "", err
	}
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: d, Size: size}, diff.Digest(), nil
}

// checkTar reads the whole archive, failing on anything that is not tar.
func checkTar(in io.Reader) error {
	r := &countReader{r: in}
	tr := tar.NewReader(r)
	entries := 0
	for {
		_, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNotTar, err)
		}
		entries++
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return fmt.Errorf("%w: %w", ErrNotTar, err)
		}
	}
	if entries == 0 {
		return fmt.Errorf("%w: no entries", ErrNotTar)
	}
	if _, err := io.Copy(io.Discard, r); err != nil { // trailing padding belongs to the layer
		return err
	}
	if r.n%512 != 0 {
		return fmt.Errorf("%w: truncated (%d bytes is not a whole number of 512-byte blocks)", ErrNotTar, r.n)
	}
	return nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicBzip2 = []byte("BZh")
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
)

// decompress detects gzip, zstd and bzip2 by their magic numbers.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(6)
	if err != nil && len(head) == 0 {
		if err == io.EOF {
			return nil, fmt.Errorf("%w: empty input", ErrNotTar)
		}
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, magicGzip):
		return gzip.NewReader(br)
	case bytes.HasPrefix(head, magicZstd):
		zr, err := zstd.NewReader(br)
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	case bytes.HasPrefix(head, magicBzip2):
		return bzip2.NewReader(br), nil
	case bytes.HasPrefix(head, magicXz):
		return nil, fmt.Errorf("%w: xz compression is not supported", ErrNotTar)
	}
	return br, nil
}

func writeManifest(ctx context.Context, w *layout.Writer, cfg *ocispec.Image, layer ocispec.Descriptor) (ocispec.Descriptor, error) {
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	cdesc, err := w.WriteBlobBytes(ctx, ocispec.MediaTypeImageConfig, cfgJSON)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    cdesc,
		Layers:    []ocispec.Descriptor{layer},
	}
	mJSON, err := json.Marshal(m)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return w.WriteBlobBytes(ctx, ocispec.MediaTypeImageManifest, mJSON)
}
