package linux

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// selfBind bind-mounts the rootfs directory dir onto itself (recursively),
// so that it is a mount point as pivot_root(2) needs, and returns a handle
// on the new mount's root. It works on handles only (open_tree(2) +
// move_mount(2)), so the rootfs's parents need not be searchable.
func selfBind(dir *os.File) (*os.File, error) {
	fd, err := unix.OpenTree(int(dir.Fd()), "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE|unix.AT_EMPTY_PATH)
	if err != nil {
		return nil, fmt.Errorf("bind rootfs onto itself: open_tree: %w", err)
	}
	tree := os.NewFile(uintptr(fd), "rootfs")
	if err := unix.MoveMount(fd, "", int(dir.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		tree.Close()
		return nil, fmt.Errorf("bind rootfs onto itself: move_mount: %w", err)
	}
	return tree, nil
}

// pivotRoot switches root to rootfs with pivot_root(".", "."): the old root
// ends up stacked under the new one at "/", is made slave so its unmount
// does not propagate, and is detached.
func pivotRoot(root *os.File) error {
	oldRoot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldRoot)
	if err := unix.Fchdir(int(root.Fd())); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Fchdir(oldRoot); err != nil {
		return fmt.Errorf("chdir to old root: %w", err)
	}
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root slave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	return chdirRoot()
}

// moveRoot switches root without pivot_root (--no-pivot, e.g. on a ramfs
// root): hide the host's full proc and sysfs mounts (the kernel checks
// every proc/sysfs mount of the namespace before allowing a new one, and
// with chroot they stay in the namespace), move the rootfs onto "/" and
// chroot into it.
func moveRoot(root *os.File, rootfs string) error {
	infos, err := mountinfo.GetMounts(func(in *mountinfo.Info) (bool, bool) {
		inside := in.Mountpoint == rootfs || strings.HasPrefix(in.Mountpoint, rootfs+"/")
		full := in.Root == "/" && (in.FSType == "proc" || in.FSType == "sysfs")
		return !full || inside, false
	})
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	for _, in := range infos {
		if err := unix.Mount("", in.Mountpoint, "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // a parent is already gone
			}
			return fmt.Errorf("make %s slave: %w", in.Mountpoint, err)
		}
		if err := unix.Unmount(in.Mountpoint, unix.MNT_DETACH); err != nil {
			if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EPERM) {
				return fmt.Errorf("detach %s: %w", in.Mountpoint, err)
			}
			// Locked in a user namespace: cover it instead.
			if err := unix.Mount("tmpfs", in.Mountpoint, "tmpfs", 0, ""); err != nil {
				return fmt.Errorf("cover %s: %w", in.Mountpoint, err)
			}
		}
	}
	if err := unix.Fchdir(int(root.Fd())); err != nil {
		return fmt.Errorf("chdir to rootfs: %w", err)
	}
	if err := unix.Mount(".", "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move rootfs to /: %w", err)
	}
	return chrootHere()
}

// chrootInto chroots into rootfs without touching any mount: the path for
// containers without a mount namespace, where pivot_root would change the
// host's root.
func chrootInto(root *os.File) error {
	if err := unix.Fchdir(int(root.Fd())); err != nil {
		return fmt.Errorf("chdir to rootfs: %w", err)
	}
	return chrootHere()
}

func chrootHere() error {
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	return chdirRoot()
}

func chdirRoot() error {
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	return nil
}
