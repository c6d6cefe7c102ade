package cgroups

import (
	"fmt"
	"strings"
	"time"
)

// freezeTimeout bounds how long Freeze waits for every task to stop.
const freezeTimeout = 10 * time.Second

// Freeze stops every process of the container (runc pause): the v1
// freezer controller, or cgroup.freeze on cgroup v2. It returns once the
// kernel reports the cgroup frozen, and thaws it again on failure.
func (m *Manager) Freeze() error {
	if m.isV2() {
		return m.freezeV2()
	}
	dir := m.paths["freezer"]
	if dir == "" {
		return fmt.Errorf("freeze: freezer %w", ErrNotMounted)
	}
	deadline := time.Now().Add(freezeTimeout)
	for i := 0; ; i++ {
		// Writing FROZEN again nudges tasks that were in an
		// uninterruptible sleep when the first write came.
		if i%10 == 0 {
			if err := writeFile(dir, "freezer.state", "FROZEN"); err != nil {
				return fmt.Errorf("freeze cgroup %s: %w", dir, err)
			}
		}
		st, err := readFile(dir, "freezer.state")
		if err != nil {
			return fmt.Errorf("freeze cgroup %s: %w", dir, err)
		}
		if strings.TrimSpace(st) == "FROZEN" {
			return nil
		}
		if time.Now().After(deadline) {
			_ = writeFile(dir, "freezer.state", "THAWED")
			return fmt.Errorf("freeze cgroup %s: still %s after %s", dir, strings.TrimSpace(st), freezeTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

func (m *Manager) freezeV2() error {
	dir := m.paths[UnifiedKey]
	if err := writeFile(dir, "cgroup.freeze", "1"); err != nil {
		return fmt.Errorf("freeze cgroup %s: %w", dir, err)
	}
	deadline := time.Now().Add(freezeTimeout)
	for {
		ev, err := readKeyValues(dir, "cgroup.events")
		if err != nil {
			return fmt.Errorf("freeze cgroup %s: %w", dir, err)
		}
		if ev["frozen"] == 1 {
			return nil
		}
		if time.Now().After(deadline) {
			_ = writeFile(dir, "cgroup.freeze", "0")
			return fmt.Errorf("freeze cgroup %s: not frozen after %s", dir, freezeTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// Thaw resumes the processes Freeze stopped (runc resume).
func (m *Manager) Thaw() error {
	if m.isV2() {
		if err := writeFile(m.paths[UnifiedKey], "cgroup.freeze", "0"); err != nil {
			return fmt.Errorf("thaw cgroup %s: %w", m.paths[UnifiedKey], err)
		}
		return nil
	}
	dir := m.paths["freezer"]
	if dir == "" {
		return fmt.Errorf("thaw: freezer %w", ErrNotMounted)
	}
	if err := writeFile(dir, "freezer.state", "THAWED"); err != nil {
		return fmt.Errorf("thaw cgroup %s: %w", dir, err)
	}
	return nil
}

// State reports whether the cgroup is frozen. A host without a freezer
// reports false.
func (m *Manager) State() (paused bool, err error) {
	if m.isV2() {
		s, err := readFile(m.paths[UnifiedKey], "cgroup.freeze")
		if err != nil {
			return false, fmt.Errorf("read freezer state: %w", err)
		}
		return strings.TrimSpace(s) == "1", nil
	}
	dir := m.paths["freezer"]
	if dir == "" {
		return false, nil
	}
	s, err := readFile(dir, "freezer.state")
	if err != nil {
		return false, fmt.Errorf("read freezer state: %w", err)
	}
	return strings.TrimSpace(s) == "FROZEN", nil
}
