package transport

import (
	"fmt"

	ggcrname "github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/name"
)

type nameTag = ggcrname.Tag

// parseTag parses a docker-archive REF (a name:tag).
func parseTag(ref string) (*ggcrname.Tag, error) {
	r, err := name.Parse(ref)
	if err != nil {
		return nil, err
	}
	if r.Digest != "" {
		return nil, fmt.Errorf("%w: docker-archive references are name:tag, not digests: %s", ErrBadRef, ref)
	}
	t, err := ggcrname.NewTag(r.String())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadRef, ref, err)
	}
	return &t, nil
}

// normalized is the store name of ref ("busybox" → docker.io/library/
// busybox:latest); ggcr's "index.docker.io" becomes docker.io.
func normalized(ref string) string {
	if r, err := name.Parse(ref); err == nil {
		return r.String()
	}
	return ref
}

// describe returns the descriptor of an image's manifest.
func describe(img v1.Image) (ocispec.Descriptor, error) {
	raw, err := img.RawManifest()
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("read manifest: %w", err)
	}
	mt, err := img.MediaType()
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("read manifest: %w", err)
	}
	return ocispec.Descriptor{MediaType: string(mt), Digest: digest.FromBytes(raw), Size: int64(len(raw))}, nil
}
