package linux

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rootfsCtx carries what mounting inside one rootfs needs.
type rootfsCtx struct {
	rootPath  string   // absolute host path of the rootfs (symlinks resolved)
	root      *os.File // O_PATH handle on the rootfs, opened after its self bind
	bundleDir string
	cgroupNS  bool
	mountFds  []int // per config mount: prepared idmapped tree, or -1
}

// fdPath is the magic link through which a mount lands exactly on the
// file f refers to, whatever happens to the path afterwards.
func fdPath(f *os.File) string {
	return "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
}

// isNotExist reports errors that mean a path is missing.
func isNotExist(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR)
}

// openInRoot opens the container path p inside the rootfs as an O_PATH
// handle with one openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS): the
// kernel resolves every symlink and ".." as if root were "/", and fails
// with EAGAIN (retried) when a concurrent rename could have let the walk
// out. pathrs-lite's OpenatInRoot does the same openat2 and then asks
// procfs for the handle's name, which costs ~10 more syscalls per path
// and adds nothing to the containment; the handle is named p here.
func openInRoot(root *os.File, p string) (*os.File, error) {
	return openInRootFlags(root, p, 0)
}

// openInRootFlags is openInRoot with extra open flags (O_DIRECTORY).
func openInRootFlags(root *os.File, p string, flags uint64) (*os.File, error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC | flags, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	for i := 0; ; i++ {
		fd, err := unix.Openat2(int(root.Fd()), p, &how)
		if err == nil {
			return os.NewFile(uintptr(fd), p), nil
		}
		if errors.Is(err, unix.EAGAIN) && i < 128 {
			continue
		}
		if errors.Is(err, unix.ENOSYS) && flags == 0 {
			// Before Linux 5.6: pathrs-lite's emulation.
			return pathrs.OpenatInRoot(root, p)
		}
		return nil, &os.PathError{Op: "openat2", Path: p, Err: err}
	}
}

// openTarget returns an O_PATH handle on the container path dest inside
// the rootfs, creating it first (a directory, or an empty file when file
// is set) if it is missing. Symlinks are followed as if the rootfs were
// "/", so the handle is always inside the rootfs.
func (r *rootfsCtx) openTarget(dest string, file bool) (*os.File, error) {
	f, err := openInRoot(r.root, dest)
	if err == nil || !isNotExist(err) {
		return f, err
	}
	rel, err := r.resolveInRoot(dest)
	if err != nil {
		return nil, err
	}
	if !file {
		d, err := pathrs.MkdirAllHandle(r.root, rel, 0o755)
		if err != nil {
			return nil, fmt.Errorf("create directory: %w", err)
		}
		return d, nil
	}
	dir, base, err := r.openParent(rel)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Openat(int(dir.Fd()), base, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	dir.Close()
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("create file: %w", err)
	}
	if err == nil {
		unix.Close(fd)
	}
	return openInRoot(r.root, rel)
}

// resolveInRoot resolves the symlinks of the container path p that exist,
// as if the rootfs were "/", and returns the result as a container path: a
// dangling symlink then gets its target created inside the rootfs. What it
// returns is only a name; handles are still opened with openat2
// RESOLVE_IN_ROOT, so a race cannot move a mount outside the rootfs.
func (r *rootfsCtx) resolveInRoot(p string) (string, error) {
	joined, err := securejoin.SecureJoin(r.rootPath, p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(r.rootPath, joined)
	if err != nil {
		return "", err
	}
	return filepath.Clean("/" + rel), nil
}

// mountSpec mounts one entry of the config's mounts; tree is the
// prepared idmapped clone of its source (-1: none).
func (r *rootfsCtx) mountSpec(m specs.Mount, tree int) error {
	if m.Type == "cgroup" && !isBindMount(m) {
		return r.mountCgroup(m)
	}
	src := m.Source
	srcIsDir := false
	if isBindMount(m) {
		src = bindSource(m.Source, r.bundleDir)
		var st unix.Stat_t
		var err error
		if tree >= 0 {
			// The clone is what gets attached; in a user namespace the
			// source path itself may not even be reachable.
			err = unix.Fstat(tree, &st)
		} else {
			err = unix.Stat(src, &st)
		}
		if err != nil {
			return fmt.Errorf("bind source %s: %w", src, err)
		}
		srcIsDir = st.Mode&unix.S_IFMT == unix.S_IFDIR
	}
	p, err := planMount(m, src, srcIsDir, tree)
	if err != nil {
		return err
	}
	return r.runPlan(p)
}

// mountCgroup lays out a "cgroup" entry (see planCgroupMounts).
func (r *rootfsCtx) mountCgroup(m specs.Mount) error {
	infos, own, err := readCgroupMounts()
	if err != nil {
		return err
	}
	l, err := planCgroupMounts(m, infos, own, r.cgroupNS)
	if err != nil {
		return err
	}
	for _, p := range l.plans {
		if err := r.runPlan(p); err != nil {
			return err
		}
	}
	for _, s := range l.symlinks {
		if err := r.symlink(s[0], s[1], false); err != nil {
			return fmt.Errorf("create symlink %s: %w", s[0], err)
		}
	}
	for _, p := range l.finish {
		if err := r.runPlan(p); err != nil {
			return err
		}
	}
	return nil
}

// runPlan carries out a mount plan on its target inside the rootfs.
func (r *rootfsCtx) runPlan(p mountPlan) error {
	target, err := r.openTarget(p.dest, p.file)
	if err != nil {
		return fmt.Errorf("mount target %s: %w", p.dest, err)
	}
	defer func() { target.Close() }()
	var covered *os.File
	if p.copyUp {
		// A directory fd keeps reaching the content the tmpfs will cover.
		if covered, err = pathrs.Reopen(target, unix.O_RDONLY|unix.O_DIRECTORY); err != nil {
			return fmt.Errorf("open %s for tmpcopyup: %w", p.dest, err)
		}
		defer covered.Close()
	}
	for i, st := range p.steps {
		err := runStep(target, st)
		if err != nil && i == 0 && p.fallback != nil && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EBUSY)) {
			return r.runPlan(*p.fallback)
		}
		if err != nil {
			return fmt.Errorf("%s %s on %s: %w", st.kind, st.fstype, p.dest, err)
		}
		if st.kind != stepMount && st.kind != stepMoveMount {
			continue
		}
		// Reopen so later steps act on the new mount, not the one below.
		nt, err := openInRoot(r.root, p.dest)
		if err != nil {
			return fmt.Errorf("reopen %s after mount: %w", p.dest, err)
		}
		target.Close()
		target = nt
		if i == 0 && covered != nil {
			if err := copyUp(covered, target); err != nil {
				return fmt.Errorf("tmpcopyup %s: %w", p.dest, err)
			}
		}
	}
	return nil
}

// runStep performs one mount step on target.
func runStep(target *os.File, st mountStep) error {
	path := fdPath(target)
	switch st.kind {
	case stepMount:
		return unix.Mount(st.source, path, st.fstype, st.flags, st.data)
	case stepBindRemount:
		return bindRemount(path, st.flags, st.cleared)
	case stepPropagate:
		return unix.Mount("", path, "", st.flags, "")
	case stepSetattr:
		attr := unix.MountAttr{Attr_set: st.attrSet, Attr_clr: st.attrClr}
		return unix.MountSetattr(int(target.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr)
	case stepMoveMount:
		err := unix.MoveMount(st.fd, "", int(target.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
		unix.Close(st.fd)
		return err
	}
	return fmt.Errorf("unknown mount step %d", st.kind)
}

// bindRemount changes the per-mount flags of the mount at path. In a user
// namespace flags inherited from a more privileged namespace are locked
// (mount_namespaces(7)); on EPERM retry keeping them.
func bindRemount(path string, flags, cleared uintptr) error {
	err := unix.Mount("", path, "", unix.MS_BIND|unix.MS_REMOUNT|flags, "")
	if !errors.Is(err, unix.EPERM) {
		return err
	}
	var st unix.Statfs_t
	if serr := unix.Statfs(path, &st); serr != nil {
		return err
	}
	locked := statfsToMountFlags(st.Flags, flags, cleared)
	if locked&^flags == 0 {
		return err
	}
	return unix.Mount("", path, "", unix.MS_BIND|unix.MS_REMOUNT|flags|locked, "")
}
