package container

import "golang.org/x/sys/unix"

// mounted reports whether path is a mount point (its device differs from
// its parent's; overlay and bind mounts of other filesystems always do).
func mounted(path string) bool {
	var a, b unix.Stat_t
	if unix.Lstat(path, &a) != nil || unix.Lstat(path+"/..", &b) != nil {
		return false
	}
	return a.Dev != b.Dev
}
