package cgroups

import (
	"maps"
	"slices"
	"strings"
)

const (
	// UnifiedKey is the Paths key of the cgroup2 directory: the only one
	// on a pure v2 host, next to the v1 controllers on a hybrid host.
	UnifiedKey = "unified"
	// PreexistingKey is a reserved Paths key: the newline-separated
	// directories that existed before Apply, which Destroy leaves alone.
	PreexistingKey = "servin.preexisting"
)

// Manager is one container's cgroup. Its methods are safe to call from one
// goroutine at a time.
type Manager struct {
	cfg      config
	paths    map[string]string // controller ("memory", "name=systemd", UnifiedKey) → directory
	existing map[string]bool   // directories Apply found already there
}

// Load rebuilds a Manager from paths saved from Paths. A nil or empty map
// gives a Manager with no directories, whose operations do nothing.
func Load(paths map[string]string) *Manager {
	m := &Manager{cfg: defaultConfig(), paths: map[string]string{}, existing: map[string]bool{}}
	for k, v := range paths {
		if k == PreexistingKey {
			for _, d := range strings.Split(v, "\n") {
				if d != "" {
					m.existing[d] = true
				}
			}
			continue
		}
		m.paths[k] = v
	}
	return m
}

// Paths returns the controller → directory map to save in the container's
// state (with PreexistingKey when Apply found directories already there).
func (m *Manager) Paths() map[string]string {
	out := maps.Clone(m.paths)
	if out == nil {
		out = map[string]string{}
	}
	if len(m.existing) > 0 {
		out[PreexistingKey] = strings.Join(slices.Sorted(maps.Keys(m.existing)), "\n")
	}
	return out
}

// Path returns the directory of one controller ("" when there is none).
func (m *Manager) Path(controller string) string { return m.paths[controller] }

// dirs returns the distinct directories, sorted.
func (m *Manager) dirs() []string {
	seen := map[string]bool{}
	for _, d := range m.paths {
		seen[d] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// isV2 reports whether the manager runs on a pure cgroup v2 host: its only
// directory is the cgroup2 one.
func (m *Manager) isV2() bool {
	_, ok := m.paths[UnifiedKey]
	return ok && len(m.paths) == 1
}

// JoinDirs splits the container's directories by how a process joins
// them: the cgroup v1 hierarchies, which a single-threaded process enters
// itself by writing "0" to each "tasks" file, and the cgroup2 directory
// ("" when there is none), entered with clone3 CLONE_INTO_CGROUP or
// through cgroup.procs (JoinV2). Both avoid the parent writing the pid to
// every cgroup.procs, each write of which waits for an RCU grace period.
func (m *Manager) JoinDirs() (v1 []string, v2 string) {
	v2 = m.paths[UnifiedKey]
	for _, d := range m.dirs() {
		if d != v2 {
			v1 = append(v1, d)
		}
	}
	return v1, v2
}
