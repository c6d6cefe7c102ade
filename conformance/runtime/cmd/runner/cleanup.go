package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// hostState is what a program may leave behind, recorded before it runs.
type hostState struct {
	mounts  map[string]bool // mount points
	cgroups map[string]bool // first-level dirs of every cgroup v1 hierarchy
}

func snapshot() hostState {
	s := hostState{mounts: map[string]bool{}, cgroups: map[string]bool{}}
	mounts, roots := readMountinfo()
	for _, m := range mounts {
		s.mounts[m] = true
	}
	for _, d := range cgroupDirs(roots) {
		s.cgroups[d] = true
	}
	return s
}

// cleanup deletes the runtime's leftover containers, mounts, cgroups and
// TMPDIR content, and returns a warning for each kind it found.
func cleanup(c *config, before hostState, tmp string) []string {
	var warns []string
	ids, err := runtimeCmd(c, "list", "-q")
	if err != nil {
		warns = append(warns, fmt.Sprintf("%s list -q: %v", c.runtime, err))
	}
	for _, id := range strings.Fields(ids) {
		msg := "leftover container " + id + " deleted"
		if _, err := runtimeCmd(c, "delete", "--force", id); err != nil {
			msg = fmt.Sprintf("leftover container %s: delete --force: %v", id, err)
		}
		warns = append(warns, msg)
	}
	mounts, roots := readMountinfo()
	var leaked []string
	for _, m := range mounts {
		if !before.mounts[m] {
			leaked = append(leaked, m)
		}
	}
	// Deepest first, so nested mounts go before their parents.
	sort.Slice(leaked, func(i, j int) bool { return len(leaked[i]) > len(leaked[j]) })
	for _, m := range leaked {
		msg := "leaked mount " + m + " unmounted"
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
			msg = fmt.Sprintf("leaked mount %s: unmount: %v", m, err)
		}
		warns = append(warns, msg)
	}
	// One warning per leftover name, listing the hierarchies it was in.
	var names []string
	where := map[string][]string{}
	for _, d := range cgroupDirs(roots) {
		if before.cgroups[d] {
			continue
		}
		name := filepath.Base(d)
		if where[name] == nil {
			names = append(names, name)
		}
		h := filepath.Base(filepath.Dir(d))
		if err := rmdirTree(d); err != nil {
			h += fmt.Sprintf(" (not removed: %v)", err)
		}
		where[name] = append(where[name], h)
	}
	for _, n := range names {
		warns = append(warns, fmt.Sprintf("leftover cgroup /%s removed from %s", n, strings.Join(where[n], " ")))
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		warns = append(warns, fmt.Sprintf("leftover files in TMPDIR: %s", strings.Join(names, " ")))
		_ = os.RemoveAll(tmp)
	}
	return warns
}

func runtimeCmd(c *config, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, c.runtime, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
			return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return string(out), nil
}

// readMountinfo returns this mount namespace's mount points and the mount
// points of its cgroup hierarchies (v1 and the hybrid v2 one).
func readMountinfo() (mounts, cgroupRoots []string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		mp := unescapeMountinfo(fields[4])
		mounts = append(mounts, mp)
		for i := 6; i < len(fields)-1; i++ {
			if fields[i] == "-" {
				if fields[i+1] == "cgroup" || fields[i+1] == "cgroup2" {
					cgroupRoots = append(cgroupRoots, mp)
				}
				break
			}
		}
	}
	return mounts, cgroupRoots
}

// unescapeMountinfo undoes the kernel's octal escapes (\040 for space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func cgroupDirs(roots []string) []string {
	var dirs []string
	for _, r := range roots {
		ents, err := os.ReadDir(r)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if e.IsDir() {
				dirs = append(dirs, filepath.Join(r, e.Name()))
			}
		}
	}
	return dirs
}

// rmdirTree removes a cgroup directory and its child cgroups (cgroupfs
// only allows rmdir, children first).
func rmdirTree(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() {
			if err := rmdirTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return syscall.Rmdir(dir)
}
