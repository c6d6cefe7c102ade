package testutil

import (
	"os"
	"path/filepath"
	"sort"
)

// CgroupParents remembers which top-level cgroups named names exist in
// every hierarchy under /sys/fs/cgroup now, and returns a function that
// removes those that appear later (runtimes and engines leave the parents
// of the cgroups they made: /servin, /libpod_parent), so a test run leaves
// the machine's cgroup tree as it found it. Only empty directories go.
func CgroupParents(names ...string) func() {
	before := map[string]bool{}
	for _, n := range names {
		matches, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", n))
		for _, m := range matches {
			before[m] = true
		}
	}
	return func() {
		for _, n := range names {
			matches, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", n))
			for _, m := range matches {
				if !before[m] {
					removeEmptyTree(m)
				}
			}
		}
	}
}

// removeEmptyTree rmdirs dir and its subdirectories, deepest first;
// cgroup directories that still hold processes stay.
func removeEmptyTree(dir string) {
	var dirs []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		_ = os.Remove(d)
	}
}
