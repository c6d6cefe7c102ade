package layout

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/name"
)

var hexPrefixRe = regexp.MustCompile(`^(?:sha256:)?[a-f0-9]{1,64}$`)

// Resolve returns the index.json entry (a manifest or an index) that ref
// names. ref is tried, in order, as an exact ref name, a digest or full
// image ID, a docker-normalised name (busybox = docker.io/library/
// busybox:latest, name@digest), and a unique prefix of an image ID or
// manifest digest.
func (s *Store) Resolve(ctx context.Context, ref string) (ocispec.Descriptor, error) {
	idx, err := s.readIndex()
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return s.resolveIn(idx, ref)
}

func (s *Store) resolveIn(idx *ocispec.Index, ref string) (ocispec.Descriptor, error) {
	for _, m := range idx.Manifests {
		if RefName(m) == ref {
			return m, nil
		}
	}
	if d, err := digest.Parse(ref); err == nil {
		return s.byDigest(idx, ref, d)
	}
	if r, err := name.Parse(ref); err == nil {
		if r.Digest != "" {
			return s.byDigest(idx, ref, r.Digest)
		}
		for _, m := range idx.Manifests {
			if RefName(m) == r.String() {
				return m, nil
			}
		}
	}
	if hexPrefixRe.MatchString(ref) {
		return s.byPrefix(idx, ref)
	}
	return ocispec.Descriptor{}, fmt.Errorf("%w: %s", ErrNotExist, ref)
}

func (s *Store) byDigest(idx *ocispec.Index, ref string, d digest.Digest) (ocispec.Descriptor, error) {
	return s.byPrefix(idx, d.String())
}

// byPrefix matches the hex of manifest digests and image IDs (config
// digests); a full digest matches only itself.
func (s *Store) byPrefix(idx *ocispec.Index, ref string) (ocispec.Descriptor, error) {
	prefix := strings.TrimPrefix(ref, "sha256:")
	var found []ocispec.Descriptor
	for _, m := range idx.Manifests {
		if containsDigest(found, m.Digest) {
			continue
		}
		if strings.HasPrefix(m.Digest.Encoded(), prefix) || strings.HasPrefix(s.ID(m).Encoded(), prefix) {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 0:
		return ocispec.Descriptor{}, fmt.Errorf("%w: %s", ErrNotExist, ref)
	case 1:
		return found[0], nil
	}
	return ocispec.Descriptor{}, fmt.Errorf("%w: %s matches %d images", ErrAmbiguous, ref, len(found))
}

func containsDigest(ds []ocispec.Descriptor, d digest.Digest) bool {
	for _, x := range ds {
		if x.Digest == d {
			return true
		}
	}
	return false
}

// ID returns the image ID of an index.json entry: the config digest of an
// image manifest, the digest itself for an index.
func (s *Store) ID(desc ocispec.Descriptor) digest.Digest {
	if !isManifest(desc.MediaType) {
		return desc.Digest
	}
	m, err := s.readManifest(desc.Digest)
	if err != nil {
		return desc.Digest
	}
	return m.Config.Digest
}

// SelectPlatform returns the manifest for platform p from an index (or
// desc itself when it is a manifest).
func (s *Store) SelectPlatform(desc ocispec.Descriptor, p ocispec.Platform) (ocispec.Descriptor, error) {
	if !isIndex(desc.MediaType) {
		return desc, nil
	}
	idx, err := s.readIndexBlob(desc.Digest)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	for _, m := range idx.Manifests {
		if m.Platform != nil && PlatformMatches(*m.Platform, p) && s.HasBlob(m.Digest) {
			return s.SelectPlatform(m, p)
		}
	}
	return ocispec.Descriptor{}, fmt.Errorf("index %s: %w %s", desc.Digest, ErrNoPlatform, FormatPlatform(p))
}

// PlatformMatches reports whether have satisfies want (an empty variant in
// want matches any variant).
func PlatformMatches(have, want ocispec.Platform) bool {
	if have.OS != want.OS || have.Architecture != want.Architecture {
		return false
	}
	return want.Variant == "" || have.Variant == "" || have.Variant == want.Variant
}

// FormatPlatform renders os/arch[/variant].
func FormatPlatform(p ocispec.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// ParsePlatform parses os/arch[/variant].
func ParsePlatform(s string) (ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return ocispec.Platform{}, fmt.Errorf("parse platform %q: want os/arch[/variant]", s)
	}
	p := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}
