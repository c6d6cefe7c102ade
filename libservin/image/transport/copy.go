package transport

import (
	"context"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/layout"
)

// Copy copies the image src to dst (both "transport:location", see
// ParseRef) and returns the descriptor of the manifest written. Only the
// image for the chosen platform (WithPlatform) is copied from a
// multi-platform index. servin:REF needs WithStore.
func Copy(ctx context.Context, src, dst string, opts ...Option) (ocispec.Descriptor, error) {
	o := newOptions(opts)
	sr, err := ParseRef(src)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	dr, err := ParseRef(dst)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	s, err := openSource(ctx, sr, o)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("copy from %s: %w", src, err)
	}
	defer s.close()
	if dr.Transport == Servin && dr.Ref == "" && len(s.names) > 0 {
		dr.Ref = s.names[0]
	}
	desc, err := writeDest(ctx, dr, s, o)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("copy to %s: %w", dst, err)
	}
	return desc, nil
}

// Pull copies docker://ref into the store under ref's normalised name.
func Pull(ctx context.Context, s *layout.Store, ref string, opts ...Option) (ocispec.Descriptor, error) {
	return Copy(ctx, Docker+"://"+ref, Servin+":"+ref, append(opts, WithStore(s))...)
}

// Push copies the store image ref to docker://dest (dest defaults to ref).
func Push(ctx context.Context, s *layout.Store, ref, dest string, opts ...Option) (ocispec.Descriptor, error) {
	if dest == "" {
		dest = ref
	}
	return Copy(ctx, Servin+":"+ref, Docker+"://"+dest, append(opts, WithStore(s))...)
}
