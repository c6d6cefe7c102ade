package layout

import (
	"context"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Image resolves ref (see Resolve) and returns the image for the store's
// platform with the descriptor of its manifest. Blobs are read lazily and
// verified against their digests as they are read.
func (s *Store) Image(ctx context.Context, ref string) (v1.Image, ocispec.Descriptor, error) {
	return s.ImageForPlatform(ctx, ref, s.platform)
}

// ImageForPlatform is Image choosing platform p from multi-platform indexes.
func (s *Store) ImageForPlatform(ctx context.Context, ref string, p ocispec.Platform) (v1.Image, ocispec.Descriptor, error) {
	desc, err := s.Resolve(ctx, ref)
	if err != nil {
		return nil, ocispec.Descriptor{}, err
	}
	desc, err = s.SelectPlatform(desc, p)
	if err != nil {
		return nil, ocispec.Descriptor{}, fmt.Errorf("image %s: %w", ref, err)
	}
	img, err := s.ImageByDescriptor(desc)
	if err != nil {
		return nil, ocispec.Descriptor{}, fmt.Errorf("image %s: %w", ref, err)
	}
	return img, desc, nil
}

// ImageByDescriptor returns the image whose manifest is desc.
func (s *Store) ImageByDescriptor(desc ocispec.Descriptor) (v1.Image, error) {
	if !isManifest(desc.MediaType) {
		return nil, fmt.Errorf("manifest %s: unsupported media type %q", desc.Digest, desc.MediaType)
	}
	raw, err := s.ReadBlob(desc.Digest)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytesReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", desc.Digest, err)
	}
	return partial.CompressedToImage(&storeImage{s: s, desc: desc, raw: raw, m: m})
}

type storeImage struct {
	s    *Store
	desc ocispec.Descriptor
	raw  []byte
	m    *v1.Manifest
}

func (i *storeImage) RawManifest() ([]byte, error) { return i.raw, nil }

func (i *storeImage) MediaType() (types.MediaType, error) {
	if i.m.MediaType != "" {
		return i.m.MediaType, nil
	}
	return types.MediaType(i.desc.MediaType), nil
}

func (i *storeImage) RawConfigFile() ([]byte, error) {
	return i.s.ReadBlob(digest.Digest(i.m.Config.Digest.String()))
}

func (i *storeImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == i.m.Config.Digest {
		return &storeBlob{s: i.s, desc: i.m.Config, diffIdx: -1}, nil
	}
	for n, l := range i.m.Layers {
		if l.Digest == h {
			return &storeBlob{s: i.s, desc: l, img: i, diffIdx: n}, nil
		}
	}
	return nil, fmt.Errorf("blob %s: %w in manifest %s", h, ErrNotExist, i.desc.Digest)
}

// storeBlob is a layer or config blob of a store image.
type storeBlob struct {
	s       *Store
	desc    v1.Descriptor
	img     *storeImage
	diffIdx int
}

func (b *storeBlob) Digest() (v1.Hash, error)            { return b.desc.Digest, nil }
func (b *storeBlob) Size() (int64, error)                { return b.desc.Size, nil }
func (b *storeBlob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }

// Path is the blob's file, for callers that can use it directly.
func (b *storeBlob) Path() string { return b.s.BlobPath(digest.Digest(b.desc.Digest.String())) }

func (b *storeBlob) Compressed() (io.ReadCloser, error) {
	d := digest.Digest(b.desc.Digest.String())
	f, err := b.s.OpenBlob(d)
	if err != nil {
		return nil, err
	}
	return verifyingFile{Reader: VerifyReader(f, d, b.desc.Size), f: f, d: d}, nil
}

// DiffID comes from the config, saving a decompression.
func (b *storeBlob) DiffID() (v1.Hash, error) {
	if b.img == nil {
		return v1.Hash{}, fmt.Errorf("blob %s is not a layer", b.desc.Digest)
	}
	cfg, err := partial.ConfigFile(b.img)
	if err != nil {
		return v1.Hash{}, err
	}
	if b.diffIdx >= len(cfg.RootFS.DiffIDs) {
		return v1.Hash{}, fmt.Errorf("layer %s: no diff_id in config", b.desc.Digest)
	}
	return cfg.RootFS.DiffIDs[b.diffIdx], nil
}

type verifyingFile struct {
	io.Reader
	f *os.File
	d digest.Digest
}

func (v verifyingFile) Close() error { return v.f.Close() }

// VerifiesDigest says that reading to the end checks the content against
// this digest and the descriptor's size (so consumers such as unpack need
// not hash the blob again).
func (v verifyingFile) VerifiesDigest() digest.Digest { return v.d }
