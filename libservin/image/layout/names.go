package layout

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// RefName returns the org.opencontainers.image.ref.name of an index.json
// entry, "" for a dangling (unnamed) image.
func RefName(d ocispec.Descriptor) string { return d.Annotations[ocispec.AnnotationRefName] }

// Entries returns the descriptors of index.json: one per name, plus one
// without a name per dangling image.
func (s *Store) Entries(ctx context.Context) ([]ocispec.Descriptor, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	return idx.Manifests, nil
}

// Commit records desc (a manifest or index whose blobs are all in the
// store) in index.json under the given names. Without names the image is
// kept as a dangling image unless it already has an entry.
func (w *Writer) Commit(ctx context.Context, desc ocispec.Descriptor, names ...string) error {
	if err := w.s.checkComplete(desc); err != nil {
		return fmt.Errorf("commit %s: %w", desc.Digest, err)
	}
	entry := ocispec.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size, Platform: desc.Platform}
	if entry.Platform == nil && entry.MediaType != ocispec.MediaTypeImageIndex && entry.MediaType != mediaTypeDockerList {
		entry.Platform = w.s.platformOf(desc)
	}
	err := w.s.mutate(ctx, func(idx *ocispec.Index) error {
		setNames(idx, entry, names)
		return nil
	})
	if err != nil {
		return fmt.Errorf("commit %s: %w", desc.Digest, err)
	}
	return nil
}

// Tag gives the image that ref resolves to the additional name newName.
func (s *Store) Tag(ctx context.Context, ref, newName string) (ocispec.Descriptor, error) {
	var desc ocispec.Descriptor
	err := s.mutate(ctx, func(idx *ocispec.Index) error {
		var err error
		if desc, err = s.resolveIn(idx, ref); err != nil {
			return err
		}
		setNames(idx, desc, []string{newName})
		return nil
	})
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("tag %s as %s: %w", ref, newName, err)
	}
	return desc, nil
}

// setNames points each name at desc. An image that loses its last name
// stays as a dangling entry (like docker's <none>) until Remove or Prune.
func setNames(idx *ocispec.Index, desc ocispec.Descriptor, names []string) {
	desc.Annotations = nil
	for _, n := range names {
		for i := 0; i < len(idx.Manifests); i++ {
			m := idx.Manifests[i]
			if RefName(m) != n {
				continue
			}
			idx.Manifests = slices.Delete(idx.Manifests, i, i+1)
			i--
			if m.Digest != desc.Digest && !hasDigest(idx, m.Digest) {
				m.Annotations = withoutRefName(m.Annotations)
				idx.Manifests = append(idx.Manifests, m)
			}
		}
		named := desc
		named.Annotations = map[string]string{ocispec.AnnotationRefName: n}
		idx.Manifests = append(idx.Manifests, named)
	}
	if len(names) == 0 {
		if !hasDigest(idx, desc.Digest) {
			idx.Manifests = append(idx.Manifests, desc)
		}
		return
	}
	// The image has a name now: drop its dangling entry.
	idx.Manifests = slices.DeleteFunc(idx.Manifests, func(m ocispec.Descriptor) bool {
		return m.Digest == desc.Digest && RefName(m) == ""
	})
}

func withoutRefName(a map[string]string) map[string]string {
	a = maps.Clone(a)
	delete(a, ocispec.AnnotationRefName)
	if len(a) == 0 {
		return nil
	}
	return a
}

func hasDigest(idx *ocispec.Index, d digest.Digest) bool {
	return slices.ContainsFunc(idx.Manifests, func(m ocispec.Descriptor) bool { return m.Digest == d })
}

// platformOf reads the platform of an image manifest from its config.
func (s *Store) platformOf(desc ocispec.Descriptor) *ocispec.Platform {
	m, err := s.readManifest(desc.Digest)
	if err != nil {
		return nil
	}
	data, err := s.ReadBlob(m.Config.Digest)
	if err != nil {
		return nil
	}
	var c ocispec.Image
	if json.Unmarshal(data, &c) != nil || c.OS == "" {
		return nil
	}
	return &ocispec.Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant, OSVersion: c.OSVersion}
}
