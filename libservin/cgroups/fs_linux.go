package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// writeFile writes one cgroup control file. The error reads like runc's:
// `failed to write "100": write /sys/fs/cgroup/...: invalid argument`.
func writeFile(dir, file, data string) error {
	path := filepath.Join(dir, file)
	// O_TRUNC is ignored by cgroupfs but needed on the fake trees of tests.
	// Plain system calls: an os.File would register with the poller.
	fd, err := openIn(dir, file, unix.O_WRONLY|unix.O_TRUNC)
	if err != nil {
		return fmt.Errorf("failed to write %q: %w", data, &os.PathError{Op: "open", Path: path, Err: err})
	}
	defer unix.Close(fd)
	// One write(2): cgroupfs parses each write separately.
	for {
		_, err = unix.Write(fd, []byte(data))
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("failed to write %q: %w", data, &os.PathError{Op: "write", Path: path, Err: err})
	}
	return nil
}

func readFile(dir, file string) (string, error) {
	path := filepath.Join(dir, file)
	fd, err := openIn(dir, file, unix.O_RDONLY)
	if err != nil {
		return "", &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return string(out), nil
		}
		out = append(out, buf[:n]...)
	}
}

// dirFDs holds an O_PATH handle per cgroup directory this process reads
// or writes control files in, so each file is opened relative to it: a
// full path walks every cgroupfs directory above it, and each step takes
// the hierarchy's kernfs lock for reading, which cgroup mkdir and rmdir
// (other containers starting and ending) hold for writing.
var dirFDs struct {
	sync.Mutex
	fds map[string]int
}

// maxDirFDs bounds the cache; past it files are opened by path.
const maxDirFDs = 64

// openIn opens file in the cgroup directory dir (close-on-exec).
func openIn(dir, file string, flags int) (int, error) {
	dirFDs.Lock()
	defer dirFDs.Unlock()
	dfd, ok := dirFDs.fds[dir]
	if !ok && len(dirFDs.fds) < maxDirFDs {
		if fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
			if dirFDs.fds == nil {
				dirFDs.fds = map[string]int{}
			}
			dirFDs.fds[dir], dfd, ok = fd, fd, true
		}
	}
	if ok {
		fd, err := unix.Openat(dfd, file, flags|unix.O_CLOEXEC, 0)
		if err == nil || (!errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ESTALE)) {
			return fd, err
		}
		// The directory may have been removed (and made again): by path.
		forgetDirLocked(dir)
	}
	return unix.Open(filepath.Join(dir, file), flags|unix.O_CLOEXEC, 0)
}

// forgetDir drops the handle of a removed cgroup directory.
func forgetDir(dir string) {
	dirFDs.Lock()
	defer dirFDs.Unlock()
	forgetDirLocked(dir)
}

func forgetDirLocked(dir string) {
	if fd, ok := dirFDs.fds[dir]; ok {
		unix.Close(fd)
		delete(dirFDs.fds, dir)
	}
}

func exists(dir, file string) bool {
	_, err := os.Stat(filepath.Join(dir, file))
	return err == nil
}

// parseUint reads a counter; "max" and values past int64 read as
// math.MaxUint64-ish "unlimited" are returned as they are.
func parseUint(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return ^uint64(0), nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		// Negative values (-1 in cpu.cfs_quota_us) read as 0.
		if i, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && i < 0 {
			return 0, nil
		}
		return 0, err
	}
	return v, nil
}

func readUint(dir, file string) (uint64, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return 0, err
	}
	v, err := parseUint(s)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", filepath.Join(dir, file), err)
	}
	return v, nil
}

// readKeyValues parses "key value" lines (memory.stat, cpu.stat, ...).
func readKeyValues(dir, file string) (map[string]uint64, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		if n, err := parseUint(v); err == nil {
			out[k] = n
		}
	}
	return out, nil
}

// ignoreNotExist drops "no such file" errors for optional counters.
func ignoreNotExist(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
