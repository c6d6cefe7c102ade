package snapshot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/opencontainers/go-digest"

	"github.com/servin/servin/libservin/image/unpack"
)

// Store is a directory of layer snapshots.
type Store struct {
	dir         string
	concurrency int
	log         *slog.Logger
}

// Option configures Open.
type Option func(*Store)

// WithConcurrency sets how many layers Prepare extracts at once
// (GOMAXPROCS by default).
func WithConcurrency(n int) Option { return func(s *Store) { s.concurrency = max(n, 1) } }

// WithLogger sets the logger for warnings; slog.Default() otherwise.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// Open opens (creating when missing) the snapshot store in dir.
func Open(dir string, opts ...Option) (*Store, error) {
	s := &Store{dir: dir, concurrency: runtime.GOMAXPROCS(0), log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	for _, d := range []string{"sha256", "tmp", "locks", "empty"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("open snapshots %s: %w", dir, err)
		}
	}
	// Overlay lowers are read through the mount, not by path: only the
	// store's own top needs to be private. The layer roots keep their
	// image mode (0755 unless the layer says otherwise).
	return s, nil
}

// Dir returns the store directory.
func (s *Store) Dir() string { return s.dir }

// Path returns the directory of the snapshot of the layer with diffID d,
// whether it exists or not.
func (s *Store) Path(d digest.Digest) string {
	return filepath.Join(s.dir, d.Algorithm().String(), d.Encoded())
}

// Exists reports whether the snapshot of diffID d is complete.
func (s *Store) Exists(d digest.Digest) bool {
	_, err := os.Lstat(s.Path(d))
	return err == nil
}

// Prepare makes sure every layer of img has a snapshot, extracting the
// missing ones concurrently, and returns the snapshot directories
// bottom-first (the order Mount takes). An image without layers gets the
// store's empty directory.
func (s *Store) Prepare(ctx context.Context, img v1.Image) ([]string, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("prepare snapshots: list layers: %w", err)
	}
	if len(layers) == 0 {
		return []string{filepath.Join(s.dir, "empty")}, nil
	}
	paths := make([]string, len(layers))
	errs := make([]error, len(layers))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, s.concurrency)
	var wg sync.WaitGroup
	for i, l := range layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			paths[i], errs[i] = s.ensure(ctx, l)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("prepare snapshots: %w", err)
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("prepare snapshots: %w", err)
		}
	}
	return paths, nil
}

// ensure extracts layer l unless its snapshot exists.
func (s *Store) ensure(ctx context.Context, l v1.Layer) (string, error) {
	h, err := l.DiffID()
	if err != nil {
		return "", fmt.Errorf("layer diffID: %w", err)
	}
	d := digest.Digest(h.String())
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("layer diffID %s: %w", h, err)
	}
	final := s.Path(d)
	if s.Exists(d) {
		return final, nil
	}
	unlock, err := s.lock(ctx, d)
	if err != nil {
		return "", err
	}
	defer unlock()
	if s.Exists(d) {
		return final, nil // another process finished it while we waited
	}
	s.removeTemps(d) // left by a crashed extraction: we hold its lock
	tmp, err := os.MkdirTemp(filepath.Join(s.dir, "tmp"), d.Encoded()+"-")
	if err != nil {
		return "", fmt.Errorf("snapshot %s: %w", d, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("snapshot %s: %w", d, err)
	}
	if err := unpack.ApplyV1Layer(ctx, l, tmp, unpack.WithOverlayWhiteouts(), unpack.WithApplyLogger(s.log)); err != nil {
		_ = unpack.RemoveAll(tmp)
		return "", fmt.Errorf("snapshot %s: %w", d, err)
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		_ = unpack.RemoveAll(tmp)
		return "", fmt.Errorf("snapshot %s: %w", d, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = unpack.RemoveAll(tmp)
		return "", fmt.Errorf("snapshot %s: %w", d, err)
	}
	return final, nil
}

// removeTemps deletes the temporary directories of layer d; the caller
// holds d's lock.
func (s *Store) removeTemps(d digest.Digest) {
	matches, _ := filepath.Glob(filepath.Join(s.dir, "tmp", d.Encoded()+"-*"))
	for _, m := range matches {
		if err := unpack.RemoveAll(m); err != nil {
			s.log.Warn("remove stale snapshot temp", "path", m, "err", err)
		}
	}
}

// Remove deletes the snapshot of diffID d (no error when missing). The
// caller makes sure no mount uses it.
func (s *Store) Remove(ctx context.Context, d digest.Digest) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("remove snapshot %s: %w", d, err)
	}
	unlock, err := s.lock(ctx, d)
	if err != nil {
		return err
	}
	defer unlock()
	if err := unpack.RemoveAll(s.Path(d)); err != nil {
		return fmt.Errorf("remove snapshot %s: %w", d, err)
	}
	return nil
}

// List returns the diffIDs of the complete snapshots.
func (s *Store) List() ([]digest.Digest, error) {
	var out []digest.Digest
	for _, alg := range []digest.Algorithm{digest.SHA256, digest.SHA384, digest.SHA512} {
		ents, err := os.ReadDir(filepath.Join(s.dir, alg.String()))
		if err != nil {
			continue
		}
		for _, e := range ents {
			d := digest.NewDigestFromEncoded(alg, e.Name())
			if d.Validate() == nil {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// GC removes every snapshot whose diffID is not in keep, and temporary
// directories no process is extracting into.
func (s *Store) GC(ctx context.Context, keep map[digest.Digest]bool) error {
	all, err := s.List()
	if err != nil {
		return err
	}
	for _, d := range all {
		if keep[d] {
			continue
		}
		if err := s.Remove(ctx, d); err != nil {
			return fmt.Errorf("gc snapshots: %w", err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	for _, e := range ents {
		hex, _, _ := strings.Cut(e.Name(), "-")
		d := digest.NewDigestFromEncoded(digest.SHA256, hex)
		if d.Validate() != nil {
			continue
		}
		unlock, ok, err := s.tryLock(d)
		if err != nil || !ok {
			continue // being extracted now
		}
		s.removeTemps(d)
		unlock()
	}
	return nil
}
