package container

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/servin/servin/libservin/store"
)

const (
	recordFile = "container.json"
	lockFile   = ".lock"
	namesLock  = ".names.lock"
)

var (
	namePattern = regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	idPattern   = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Store is the container directory <root>/containers.
type Store struct{ dir string }

// Open returns the store under root (the servin root), creating the
// directory.
func Open(root string) (*Store, error) {
	dir := filepath.Join(root, store.ContainersDir)
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return nil, fmt.Errorf("open container store %s: %w", dir, err)
	}
	return &Store{dir: dir}, nil
}

// Path is <root>/containers.
func (s *Store) Path() string { return s.dir }

// Dir is the directory of container id.
func (s *Store) Dir(id string) string { return filepath.Join(s.dir, id) }

// NewID returns a random 64-hex-digit container ID.
func NewID() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// ValidateName checks a user-given container name.
func ValidateName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	return nil
}

// Create stores a new container. c.ID is set if empty; c.Name is checked
// for uniqueness under the names lock (a free name is generated if empty).
func (s *Store) Create(ctx context.Context, c *Container) error {
	if c.ID == "" {
		c.ID = NewID()
	}
	c.Name = strings.TrimPrefix(c.Name, "/")
	if c.Name != "" {
		if err := ValidateName(c.Name); err != nil {
			return err
		}
	}
	l, err := store.LockFile(ctx, filepath.Join(s.dir, namesLock))
	if err != nil {
		return fmt.Errorf("create container %s: %w", c.ID, err)
	}
	defer l.Unlock()
	all, err := s.List()
	if err != nil {
		return err
	}
	taken := map[string]bool{}
	for _, o := range all {
		taken[o.Name] = true
	}
	if c.Name == "" {
		c.Name = generateName(taken)
	} else if taken[c.Name] {
		return fmt.Errorf("%w: %q", ErrNameInUse, c.Name)
	}
	if err := os.Mkdir(s.Dir(c.ID), 0o711); err != nil {
		return fmt.Errorf("create container %s: %w", c.ID, err)
	}
	return s.write(c)
}

func (s *Store) write(c *Container) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encode container %s: %w", c.ID, err)
	}
	return store.WriteFile(filepath.Join(s.Dir(c.ID), recordFile), data, 0o600)
}

// Load reads container id (a full ID).
func (s *Store) Load(id string) (*Container, error) {
	data, err := os.ReadFile(filepath.Join(s.Dir(id), recordFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotExist, id)
		}
		return nil, fmt.Errorf("read container %s: %w", id, err)
	}
	var c Container
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("decode container %s: %w", id, err)
	}
	return &c, nil
}

// List returns every container, newest first.
func (s *Store) List() ([]*Container, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var out []*Container
	for _, e := range ents {
		if !e.IsDir() || !idPattern.MatchString(e.Name()) {
			continue
		}
		c, err := s.Load(e.Name())
		if err != nil {
			continue // being created or removed
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Get finds a container by full ID, exact name or unique ID prefix.
func (s *Store) Get(ref string) (*Container, error) {
	ref = strings.TrimPrefix(ref, "/")
	if ref == "" {
		return nil, fmt.Errorf("%w: empty reference", ErrNotExist)
	}
	if idPattern.MatchString(ref) {
		if c, err := s.Load(ref); err == nil {
			return c, nil
		}
	}
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.Name == ref {
			return c, nil
		}
	}
	var match *Container
	for _, c := range all {
		if strings.HasPrefix(c.ID, ref) {
			if match != nil {
				return nil, fmt.Errorf("%w: %s", ErrAmbiguous, ref)
			}
			match = c
		}
	}
	if match == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotExist, ref)
	}
	return match, nil
}

// Update applies fn to container id under its lock and writes the result
// atomically. fn's error aborts the update.
func (s *Store) Update(ctx context.Context, id string, fn func(*Container) error) (*Container, error) {
	// Never recreate the directory of a removed container for its lock.
	if _, err := os.Stat(filepath.Join(s.Dir(id), recordFile)); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotExist, id)
	}
	l, err := store.LockFile(ctx, filepath.Join(s.Dir(id), lockFile))
	if err != nil {
		return nil, fmt.Errorf("update container %s: %w", id, err)
	}
	defer l.Unlock()
	c, err := s.Load(id)
	if err != nil {
		return nil, err
	}
	if err := fn(c); err != nil {
		return nil, err
	}
	if err := s.write(c); err != nil {
		return nil, err
	}
	return c, nil
}

// Remove deletes container id's directory (its record first, so a crash
// leaves no half container in List).
func (s *Store) Remove(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("%w: %s", ErrNotExist, id)
	}
	dir := s.Dir(id)
	if err := os.Remove(filepath.Join(dir, recordFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	return nil
}
