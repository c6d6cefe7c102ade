// Package security detects the host's container security features and
// keeps servin's security defaults (<root>/security.json), which `servin
// run` applies to new containers: no-new-privileges and a user namespace
// mapping. See specs/cli.md "security".
package security

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/store"
)

// ConfigFile is the name of the defaults file under the servin root.
const ConfigFile = "security.json"

// Config holds the security defaults for new containers.
type Config struct {
	// NoNewPrivileges sets process.noNewPrivileges for every container.
	NoNewPrivileges bool `json:"noNewPrivileges,omitempty"`
	// UserNamespace gives containers a user namespace with these mappings.
	UserNamespace bool                   `json:"userNamespace,omitempty"`
	UIDMappings   []specs.LinuxIDMapping `json:"uidMappings,omitempty"`
	GIDMappings   []specs.LinuxIDMapping `json:"gidMappings,omitempty"`
	// Rootless records that servin is meant to run without root.
	Rootless bool `json:"rootless,omitempty"`
}

// Load reads <root>/security.json (the zero Config when missing).
func Load(root string) (Config, error) {
	var c Config
	data, err := os.ReadFile(filepath.Join(root, ConfigFile))
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read security config: %w", err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("decode security config %s: %w", filepath.Join(root, ConfigFile), err)
	}
	return c, nil
}

// Save writes the config atomically.
func Save(root string, c Config) error {
	if err := os.MkdirAll(root, 0o711); err != nil {
		return fmt.Errorf("write security config: %w", err)
	}
	data, _ := json.MarshalIndent(c, "", "  ")
	return store.WriteFile(filepath.Join(root, ConfigFile), append(data, '\n'), 0o644)
}

// ParseIDMap parses "CONTAINER:HOST:SIZE" (docker/podman --uidmap).
func ParseIDMap(s string) (specs.LinuxIDMapping, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return specs.LinuxIDMapping{}, fmt.Errorf("invalid id map %q: want CONTAINER:HOST:SIZE", s)
	}
	var n [3]uint32
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return specs.LinuxIDMapping{}, fmt.Errorf("invalid id map %q: %q is not a number", s, p)
		}
		n[i] = uint32(v)
	}
	if n[2] == 0 {
		return specs.LinuxIDMapping{}, fmt.Errorf("invalid id map %q: size 0", s)
	}
	return specs.LinuxIDMapping{ContainerID: n[0], HostID: n[1], Size: n[2]}, nil
}

// Apply sets the config's defaults on a generated spec.
func (c Config) Apply(s *specs.Spec) {
	if c.NoNewPrivileges && s.Process != nil {
		s.Process.NoNewPrivileges = true
	}
	if c.UserNamespace && len(c.UIDMappings) > 0 {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings = c.UIDMappings
		s.Linux.GIDMappings = c.GIDMappings
		if len(s.Linux.GIDMappings) == 0 {
			s.Linux.GIDMappings = c.UIDMappings
		}
	}
}
