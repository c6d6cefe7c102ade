package layout

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
)

// WriteImage copies img (any go-containerregistry image: remote, archive,
// another layout) into the store and names it; see WithNames, WithJobs and
// WithProgress. It returns the descriptor of the image manifest.
func (s *Store) WriteImage(ctx context.Context, img v1.Image, opts ...WriteOption) (ocispec.Descriptor, error) {
	o := writeOpts(opts)
	w, err := s.NewWriter(ctx)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer w.Close()
	desc, err := w.WriteImage(ctx, img, opts...)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	if err := w.Commit(ctx, desc, o.names...); err != nil {
		return ocispec.Descriptor{}, err
	}
	return desc, nil
}

func writeOpts(opts []WriteOption) writeOptions {
	o := writeOptions{jobs: 4}
	for _, fn := range opts {
		fn(&o)
	}
	if o.jobs < 1 {
		o.jobs = 1
	}
	return o
}

// WriteImage writes the blobs of img (layers concurrently, then config and
// manifest) without naming it; Commit names it.
func (w *Writer) WriteImage(ctx context.Context, img v1.Image, opts ...WriteOption) (ocispec.Descriptor, error) {
	o := writeOpts(opts)
	raw, err := img.RawManifest()
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("write image: manifest: %w", err)
	}
	mt, err := img.MediaType()
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("write image: media type: %w", err)
	}
	desc := ocispec.Descriptor{MediaType: string(mt), Digest: digest.FromBytes(raw), Size: int64(len(raw))}
	layers, err := img.Layers()
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("write image %s: layers: %w", desc.Digest, err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.jobs)
	for _, l := range layers {
		g.Go(func() error { return w.writeLayer(gctx, l, o.progress) })
	}
	if err := g.Wait(); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("write image %s: %w", desc.Digest, err)
	}
	if err := w.writeConfig(ctx, img); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("write image %s: config: %w", desc.Digest, err)
	}
	if o.convert && desc.MediaType == mediaTypeDockerManifest {
		if raw, err = toOCI(raw); err != nil {
			return ocispec.Descriptor{}, fmt.Errorf("write image %s: %w", desc.Digest, err)
		}
		desc = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(raw), Size: int64(len(raw))}
	}
	if err := w.WriteBlob(ctx, desc, bytesReader(raw)); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("write image %s: manifest: %w", desc.Digest, err)
	}
	return desc, nil
}

// writeConfig stores the config blob of img unless the store has it (a
// re-pull then does not fetch it again).
func (w *Writer) writeConfig(ctx context.Context, img v1.Image) error {
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	want := digest.Digest(m.Config.Digest.String())
	if want.Validate() == nil && w.s.HasBlob(want) {
		return nil
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	cdesc := ocispec.Descriptor{MediaType: string(m.Config.MediaType), Digest: digest.FromBytes(cfg), Size: int64(len(cfg))}
	if cdesc.Digest != want {
		return ErrDigest
	}
	return w.WriteBlob(ctx, cdesc, bytesReader(cfg))
}

func (w *Writer) writeLayer(ctx context.Context, l v1.Layer, progress func(Progress)) error {
	h, err := l.Digest()
	if err != nil {
		return fmt.Errorf("layer digest: %w", err)
	}
	size, err := l.Size()
	if err != nil {
		return fmt.Errorf("layer %s: size: %w", h, err)
	}
	mt, _ := l.MediaType()
	desc := ocispec.Descriptor{MediaType: string(mt), Digest: digest.Digest(h.String()), Size: size}
	report := func(state State, done int64) {
		if progress != nil {
			progress(Progress{Digest: desc.Digest, MediaType: desc.MediaType, Size: size, Done: done, State: state})
		}
	}
	if w.s.HasBlob(desc.Digest) {
		report(StateExists, size)
		return nil
	}
	rc, err := l.Compressed()
	if err != nil {
		return fmt.Errorf("layer %s: %w", h, err)
	}
	defer rc.Close()
	var r io.Reader = rc
	if progress != nil {
		r = &countingReader{r: rc, fn: func(n int64) { report(StateCopying, n) }}
	}
	if err := w.WriteBlob(ctx, desc, r); err != nil {
		return err
	}
	report(StateDone, size)
	return nil
}

type countingReader struct {
	r  io.Reader
	n  int64
	fn func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.fn(c.n)
	return n, err
}

// Docker layer media types and their OCI equivalents.
var dockerToOCI = map[string]string{
	"application/vnd.docker.container.image.v1+json":            ocispec.MediaTypeImageConfig,
	"application/vnd.docker.image.rootfs.diff.tar.gzip":         ocispec.MediaTypeImageLayerGzip,
	"application/vnd.docker.image.rootfs.diff.tar":              ocispec.MediaTypeImageLayer,
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": ocispec.MediaTypeImageLayerNonDistributableGzip, //nolint:staticcheck // what docker foreign layers map to
}

func toOCI(raw []byte) ([]byte, error) {
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("convert manifest: %w", err)
	}
	m.MediaType = ocispec.MediaTypeImageManifest
	if mt, ok := dockerToOCI[m.Config.MediaType]; ok {
		m.Config.MediaType = mt
	}
	for i, l := range m.Layers {
		if mt, ok := dockerToOCI[l.MediaType]; ok {
			m.Layers[i].MediaType = mt
		}
	}
	return json.Marshal(m)
}
