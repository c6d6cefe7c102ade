package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ErrInvalid marks a configuration that breaks the runtime-spec.
var ErrInvalid = errors.New("invalid configuration")

// Load reads and validates bundle/config.json. Unknown properties are
// ignored, as the spec requires.
func Load(bundle string) (*specs.Spec, error) {
	s, _, err := LoadRaw(bundle)
	return s, err
}

// LoadRaw is Load, also returning the file's bytes (which decode to the
// returned spec).
func LoadRaw(bundle string) (*specs.Spec, []byte, error) {
	p := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("config.json not found in bundle %s: %w", bundle, err)
		}
		return nil, nil, fmt.Errorf("read %s: %w", p, err)
	}
	var s specs.Spec
	if err := UnmarshalLinux(data, &s); err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w: %w", p, ErrInvalid, err)
	}
	if err := Validate(&s, bundle); err != nil {
		return nil, nil, err
	}
	return &s, data, nil
}

// Validate checks what the runtime relies on: a supported ociVersion, a
// process with args, an existing root directory and well-formed namespaces.
func Validate(s *specs.Spec, bundle string) error {
	if err := checkVersion(s.Version); err != nil {
		return err
	}
	if s.Process == nil {
		return fmt.Errorf("%w: process is required", ErrInvalid)
	}
	if len(s.Process.Args) == 0 {
		return fmt.Errorf("%w: process.args must not be empty", ErrInvalid)
	}
	if s.Process.Cwd != "" && !filepath.IsAbs(s.Process.Cwd) {
		return fmt.Errorf("%w: process.cwd %q must be an absolute path", ErrInvalid, s.Process.Cwd)
	}
	if s.Root == nil || s.Root.Path == "" {
		return fmt.Errorf("%w: root.path is required", ErrInvalid)
	}
	root := RootPath(s, bundle)
	fi, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("rootfs (%s) does not exist: %w", root, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: rootfs (%s) is not a directory", ErrInvalid, root)
	}
	if s.Linux != nil {
		seen := map[specs.LinuxNamespaceType]bool{}
		for _, n := range s.Linux.Namespaces {
			if _, ok := CloneFlags[n.Type]; !ok {
				return fmt.Errorf("%w: unknown namespace type %q", ErrInvalid, n.Type)
			}
			if seen[n.Type] {
				return fmt.Errorf("%w: duplicate namespace %q", ErrInvalid, n.Type)
			}
			seen[n.Type] = true
		}
		if (len(s.Linux.UIDMappings) > 0 || len(s.Linux.GIDMappings) > 0) && !seen[specs.UserNamespace] {
			return fmt.Errorf("%w: uid/gid mappings need a user namespace", ErrInvalid)
		}
	}
	for _, m := range s.Mounts {
		if !filepath.IsAbs(m.Destination) {
			return fmt.Errorf("%w: mount destination %q must be absolute", ErrInvalid, m.Destination)
		}
	}
	return nil
}

// RootPath returns the absolute root filesystem path of a bundle.
func RootPath(s *specs.Spec, bundle string) string {
	if filepath.IsAbs(s.Root.Path) {
		return filepath.Clean(s.Root.Path)
	}
	return filepath.Join(bundle, s.Root.Path)
}

func checkVersion(v string) error {
	core, _, _ := strings.Cut(v, "-")
	core, _, _ = strings.Cut(core, "+")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return fmt.Errorf("%w: ociVersion %q is not a semantic version", ErrInvalid, v)
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 {
			return fmt.Errorf("%w: ociVersion %q is not a semantic version", ErrInvalid, v)
		}
		n[i] = x
	}
	if n[0] != 1 {
		return fmt.Errorf("%w: ociVersion %q is not supported (want 1.x)", ErrInvalid, v)
	}
	return nil
}
