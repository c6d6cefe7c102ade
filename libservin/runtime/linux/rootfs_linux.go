package linux

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// PrepareRootfs sets up the container's root filesystem in the current
// mount namespace and switches root into it: propagation, the config's
// mounts in order, /dev (default devices, linux.devices, symlinks), then
// opts.BeforePivot, then pivot_root (or MS_MOVE + chroot with NoPivot).
// Without a mount namespace in s it mounts into the host namespace, never
// changes host propagation and only chroots; CleanupRootfs undoes those
// mounts. The calling thread must be locked (runtime.LockOSThread).
//
// rootfs is an absolute host path. Its parents must be searchable by the
// init's user, or the init must start with its working directory at rootfs
// (then "." is used). A directory fd opened in another mount namespace
// cannot stand in for it: the kernel refuses to bind a foreign mount.
func PrepareRootfs(s *specs.Spec, rootfs string, opts RootfsOptions) error {
	if err := prepareRootfs(s, rootfs, opts); err != nil {
		return fmt.Errorf("prepare rootfs %s: %w", rootfs, err)
	}
	return nil
}

func prepareRootfs(s *specs.Spec, rootfs string, opts RootfsOptions) error {
	if s == nil {
		return fmt.Errorf("%w: no config", ErrInvalidMount)
	}
	propagation := ""
	if s.Linux != nil {
		propagation = s.Linux.RootfsPropagation
	}
	before, after, ok := rootPropagation(propagation)
	if !ok {
		return fmt.Errorf("%w: unknown rootfsPropagation %q", ErrInvalidMount, propagation)
	}
	oldMask := unix.Umask(0)
	defer unix.Umask(oldMask)
	dir, rootfs, err := openRootfsDir(resolveRootfsBestEffort(rootfs))
	if err != nil {
		return err
	}
	defer dir.Close()
	newNS := HasNamespace(s, specs.MountNamespace)
	if newNS {
		// Recursively slave or private: no mount is shared after this, as
		// pivot_root(2) needs of the new root's parent.
		if err := unix.Mount("", "/", "", before, ""); err != nil {
			return fmt.Errorf("set propagation of /: %w", err)
		}
	}
	// Without a mount namespace host propagation is left alone; the self
	// bind still makes "/" of the chroot a mount point (root.readonly) and
	// gives CleanupRootfs one tree to detach.
	root, err := selfBind(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	r := &rootfsCtx{rootPath: fdPath(root), root: root, bundleDir: opts.BundleDir, cgroupNS: HasNamespace(s, specs.CgroupNamespace), mountFds: opts.MountFds}
	if err := r.populate(s); err != nil {
		return err
	}
	if opts.BeforePivot != nil {
		if err := opts.BeforePivot(); err != nil {
			return err
		}
	}
	switch {
	case !newNS:
		return chrootInto(root)
	case opts.NoPivot:
		err = moveRoot(root, rootfs)
	default:
		err = pivotRoot(root)
	}
	if err != nil {
		return err
	}
	if after != 0 {
		if err := unix.Mount("", "/", "", after, ""); err != nil {
			return fmt.Errorf("set rootfsPropagation %s: %w", propagation, err)
		}
	}
	return nil
}

// populate makes the config's mounts in order, then /dev unless it is
// bind-mounted from elsewhere.
func (r *rootfsCtx) populate(s *specs.Spec) error {
	for i, m := range s.Mounts {
		tree := -1
		if i < len(r.mountFds) {
			tree = r.mountFds[i]
		}
		if err := r.mountSpec(m, tree); err != nil {
			return fmt.Errorf("mount %s: %w", m.Destination, err)
		}
	}
	if needsDevSetup(s.Mounts) {
		return r.setupDev(s)
	}
	return nil
}

// openRootfsDir opens the rootfs directory (O_PATH). In a user namespace
// whose root cannot search the rootfs's parents (a 0700 directory owned by
// the host's root), the init can be started with its working directory at
// the rootfs; "." is used when /proc/self/cwd names rootfs. It also
// returns the directory's canonical path.
func openRootfsDir(rootfs string) (*os.File, string, error) {
	dir, err := os.OpenFile(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.EACCES) {
		if cwd, cerr := os.Readlink("/proc/self/cwd"); cerr != nil || filepath.Clean(cwd) != rootfs {
			return nil, "", fmt.Errorf("open rootfs (start the init in the rootfs directory when its parents are not searchable): %w", err)
		}
		dir, err = os.OpenFile(".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, "", fmt.Errorf("open rootfs: %w", err)
	}
	// The kernel's name for the directory, as mountinfo shows it.
	if real, err := os.Readlink(fdPath(dir)); err == nil && filepath.IsAbs(real) {
		rootfs = real
	}
	return dir, rootfs, nil
}

// resolveRootfs makes rootfs absolute with symlinks resolved, the form
// mountinfo shows.
func resolveRootfs(rootfs string) (string, error) {
	abs, err := filepath.Abs(rootfs)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("resolve rootfs: %w", err)
	}
	return real, nil
}

// resolveRootfsBestEffort is resolveRootfs, falling back to the clean
// absolute path when the parents cannot be searched.
func resolveRootfsBestEffort(rootfs string) string {
	if real, err := resolveRootfs(rootfs); err == nil {
		return real
	}
	if abs, err := filepath.Abs(rootfs); err == nil {
		return abs
	}
	return filepath.Clean(rootfs)
}

// FinalizeRootfs runs inside the new root after PrepareRootfs and after the
// caller's steps that need a writable /proc/sys (sysctl, hostname,
// console): readonlyPaths, maskedPaths, then the read-only root.
func FinalizeRootfs(s *specs.Spec) error {
	if s == nil {
		return nil
	}
	if s.Linux != nil {
		for _, p := range s.Linux.ReadonlyPaths {
			if err := readonlyPath(p); err != nil {
				return fmt.Errorf("readonly path %s: %w", p, err)
			}
		}
		for _, p := range s.Linux.MaskedPaths {
			if err := maskPath(p); err != nil {
				return fmt.Errorf("mask path %s: %w", p, err)
			}
		}
	}
	if s.Root != nil && s.Root.Readonly {
		if err := bindRemount("/", unix.MS_RDONLY, 0); err != nil {
			return fmt.Errorf("remount root read-only: %w", err)
		}
	}
	return nil
}

// maskPath hides p: an empty read-only tmpfs over a directory, /dev/null
// bound over anything else. A missing path is ignored. After pivot_root
// the whole namespace is the container's, so plain paths cannot escape.
func maskPath(p string) error {
	fi, err := os.Stat(p)
	if isNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		err = unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0555")
	} else {
		err = unix.Mount("/dev/null", p, "", unix.MS_BIND, "")
	}
	if isNotExist(err) {
		return nil
	}
	return err
}

// readonlyPath binds p onto itself and makes it, and every mount below
// it, read-only. A missing path is ignored.
func readonlyPath(p string) error {
	err := unix.Mount(p, p, "", unix.MS_BIND|unix.MS_REC, "")
	if isNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := bindRemount(p, unix.MS_RDONLY, 0); err != nil {
		return err
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	err = unix.MountSetattr(unix.AT_FDCWD, p, unix.AT_RECURSIVE, &attr)
	if errors.Is(err, unix.ENOSYS) {
		return nil // before Linux 5.12: only the top mount is read-only
	}
	return err
}

// CleanupRootfs undoes, in the current (host) mount namespace, what
// PrepareRootfs mounted for a container without a mount namespace of its
// own: the self bind of rootfs and everything mounted on or below it. Mounts
// that were at rootfs before (an overlay the caller mounted there) stay.
// `servin-run delete` calls it; it is a no-op when nothing is mounted.
func CleanupRootfs(rootfs string) error {
	real, err := resolveRootfs(rootfs)
	if err != nil {
		if isNotExist(err) {
			return nil
		}
		return fmt.Errorf("clean up rootfs %s: %w", rootfs, err)
	}
	infos, err := mountinfo.GetMounts(nil)
	if err != nil {
		return fmt.Errorf("clean up rootfs %s: read mountinfo: %w", rootfs, err)
	}
	// MNT_DETACH of the self bind takes every mount below it along; the
	// mounts stacked on top of it at rootfs go first, one at a time.
	for i := 0; i < detachCount(infos, real); i++ {
		if err := unix.Unmount(real, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("clean up rootfs %s: detach: %w", rootfs, err)
		}
	}
	return nil
}

// detachCount returns how many mounts must be detached at path root to
// remove the lowest self bind of root (a bind of exactly the directory it
// covers, which PrepareRootfs makes first) and everything stacked on it;
// 0 when there is none.
func detachCount(infos []*mountinfo.Info, root string) int {
	byID := map[int]*mountinfo.Info{}
	above := map[int]*mountinfo.Info{} // parent ID -> mount stacked on it at root
	for _, in := range infos {
		byID[in.ID] = in
	}
	var bottom *mountinfo.Info
	for _, in := range infos {
		if in.Mountpoint != root {
			continue
		}
		if p, ok := byID[in.Parent]; ok && p.Mountpoint == root {
			above[p.ID] = in
		} else {
			bottom = in
		}
	}
	// Walk the stack at root upwards; count from the first self bind.
	n, found := 0, false
	for m, steps := bottom, 0; m != nil && steps <= len(infos); m, steps = above[m.ID], steps+1 {
		if !found && isSelfBind(m, byID[m.Parent], root) {
			found = true
		}
		if found {
			n++
		}
	}
	return n
}

// isSelfBind reports whether m, mounted at root on top of parent, binds
// the very directory it covers.
func isSelfBind(m, parent *mountinfo.Info, root string) bool {
	if parent == nil || m.Major != parent.Major || m.Minor != parent.Minor {
		return false
	}
	if parent.Mountpoint == root {
		return m.Root == parent.Root
	}
	rel, err := filepath.Rel(parent.Mountpoint, root)
	if err != nil || strings.HasPrefix(rel, "..") {
		return false
	}
	return m.Root == filepath.Join(parent.Root, rel)
}
