package layout

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ContainerRecord is the part of <root>/containers/<id>/container.json the
// image store reads: the manifest digest of the container's image.
type ContainerRecord struct {
	Image digest.Digest `json:"image"`
}

// containersUsing maps image manifest digests to the containers using them.
func (s *Store) containersUsing() map[digest.Digest][]string {
	users := map[digest.Digest][]string{}
	if s.containersDir == "" {
		return users
	}
	dirs, err := os.ReadDir(s.containersDir)
	if err != nil {
		return users
	}
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(s.containersDir, d.Name(), "container.json"))
		if err != nil {
			continue
		}
		var rec ContainerRecord
		if json.Unmarshal(data, &rec) == nil && rec.Image != "" {
			users[rec.Image] = append(users[rec.Image], d.Name())
		}
	}
	return users
}

// checkNotInUse fails with ErrInUse when a container uses desc or, for an
// index, one of its manifests.
func (s *Store) checkNotInUse(desc ocispec.Descriptor, force bool) error {
	if force {
		return nil
	}
	users := s.containersUsing()
	if len(users) == 0 {
		return nil
	}
	var ids []string
	_ = s.walk(desc, true, func(d ocispec.Descriptor) error {
		ids = append(ids, users[d.Digest]...)
		return nil
	})
	if len(ids) > 0 {
		return fmt.Errorf("%w: %s used by %v", ErrInUse, desc.Digest, ids)
	}
	return nil
}
