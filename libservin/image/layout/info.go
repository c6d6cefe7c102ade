package layout

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Info describes one image of the store (the output of ls and inspect).
type Info struct {
	ID        digest.Digest        `json:"id"`     // config digest (index digest for an index)
	Digest    digest.Digest        `json:"digest"` // index.json entry digest
	MediaType string               `json:"mediaType"`
	Manifest  digest.Digest        `json:"manifest,omitempty"` // platform manifest when Digest is an index
	Names     []string             `json:"names"`
	Created   *time.Time           `json:"created,omitempty"`
	Size      int64                `json:"size"` // manifest + config + layers, as stored
	Platform  *ocispec.Platform    `json:"platform,omitempty"`
	Config    *ocispec.ImageConfig `json:"config,omitempty"`
	Layers    []LayerInfo          `json:"layers"`
	History   []ocispec.History    `json:"history"`
	Author    string               `json:"author,omitempty"`
}

// LayerInfo describes one layer of an image.
type LayerInfo struct {
	Digest    digest.Digest `json:"digest"`
	DiffID    digest.Digest `json:"diffID,omitempty"`
	Size      int64         `json:"size"`
	MediaType string        `json:"mediaType"`
}

// List returns one Info per image (names grouped), newest first.
func (s *Store) List(ctx context.Context) ([]Info, error) {
	idx, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	var out []Info
	seen := map[digest.Digest]int{}
	for _, m := range idx.Manifests {
		if i, ok := seen[m.Digest]; ok {
			if n := RefName(m); n != "" {
				out[i].Names = append(out[i].Names, n)
			}
			continue
		}
		info, err := s.info(m)
		if err != nil {
			return nil, err
		}
		seen[m.Digest] = len(out)
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Created, out[j].Created
		return a != nil && (b == nil || a.After(*b))
	})
	return out, nil
}

// Inspect resolves ref and describes the image, with all its names.
func (s *Store) Inspect(ctx context.Context, ref string) (Info, error) {
	idx, err := s.readIndex()
	if err != nil {
		return Info{}, err
	}
	desc, err := s.resolveIn(idx, ref)
	if err != nil {
		return Info{}, fmt.Errorf("inspect %s: %w", ref, err)
	}
	info, err := s.info(desc)
	if err != nil {
		return Info{}, fmt.Errorf("inspect %s: %w", ref, err)
	}
	info.Names = namesOf(idx, desc.Digest)
	return info, nil
}

func (s *Store) info(entry ocispec.Descriptor) (Info, error) {
	info := Info{ID: entry.Digest, Digest: entry.Digest, MediaType: entry.MediaType, Names: []string{}, Layers: []LayerInfo{}, History: []ocispec.History{}}
	if n := RefName(entry); n != "" {
		info.Names = append(info.Names, n)
	}
	desc, err := s.SelectPlatform(entry, s.platform)
	if err != nil || !isManifest(desc.MediaType) {
		info.Size = entry.Size
		return info, nil // an index without this platform: described by its digest only
	}
	if desc.Digest != entry.Digest {
		info.Manifest = desc.Digest
	}
	m, err := s.readManifest(desc.Digest)
	if err != nil {
		return info, err
	}
	data, err := s.ReadBlob(m.Config.Digest)
	if err != nil {
		return info, err
	}
	var cfg ocispec.Image
	if err := json.Unmarshal(data, &cfg); err != nil {
		return info, fmt.Errorf("parse config %s: %w", m.Config.Digest, err)
	}
	info.ID, info.Created, info.Author = m.Config.Digest, cfg.Created, cfg.Author
	info.Config = &cfg.Config
	info.Platform = &ocispec.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant, OSVersion: cfg.OSVersion}
	if cfg.History != nil {
		info.History = cfg.History
	}
	info.Size = desc.Size + m.Config.Size
	for i, l := range m.Layers {
		li := LayerInfo{Digest: l.Digest, Size: l.Size, MediaType: l.MediaType}
		if i < len(cfg.RootFS.DiffIDs) {
			li.DiffID = cfg.RootFS.DiffIDs[i]
		}
		info.Layers = append(info.Layers, li)
		info.Size += l.Size
	}
	return info, nil
}
