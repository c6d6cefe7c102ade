// Package volume keeps named volumes: directories under <root>/volumes,
// <name>/_data holding the content and <name>/volume.json the metadata
// (specs/containers.md "Volumes").
package volume

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/servin/servin/libservin/store"
)

var (
	// ErrNotExist: no volume has that name.
	ErrNotExist = errors.New("no such volume")
	// ErrExist: a volume with that name exists.
	ErrExist = errors.New("volume already exists")
	// ErrInvalidName: names are [a-zA-Z0-9][a-zA-Z0-9_.-]*.
	ErrInvalidName = errors.New("invalid volume name")
	// ErrInUse: a container uses the volume.
	ErrInUse = errors.New("volume is in use")
)

var namePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// Volume is the content of volume.json.
type Volume struct {
	Name       string            `json:"name"`
	Driver     string            `json:"driver"`
	Mountpoint string            `json:"mountpoint"`
	CreatedAt  time.Time         `json:"createdAt"`
	Labels     map[string]string `json:"labels,omitempty"`
}

// Store is <root>/volumes.
type Store struct{ dir string }

// Open returns the volume store under the servin root.
func Open(root string) (*Store, error) {
	dir := filepath.Join(root, store.VolumesDir)
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return nil, fmt.Errorf("open volume store %s: %w", dir, err)
	}
	return &Store{dir: dir}, nil
}

// ValidName reports whether name can name a volume.
func ValidName(name string) bool { return namePattern.MatchString(name) }

// Create makes a new empty volume.
func (s *Store) Create(name string, labels map[string]string) (*Volume, error) {
	if !ValidName(name) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	dir := filepath.Join(s.dir, name)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%w: %s", ErrExist, name)
		}
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	v := &Volume{Name: name, Driver: "local", Mountpoint: filepath.Join(dir, "_data"), CreatedAt: time.Now().UTC(), Labels: labels}
	if err := os.Mkdir(v.Mountpoint, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	data, _ := json.MarshalIndent(v, "", "  ")
	if err := store.WriteFile(filepath.Join(dir, "volume.json"), data, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	return v, nil
}

// Get reads volume name.
func (s *Store) Get(name string) (*Volume, error) {
	if !ValidName(name) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	data, err := os.ReadFile(filepath.Join(s.dir, name, "volume.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotExist, name)
		}
		return nil, fmt.Errorf("read volume %s: %w", name, err)
	}
	var v Volume
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decode volume %s: %w", name, err)
	}
	return &v, nil
}

// List returns every volume by name.
func (s *Store) List() ([]*Volume, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	var out []*Volume
	for _, e := range ents {
		if v, err := s.Get(e.Name()); err == nil {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Remove deletes volume name and its content. Callers check it is not in
// use first.
func (s *Store) Remove(name string) error {
	if _, err := s.Get(name); err != nil {
		return err
	}
	dir := filepath.Join(s.dir, name)
	// The metadata goes first, so a crash leaves no half volume in List.
	if err := os.Remove(filepath.Join(dir, "volume.json")); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	return nil
}

// Empty reports whether the volume's content directory is empty.
func (v *Volume) Empty() bool {
	ents, err := os.ReadDir(v.Mountpoint)
	return err == nil && len(ents) == 0
}
