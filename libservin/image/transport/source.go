package transport

import (
	"context"
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/layout"
)

// source is an opened image to copy from.
type source struct {
	img     v1.Image
	desc    ocispec.Descriptor
	names   []string // full names of the image, when known
	convert bool     // docker media types with no registry digest to keep: write as OCI
	cleanup func()
}

func (s *source) close() {
	if s != nil && s.cleanup != nil {
		s.cleanup()
	}
}

func openSource(ctx context.Context, r Ref, o *options) (*source, error) {
	switch r.Transport {
	case Servin:
		if o.store == nil {
			return nil, ErrNoStore
		}
		return storeSource(ctx, o.store, r.Ref, o, true)
	case OCI:
		s, err := layout.Open(r.Path, layout.ReadOnly(), layout.WithContainersDir(""))
		if err != nil {
			return nil, err
		}
		return storeSource(ctx, s, r.Ref, o, false)
	case OCIArchive:
		dir, err := extractArchive(r.Path)
		if err != nil {
			return nil, err
		}
		s, err := layout.Open(dir, layout.ReadOnly(), layout.WithContainersDir(""))
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("oci-archive %s: %w", r.Path, err)
		}
		src, err := storeSource(ctx, s, r.Ref, o, false)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		src.cleanup = func() { os.RemoveAll(dir) }
		return src, nil
	case DockerArchive:
		return dockerArchiveSource(r)
	case Docker:
		return remoteSource(ctx, r.Ref, o)
	}
	return nil, fmt.Errorf("%w: %s", ErrBadRef, r)
}

// storeSource opens ref in a layout; an empty ref means the only image.
func storeSource(ctx context.Context, s *layout.Store, ref string, o *options, withNames bool) (*source, error) {
	if ref == "" {
		entries, err := s.Entries(ctx)
		if err != nil {
			return nil, err
		}
		if len(entries) != 1 {
			return nil, fmt.Errorf("layout %s holds %d images: name one with :REF", s.Path(), len(entries))
		}
		ref = entries[0].Digest.String()
	}
	img, desc, err := s.ImageForPlatform(ctx, ref, o.platform)
	if err != nil {
		return nil, err
	}
	src := &source{img: img, desc: desc}
	if withNames {
		if info, err := s.Inspect(ctx, ref); err == nil {
			src.names = info.Names
		}
	}
	return src, nil
}

func dockerArchiveSource(r Ref) (*source, error) {
	var tag *nameTag
	if r.Ref != "" {
		t, err := parseTag(r.Ref)
		if err != nil {
			return nil, err
		}
		tag = t
	}
	img, err := tarball.ImageFromPath(r.Path, tag)
	if err != nil {
		return nil, fmt.Errorf("docker-archive %s: %w", r.Path, err)
	}
	desc, err := describe(img)
	if err != nil {
		return nil, err
	}
	src := &source{img: img, desc: desc, convert: true}
	if tag != nil {
		src.names = []string{normalized(tag.String())}
	}
	return src, nil
}
