package layout

import (
	"encoding/json"
	"fmt"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Docker media types accepted alongside the OCI ones.
const (
	mediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
)

func isIndex(mt string) bool { return mt == ocispec.MediaTypeImageIndex || mt == mediaTypeDockerList }

func isManifest(mt string) bool {
	return mt == ocispec.MediaTypeImageManifest || mt == mediaTypeDockerManifest
}

func (s *Store) readManifest(d digest.Digest) (*ocispec.Manifest, error) {
	data, err := s.ReadBlob(d)
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", d, err)
	}
	return &m, nil
}

func (s *Store) readIndexBlob(d digest.Digest) (*ocispec.Index, error) {
	data, err := s.ReadBlob(d)
	if err != nil {
		return nil, err
	}
	var idx ocispec.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("parse index %s: %w", d, err)
	}
	return &idx, nil
}

// children returns the descriptors a manifest or index refers to.
func (s *Store) children(desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	switch {
	case isManifest(desc.MediaType):
		m, err := s.readManifest(desc.Digest)
		if err != nil {
			return nil, err
		}
		return append([]ocispec.Descriptor{m.Config}, m.Layers...), nil
	case isIndex(desc.MediaType):
		idx, err := s.readIndexBlob(desc.Digest)
		if err != nil {
			return nil, err
		}
		return idx.Manifests, nil
	}
	return nil, nil
}

// walk calls fn for desc and every blob reachable from it. Missing
// children of an index (platforms not copied) are skipped when
// allowMissing is set.
func (s *Store) walk(desc ocispec.Descriptor, allowMissing bool, fn func(ocispec.Descriptor) error) error {
	if err := fn(desc); err != nil {
		return err
	}
	if !isManifest(desc.MediaType) && !isIndex(desc.MediaType) {
		return nil
	}
	kids, err := s.children(desc)
	if err != nil {
		return err
	}
	for _, k := range kids {
		if isIndex(desc.MediaType) && allowMissing && !s.HasBlob(k.Digest) {
			continue
		}
		if err := s.walk(k, allowMissing, fn); err != nil {
			return err
		}
	}
	return nil
}

// checkComplete verifies every blob reachable from desc is present with
// the size its descriptor says.
func (s *Store) checkComplete(desc ocispec.Descriptor) error {
	return s.walk(desc, true, func(d ocispec.Descriptor) error {
		p := s.BlobPath(d.Digest)
		fi, err := statBlob(p)
		if err != nil {
			return fmt.Errorf("blob %s: %w", d.Digest, err)
		}
		if fi.Size() != d.Size {
			return fmt.Errorf("blob %s: %w: %d bytes, descriptor says %d", d.Digest, ErrSize, fi.Size(), d.Size)
		}
		return nil
	})
}
