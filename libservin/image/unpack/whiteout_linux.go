package unpack

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/servin/servin/libservin/internal/userns"
)

// whiteout applies ".wh.NAME" or ".wh..wh..opq" found in directory parent.
// Per image-spec layer.md a whiteout only hides what lower layers made:
// entries of this same layer are kept.
func (x *extractor) whiteout(parent, base string) error {
	if base == opaqueWhiteout {
		return x.opaque(parent)
	}
	name := base[len(whiteoutPrefix):]
	if name == "" || name == "." || name == ".." || len(name) >= len(whiteoutPrefix) && name[:len(whiteoutPrefix)] == whiteoutPrefix {
		return nil // other AUFS metadata (.wh..wh.plnk, ...): nothing to apply
	}
	target := path.Join(parent, name)
	if _, ok := x.created[target]; ok {
		return nil
	}
	if x.cfg.overlay {
		pfd, err := x.dirFD(parent, true)
		if err != nil {
			return err
		}
		if err := unix.Mknodat(pfd, name, unix.S_IFCHR, 0); err != nil && err != unix.EEXIST {
			return fmt.Errorf("overlay whiteout: %w", err)
		}
		return nil
	}
	// The parent is made when missing, as the overlay form needs it, so
	// that both forms give the same tree.
	pfd, err := x.dirFD(parent, true)
	if err != nil {
		return nil // the parent cannot be a directory: nothing to hide
	}
	return x.removeAt(pfd, name)
}

func (x *extractor) opaque(dir string) error {
	if x.cfg.overlay {
		fd, err := x.dirFD(dir, true)
		if err != nil {
			return err
		}
		// fd is O_PATH: set the xattr through its /proc/self/fd link, which
		// names the opened inode without another lookup by name.
		proc := fmt.Sprintf("/proc/self/fd/%d", fd)
		if err := unix.Setxattr(proc, x.opaqueXattr(), []byte("y"), 0); err != nil {
			return fmt.Errorf("overlay opaque whiteout: %w", err)
		}
		return nil
	}
	fd, err := x.dirFD(dir, true)
	if err != nil {
		return nil
	}
	names, err := readDirNames(fd)
	if err != nil {
		return fmt.Errorf("opaque whiteout: %w", err)
	}
	for _, n := range names {
		if _, ok := x.created[path.Join(dir, n)]; ok {
			continue
		}
		if err := x.removeAt(fd, n); err != nil {
			return err
		}
	}
	return nil
}

// opaqueXattr is the overlayfs opaque marker: trusted.overlay.opaque as
// root of the initial user namespace; otherwise user.overlay.opaque, for an
// overlay mounted with the userxattr option in a user namespace
// (snapshot.Mount does so). The 0:0 whiteout device needs no privilege since Linux 5.8.
func (x *extractor) opaqueXattr() string {
	if userns.Privileged() {
		return "trusted.overlay.opaque"
	}
	return "user.overlay.opaque"
}

// removeAt deletes name in directory pfd, recursively, never following a
// symlink. The parent fd cache is dropped: a cached directory may be gone.
func (x *extractor) removeAt(pfd int, name string) error {
	x.dropCache()
	if err := removeAt(pfd, name, x.isRoot); err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	return nil
}

func removeAt(pfd int, name string, isRoot bool) error {
	err := unix.Unlinkat(pfd, name, 0)
	if err == nil || err == unix.ENOENT {
		return nil
	}
	if err != unix.EISDIR && err != unix.EPERM {
		return err
	}
	fd, err := unix.Openat(pfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if !isRoot {
		_ = unix.Fchmod(fd, 0o700) // a read-only directory of our own
	}
	names, err := readDirNames(fd)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := removeAt(fd, n, isRoot); err != nil {
			return err
		}
	}
	if err := unix.Unlinkat(pfd, name, unix.AT_REMOVEDIR); err != nil && err != unix.ENOENT {
		return err
	}
	return nil
}

// readDirNames lists a directory fd (O_PATH or not) without consuming it.
func readDirNames(fd int) ([]string, error) {
	dfd, err := unix.Openat(fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dfd), "dir")
	defer f.Close()
	return f.Readdirnames(-1)
}

// RemoveAll deletes path and everything below it without following
// symlinks, making unprivileged read-only directories writable on the way
// (an unprivileged extraction's rootfs may hold 0555 directories).
func RemoveAll(p string) error {
	dir, base := filepath.Split(filepath.Clean(p))
	if dir == "" {
		dir = "."
	}
	pfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		if err == unix.ENOENT {
			return nil
		}
		return fmt.Errorf("remove %s: %w", p, err)
	}
	defer unix.Close(pfd)
	if err := removeAt(pfd, base, os.Geteuid() == 0); err != nil {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}
