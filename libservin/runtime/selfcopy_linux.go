package runtime

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// The container init never runs from the host's path of the runtime
// binary (CVE-2019-5736): a process in the container that reaches
// /proc/<init>/exe must not be able to write through it
// (specs/runtime.md has the threat model). Three ways:
//
//   - a read-only view, for containers without a user namespace, whose
//     init the nsenter constructor makes non-dumpable until it execs the
//     container's process (so /proc/<init>/exe needs CAP_SYS_PTRACE):
//     open_tree(OPEN_TREE_CLONE) of the binary makes a private bind mount
//     of just that file, attached to no mount namespace, and
//     mount_setattr makes it read-only; every open for writing through it
//     fails (EROFS), and only CAP_SYS_ADMIN in the initial user namespace
//     could change the mount's flags through a handle. No bytes are
//     copied: ~30 µs instead of ~0.5 ms and ~6 MB per container. Like
//     runc's read-only overlayfs view it shares the host binary's page
//     cache.
//   - otherwise (a user namespace keeps the init dumpable; or open_tree is
//     refused) a private copy on a tmpfs instance mounted with huge=always
//     and never attached to any mount namespace (fsopen/fsmount): 2 MiB
//     pages make the copy ~7x cheaper than 4 KiB ones. Once written, the
//     file is reopened read-only, the only writable descriptor closed and
//     the mount made read-only;
//   - or a sealed memfd (F_SEAL_WRITE|SHRINK|GROW|SEAL), e.g. for an
//     unprivileged runtime.
//
// selfCopy is the view or copy one create or exec makes for its init; a
// copy is made in the background from the start of the operation, so it
// overlaps reading the config and creating the state and cgroup.
type selfCopy struct {
	done  chan struct{}
	file  *os.File
	mount *os.File // the detached tmpfs of a copy, when it is on one
	err   error
}

// startSelfCopy starts making a view (when view is set: the init will be
// non-dumpable, see nsenter) or a copy.
func startSelfCopy(view bool) *selfCopy {
	c := &selfCopy{done: make(chan struct{})}
	if view {
		defer close(c.done)
		if c.file, c.err = readOnlyView("/proc/self/exe"); c.err == nil {
			return c
		}
	}
	go func() {
		defer close(c.done)
		c.file, c.mount, c.err = copySelf()
	}()
	return c
}

// get waits for the copy.
func (c *selfCopy) get() (*os.File, error) {
	<-c.done
	return c.file, c.err
}

// release closes the copy once the init maps it (or is not started): it
// is freed when the init execs the container process, not when this
// command exits (an attached run or exec would hold ~8 MB for the
// container's life). It may be called more than once.
func (c *selfCopy) release() {
	<-c.done
	if c.file != nil {
		c.file.Close()
		c.file = nil
	}
	if c.mount != nil {
		c.mount.Close()
		c.mount = nil
	}
	if c.err == nil {
		c.err = errors.New("runtime copy released")
	}
}

// copySelf makes a private copy of the runtime binary to exec the init
// from (see above).
func copySelf() (file, mount *os.File, err error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	if file, mount, err = tmpfsCopy(src); err == nil {
		return file, mount, nil
	}
	if _, err := src.Seek(0, 0); err != nil {
		return nil, nil, err
	}
	file, err = memfdCopy(src)
	return file, nil, err
}

// readOnlyView returns a handle (O_PATH) on a private, detached, read-only
// bind mount of the file at path; closing its last reference (the init's
// exec keeps one) dissolves the mount.
func readOnlyView(path string) (*os.File, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("open_tree %s: %w", path, err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("make view of %s read-only: %w", path, err)
	}
	return os.NewFile(uintptr(fd), "servin-run"), nil
}

// tmpfsCopy copies src to an unnamed file on a private, detached tmpfs
// with huge pages, and returns a read-only descriptor of it after making
// the mount read-only, and the mount (closing its last descriptor
// unmounts it).
func tmpfsCopy(src *os.File) (file, mount *os.File, err error) {
	fsfd, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, nil, fmt.Errorf("fsopen tmpfs: %w", err)
	}
	defer unix.Close(fsfd)
	if err := unix.FsconfigSetString(fsfd, "huge", "always"); err != nil {
		return nil, nil, fmt.Errorf("tmpfs huge=always: %w", err)
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return nil, nil, fmt.Errorf("create tmpfs: %w", err)
	}
	mnt, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOSUID)
	if err != nil {
		return nil, nil, fmt.Errorf("fsmount tmpfs: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			unix.Close(mnt)
		}
	}()
	rw, err := unix.Openat(mnt, ".", unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o500)
	if err != nil {
		return nil, nil, fmt.Errorf("create copy: %w", err)
	}
	if err := copyInKernel(rw, int(src.Fd())); err != nil {
		unix.Close(rw)
		return nil, nil, fmt.Errorf("copy runtime binary: %w", err)
	}
	// O_TMPFILE: the reopened descriptor is the only reference once rw is
	// closed. Closing rw also lets exec run the file (no writer) and the
	// mount turn read-only (it refuses while a file is open for writing).
	ro, err := unix.Open("/proc/self/fd/"+strconv.Itoa(rw), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	unix.Close(rw)
	if err != nil {
		return nil, nil, fmt.Errorf("reopen copy read-only: %w", err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(mnt, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(ro)
		return nil, nil, fmt.Errorf("make copy's mount read-only: %w", err)
	}
	keep = true
	return os.NewFile(uintptr(ro), "servin-run"), os.NewFile(uintptr(mnt), "servin-run-copy-mount"), nil
}

// memfdCopy copies src to a sealed memfd.
func memfdCopy(src *os.File) (*os.File, error) {
	fd, err := unix.MemfdCreate("servin-run", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "servin-run")
	if err := copyInKernel(fd, int(src.Fd())); err != nil {
		f.Close()
		return nil, fmt.Errorf("copy runtime binary: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal runtime copy: %w", err)
	}
	return f, nil
}

// copyInKernel copies all of in to out with sendfile(2): page cache to
// page cache without a trip through user space.
func copyInKernel(out, in int) error {
	for {
		n, err := unix.Sendfile(out, in, nil, 1<<30)
		if err != nil {
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
				continue
			}
			return err
		}
		if n == 0 {
			return nil
		}
	}
}
