package layout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/name"
	"github.com/servin/servin/libservin/store"
)

// RemoveResult says what Remove did.
type RemoveResult struct {
	Untagged []string        // names removed
	Deleted  []digest.Digest // image manifests (or indexes) deleted
	Blobs    int             // blobs deleted
	Bytes    int64           // bytes freed
}

// Remove removes ref like docker rmi: a name that is not the image's last
// name is only untagged; otherwise (or for an ID or digest) the image and
// its blobs no other image uses are deleted. Without force, an image used
// by a container (ErrInUse) or, by ID, with several names
// (ErrMultipleNames) is refused.
func (s *Store) Remove(ctx context.Context, ref string, force bool) (RemoveResult, error) {
	var res RemoveResult
	gl, err := store.LockFile(ctx, s.path(gcLock))
	if err != nil {
		return res, err
	}
	defer gl.Unlock()
	var removed []ocispec.Descriptor
	var kept *ocispec.Index
	err = s.mutate(ctx, func(idx *ocispec.Index) error {
		desc, err := s.resolveIn(idx, ref)
		if err != nil {
			return err
		}
		names := namesOf(idx, desc.Digest)
		if n := RefName(desc); n != "" && matchesName(ref, n) && len(names) > 1 {
			idx.Manifests = slices.DeleteFunc(idx.Manifests, func(m ocispec.Descriptor) bool { return RefName(m) == n })
			res.Untagged = []string{n}
			return nil
		}
		if len(names) > 1 && !force {
			return fmt.Errorf("%w: %v (use force)", ErrMultipleNames, names)
		}
		if err := s.checkNotInUse(desc, force); err != nil {
			return err
		}
		idx.Manifests = slices.DeleteFunc(idx.Manifests, func(m ocispec.Descriptor) bool { return m.Digest == desc.Digest })
		res.Untagged, res.Deleted, removed, kept = names, []digest.Digest{desc.Digest}, []ocispec.Descriptor{desc}, idx
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("remove image %s: %w", ref, err)
	}
	if len(removed) == 0 {
		return res, nil
	}
	res.Blobs, res.Bytes, err = s.deleteUnreferenced(kept, removed)
	if err != nil {
		return res, fmt.Errorf("remove image %s: %w", ref, err)
	}
	return res, nil
}

// matchesName reports whether ref, as typed, designates the name n (as
// opposed to an ID or digest that resolved to an entry with that name).
func matchesName(ref, n string) bool {
	if ref == n {
		return true
	}
	r, err := name.Parse(ref)
	return err == nil && r.Digest == "" && r.String() == n
}

func namesOf(idx *ocispec.Index, d digest.Digest) []string {
	var names []string
	for _, m := range idx.Manifests {
		if m.Digest == d && RefName(m) != "" {
			names = append(names, RefName(m))
		}
	}
	return names
}

// deleteUnreferenced deletes the blobs reachable from removed that no
// entry of idx reaches. Called after index.json was written, under the
// exclusive gc lock.
func (s *Store) deleteUnreferenced(idx *ocispec.Index, removed []ocispec.Descriptor) (int, int64, error) {
	live, err := s.reachable(idx)
	if err != nil {
		return 0, 0, err
	}
	var dead []digest.Digest
	for _, r := range removed {
		err := s.walk(r, true, func(d ocispec.Descriptor) error {
			if !live[d.Digest] {
				live[d.Digest] = true // once
				dead = append(dead, d.Digest)
			}
			return nil
		})
		if err != nil && !errors.Is(err, ErrNotExist) {
			return 0, 0, err
		}
	}
	var blobs int
	var bytes int64
	for _, d := range dead {
		n, err := s.deleteBlob(d)
		if err != nil {
			return blobs, bytes, err
		}
		if n > 0 {
			blobs++
			bytes += n
		}
	}
	return blobs, bytes, nil
}

func (s *Store) deleteBlob(d digest.Digest) (int64, error) {
	p := s.BlobPath(d)
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if err := os.Remove(p); err != nil {
		return 0, fmt.Errorf("delete blob %s: %w", d, err)
	}
	return fi.Size(), nil
}

// reachable returns every blob digest reachable from idx.
func (s *Store) reachable(idx *ocispec.Index) (map[digest.Digest]bool, error) {
	live := map[digest.Digest]bool{}
	for _, m := range idx.Manifests {
		err := s.walk(m, true, func(d ocispec.Descriptor) error {
			live[d.Digest] = true
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", m.Digest, err)
		}
	}
	return live, nil
}

// PruneResult says what Prune did.
type PruneResult struct {
	Images []digest.Digest // dangling images deleted
	Blobs  int             // blobs (and temporary files) deleted
	Bytes  int64
}

// Prune deletes dangling images not used by a container, every blob no
// index.json entry reaches, and leftover temporary files of interrupted
// writes.
func (s *Store) Prune(ctx context.Context) (PruneResult, error) {
	var res PruneResult
	gl, err := store.LockFile(ctx, s.path(gcLock))
	if err != nil {
		return res, err
	}
	defer gl.Unlock()
	var live map[digest.Digest]bool
	err = s.mutate(ctx, func(idx *ocispec.Index) error {
		idx.Manifests = slices.DeleteFunc(idx.Manifests, func(m ocispec.Descriptor) bool {
			if RefName(m) != "" || s.checkNotInUse(m, false) != nil {
				return false
			}
			res.Images = append(res.Images, m.Digest)
			return true
		})
		live, err = s.reachable(idx)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("prune: %w", err)
	}
	if err := s.sweep(live, &res); err != nil {
		return res, fmt.Errorf("prune: %w", err)
	}
	return res, nil
}

// sweep deletes blobs not in live and everything in the temporary dir.
func (s *Store) sweep(live map[digest.Digest]bool, res *PruneResult) error {
	algs, err := os.ReadDir(s.path("blobs"))
	if err != nil {
		return err
	}
	for _, a := range algs {
		files, err := os.ReadDir(s.path("blobs", a.Name()))
		if err != nil {
			continue
		}
		for _, f := range files {
			d := digest.NewDigestFromEncoded(digest.Algorithm(a.Name()), f.Name())
			if live[d] {
				continue
			}
			if err := s.removeCounted(filepath.Join(s.path("blobs", a.Name()), f.Name()), res); err != nil {
				return err
			}
		}
	}
	tmps, _ := os.ReadDir(s.path(tmpDirName))
	for _, f := range tmps {
		if err := s.removeCounted(filepath.Join(s.path(tmpDirName), f.Name()), res); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) removeCounted(p string, res *PruneResult) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil
	}
	if err := os.RemoveAll(p); err != nil {
		return err
	}
	res.Blobs++
	res.Bytes += fi.Size()
	return nil
}
