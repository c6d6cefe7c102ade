package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Apply creates the container's directories in every hierarchy (v1
// controllers, named ones such as name=systemd, and the cgroup2 one) and
// moves pid into them; pid <= 0 only creates. On cgroup v2 it enables the
// available controllers on the way down; on v1 it fills an empty cpuset
// from its parent, as the kernel refuses tasks in an empty cpuset.
func (m *Manager) Apply(pid int) error {
	for _, dir := range m.dirs() {
		// One path walk when the parent exists (the usual case: cgroupfs
		// lookups are slow with many containers starting at once).
		err := unix.Mkdir(dir, 0o755)
		switch {
		case errors.Is(err, unix.EEXIST):
			if fi, serr := os.Stat(dir); serr != nil || !fi.IsDir() {
				return fmt.Errorf("create cgroup %s: %w", dir, err)
			}
			m.existing[dir] = true
		case errors.Is(err, unix.ENOENT):
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil && !m.existing[dir] {
			return fmt.Errorf("create cgroup %s: %w", dir, err)
		}
	}
	if dir := m.paths["cpuset"]; dir != "" {
		if err := m.fillCpuset(dir); err != nil {
			return err
		}
	}
	if m.isV2() {
		if err := enableControllers(m.mountOf(UnifiedKey), m.paths[UnifiedKey], nil); err != nil {
			return err
		}
	}
	if pid <= 0 {
		return nil
	}
	for _, dir := range m.dirs() {
		if err := writeFile(dir, "cgroup.procs", strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("join cgroup %s: %w", dir, err)
		}
	}
	return nil
}

// JoinV2 moves pid into the container's cgroup2 directory only (a no-op
// without one): the v1 hierarchies were joined by the process itself (see
// JoinDirs).
func (m *Manager) JoinV2(pid int) error {
	_, dir := m.JoinDirs()
	if dir == "" {
		return nil
	}
	if err := writeFile(dir, "cgroup.procs", strconv.Itoa(pid)); err != nil {
		return fmt.Errorf("join cgroup %s: %w", dir, err)
	}
	return nil
}

// mountOf finds the mount point of a controller's hierarchy: the top of
// its directory that is still a cgroup filesystem.
func (m *Manager) mountOf(key string) string {
	dir := m.paths[key]
	if m.cfg.root != DefaultRoot {
		// Fake trees: the hierarchy directory directly under the root, or
		// the root itself on a v2 tree.
		rel, err := filepath.Rel(m.cfg.root, dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			return dir
		}
		if exists(m.cfg.root, "cgroup.controllers") {
			return m.cfg.root
		}
		return filepath.Join(m.cfg.root, strings.Split(rel, string(filepath.Separator))[0])
	}
	// The host: the deepest cgroup mount point above dir (from the
	// mountinfo read once per process; a walk up with stat(2) takes a
	// kernfs lock per component, contended by other containers).
	top := ""
	if infos, err := Mounts(); err == nil {
		for _, in := range infos {
			if mp := in.Mountpoint; len(mp) > len(top) && (dir == mp || strings.HasPrefix(dir, mp+"/")) {
				top = mp
			}
		}
	}
	if top != "" {
		return top
	}
	p := dir
	var s unix.Stat_t
	for unix.Stat(p, &s) != nil && p != "/" {
		p = filepath.Dir(p)
	}
	dev, top := s.Dev, p
	for p = filepath.Dir(p); p != "/"; p = filepath.Dir(p) {
		if unix.Stat(p, &s) != nil || s.Dev != dev {
			break
		}
		top = p
	}
	return top
}

// fillCpuset gives every level from the hierarchy's mount down to dir
// that has an empty cpuset.cpus or cpuset.mems its parent's value (v1
// admits no task into a cpuset without both). It starts at dir and goes
// up only as far as it finds them empty: usually dir alone.
func (m *Manager) fillCpuset(dir string) error {
	top := m.mountOf("cpuset")
	if rel, err := filepath.Rel(top, dir); err != nil || strings.HasPrefix(rel, "..") {
		return nil
	}
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		if _, err := fillCpusetFile(top, dir, f); err != nil {
			return err
		}
	}
	return nil
}

// fillCpusetFile returns dir's value of file f, filling it (and its
// parents', up to top) from the parent's when empty.
func fillCpusetFile(top, dir, f string) (string, error) {
	v, err := readFile(dir, f)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", filepath.Join(dir, f), err)
	}
	if v = strings.TrimSpace(v); v != "" || len(dir) <= len(top) {
		return v, nil
	}
	pv, err := fillCpusetFile(top, filepath.Dir(dir), f)
	if err != nil {
		return "", err
	}
	if err := writeFile(dir, f, pv); err != nil {
		return "", fmt.Errorf("fill cpuset %s: %w", dir, err)
	}
	return pv, nil
}

// enableControllers enables, in every level from top down to dir's
// parent, the controllers of that level (only those named, when only is
// not nil). cgroup v2 only lets a child use a controller its parent has
// in cgroup.subtree_control.
func enableControllers(top, dir string, only []string) error {
	rel, err := filepath.Rel(top, dir)
	if err != nil || strings.HasPrefix(rel, "..") || rel == "." {
		return nil
	}
	level := top
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		avail, err := readFile(level, "cgroup.controllers")
		if err != nil {
			return fmt.Errorf("read controllers of %s: %w", level, err)
		}
		enabled, _ := readFile(level, "cgroup.subtree_control")
		var want []string
		for _, c := range strings.Fields(avail) {
			if (only == nil || slices.Contains(only, c)) && !slices.Contains(strings.Fields(enabled), c) {
				want = append(want, "+"+c)
			}
		}
		if len(want) > 0 {
			if err := writeFile(level, "cgroup.subtree_control", strings.Join(want, " ")); err != nil {
				// One at a time, keeping those the kernel accepts (a
				// threaded subtree refuses some).
				for _, w := range want {
					if werr := writeFile(level, "cgroup.subtree_control", w); werr != nil && only != nil {
						return fmt.Errorf("enable %s in %s: %w", w[1:], level, werr)
					}
				}
			}
		}
		level = filepath.Join(level, part)
	}
	return nil
}

// Destroy removes the container's directories (with any child cgroups
// the container made), except those Apply found already there. It kills
// nothing: a directory still holding processes stays, and is an error.
func (m *Manager) Destroy() error {
	var errs []error
	for _, dir := range m.dirs() {
		if m.existing[dir] {
			continue
		}
		if err := removeTree(dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeTree removes a cgroup directory bottom-up: cgroupfs directories
// are removed with rmdir only. A cgroup whose last process is exiting
// reports EBUSY for a moment, so that is retried.
func removeTree(dir string) error {
	// Usually a leaf whose processes are gone: one rmdir, no listing of
	// its few dozen control files.
	if err := unix.Rmdir(dir); err == nil || errors.Is(err, unix.ENOENT) {
		forgetDir(dir)
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	delay := time.Millisecond
	for i := 0; ; i++ {
		err := unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			forgetDir(dir)
			return nil
		}
		if !errors.Is(err, unix.EBUSY) || i == 8 {
			return fmt.Errorf("remove cgroup %s: %w", dir, err)
		}
		time.Sleep(delay)
		delay *= 2
	}
}

// pidsDir is the directory whose cgroup.procs lists the container's
// processes.
func (m *Manager) pidsDir() string {
	for _, k := range []string{UnifiedKey, "pids", "freezer", "devices", "memory", "cpu", "name=systemd"} {
		if d := m.paths[k]; d != "" && (k != UnifiedKey || m.isV2()) {
			return d
		}
	}
	for _, d := range m.dirs() {
		return d
	}
	return ""
}

// Pids lists every process in the container's cgroup and its children.
func (m *Manager) Pids() ([]int, error) {
	dir := m.pidsDir()
	if dir == "" {
		return nil, nil
	}
	var pids []int
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != dir {
				return nil // a child cgroup went away
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		s, err := readFile(p, "cgroup.procs")
		if err != nil {
			return ignoreNotExist(err)
		}
		for _, f := range strings.Fields(s) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list processes of cgroup %s: %w", dir, err)
	}
	return pids, nil
}
