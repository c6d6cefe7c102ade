package layout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/store"
)

// Files servin adds to a layout; OCI tools ignore them.
const (
	stateDir   = ".servin"
	indexLock  = ".servin/index.lock"
	gcLock     = ".servin/gc.lock"
	tmpDirName = ".servin/tmp"
	indexFile  = ocispec.ImageIndexFile
)

// Store is an OCI image layout directory used as an image store.
type Store struct {
	root          string
	readOnly      bool
	containersDir string
	platform      ocispec.Platform
}

// Open opens the OCI image layout at root, creating it when missing
// (unless ReadOnly).
func Open(root string, opts ...Option) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open image layout %s: %w", root, err)
	}
	s := &Store{
		root:          abs,
		containersDir: filepath.Join(filepath.Dir(abs), store.ContainersDir),
		platform:      DefaultPlatform(),
	}
	for _, o := range opts {
		o(s)
	}
	if err := s.init(); err != nil {
		return nil, fmt.Errorf("open image layout %s: %w", root, err)
	}
	return s, nil
}

// Path returns the layout's directory.
func (s *Store) Path() string { return s.root }

func (s *Store) path(elem ...string) string {
	return filepath.Join(append([]string{s.root}, elem...)...)
}

func (s *Store) init() error {
	layoutPath := s.path(ocispec.ImageLayoutFile)
	data, err := os.ReadFile(layoutPath)
	switch {
	case err == nil:
		var l ocispec.ImageLayout
		if err := json.Unmarshal(data, &l); err != nil || l.Version == "" {
			return fmt.Errorf("%w: bad %s", ErrNotLayout, ocispec.ImageLayoutFile)
		}
		if _, err := os.Stat(s.path(indexFile)); err == nil || s.readOnly {
			return err
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	case s.readOnly:
		return fmt.Errorf("%w: no %s", ErrNotLayout, ocispec.ImageLayoutFile)
	}
	return s.create()
}

// create makes the directories, oci-layout and an empty index.json; under
// the index lock so a concurrent writer's index is never overwritten.
func (s *Store) create() error {
	if err := os.MkdirAll(s.path("blobs", "sha256"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(s.path(tmpDirName), 0o755); err != nil {
		return err
	}
	l, err := store.LockFile(context.Background(), s.path(indexLock))
	if err != nil {
		return err
	}
	defer l.Unlock()
	if _, err := os.Stat(s.path(ocispec.ImageLayoutFile)); errors.Is(err, fs.ErrNotExist) {
		data, _ := json.Marshal(ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion})
		if err := store.WriteFile(s.path(ocispec.ImageLayoutFile), data, 0o644); err != nil {
			return err
		}
	}
	if _, err := os.Stat(s.path(indexFile)); errors.Is(err, fs.ErrNotExist) {
		return s.writeIndex(&ocispec.Index{})
	}
	return nil
}

// readIndex reads index.json. Replacements are atomic renames, so no lock
// is needed to read a consistent version.
func (s *Store) readIndex() (*ocispec.Index, error) {
	data, err := os.ReadFile(s.path(indexFile))
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	var idx ocispec.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("read index %s: %w", s.path(indexFile), err)
	}
	if idx.SchemaVersion != 2 {
		return nil, fmt.Errorf("read index %s: schemaVersion %d: %w", s.path(indexFile), idx.SchemaVersion, ErrNotLayout)
	}
	return &idx, nil
}

func (s *Store) writeIndex(idx *ocispec.Index) error {
	idx.SchemaVersion = 2
	idx.MediaType = ocispec.MediaTypeImageIndex
	if idx.Manifests == nil {
		idx.Manifests = []ocispec.Descriptor{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(idx); err != nil {
		return err
	}
	return store.WriteFile(s.path(indexFile), buf.Bytes(), 0o644)
}

// mutate runs fn on index.json under the exclusive index lock and writes
// the result back atomically when fn succeeds.
func (s *Store) mutate(ctx context.Context, fn func(*ocispec.Index) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	l, err := store.LockFile(ctx, s.path(indexLock))
	if err != nil {
		return err
	}
	defer l.Unlock()
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	if err := fn(idx); err != nil {
		return err
	}
	return s.writeIndex(idx)
}
