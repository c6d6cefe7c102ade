package linux

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultDevices are config-linux.md's "Default Devices".
var defaultDevices = []specs.LinuxDevice{
	{Path: "/dev/null", Type: "c", Major: 1, Minor: 3},
	{Path: "/dev/zero", Type: "c", Major: 1, Minor: 5},
	{Path: "/dev/full", Type: "c", Major: 1, Minor: 7},
	{Path: "/dev/random", Type: "c", Major: 1, Minor: 8},
	{Path: "/dev/urandom", Type: "c", Major: 1, Minor: 9},
	{Path: "/dev/tty", Type: "c", Major: 5, Minor: 0},
}

// devSymlink is a symlink made in /dev.
type devSymlink struct {
	path, target string
	replace      bool // remove whatever is there first (/dev/ptmx)
}

// devSymlinks are config-linux.md's default /dev symlinks; /dev/core is
// added when the host has /proc/kcore, as runc does.
var devSymlinks = []devSymlink{
	{path: "/dev/fd", target: "/proc/self/fd"},
	{path: "/dev/stdin", target: "/proc/self/fd/0"},
	{path: "/dev/stdout", target: "/proc/self/fd/1"},
	{path: "/dev/stderr", target: "/proc/self/fd/2"},
	{path: "/dev/ptmx", target: "pts/ptmx", replace: true},
}

// needsDevSetup reports whether the runtime populates /dev: not when the
// config bind-mounts /dev from elsewhere.
func needsDevSetup(mounts []specs.Mount) bool {
	for _, m := range mounts {
		if d, err := cleanDest(m.Destination); err == nil && d == "/dev" && isBindMount(m) {
			return false
		}
	}
	return true
}

// devicePlan is the list of device nodes to create: the default devices,
// then linux.devices, an entry replacing an earlier one with the same path.
func devicePlan(s *specs.Spec) ([]specs.LinuxDevice, error) {
	var devs []specs.LinuxDevice
	index := map[string]int{}
	add := func(d specs.LinuxDevice) error {
		p, err := cleanDest(d.Path)
		if err != nil {
			return fmt.Errorf("%w: empty device path", ErrInvalidDevice)
		}
		d.Path = p
		if _, err := deviceMode(d); err != nil {
			return err
		}
		if i, ok := index[p]; ok {
			devs[i] = d
			return nil
		}
		index[p] = len(devs)
		devs = append(devs, d)
		return nil
	}
	for _, d := range defaultDevices {
		if err := add(d); err != nil {
			return nil, err
		}
	}
	if s.Linux != nil {
		for _, d := range s.Linux.Devices {
			if err := add(d); err != nil {
				return nil, err
			}
		}
	}
	return devs, nil
}

// deviceMode is the st_mode (type and permission bits) of d. fileMode is a
// plain Unix mode number (config-linux.md: "a decimal number"); type bits
// in it are ignored, 0666 when unset.
func deviceMode(d specs.LinuxDevice) (uint32, error) {
	perm := uint32(0o666)
	if d.FileMode != nil {
		perm = uint32(*d.FileMode) & 0o7777
	}
	switch d.Type {
	case "c", "u":
		return unix.S_IFCHR | perm, nil
	case "b":
		return unix.S_IFBLK | perm, nil
	case "p":
		return unix.S_IFIFO | perm, nil
	}
	return 0, fmt.Errorf("%w: %s: unknown type %q", ErrInvalidDevice, d.Path, d.Type)
}

// deviceOwner returns the uid and gid of d (root when unset).
func deviceOwner(d specs.LinuxDevice) (int, int) {
	uid, gid := 0, 0
	if d.UID != nil {
		uid = int(*d.UID)
	}
	if d.GID != nil {
		gid = int(*d.GID)
	}
	return uid, gid
}

// setupDev creates the devices and symlinks of s in the rootfs.
func (r *rootfsCtx) setupDev(s *specs.Spec) error {
	devs, err := devicePlan(s)
	if err != nil {
		return err
	}
	for _, d := range devs {
		if err := r.createDevice(d); err != nil {
			return fmt.Errorf("create device %s: %w", d.Path, err)
		}
	}
	links := devSymlinks
	if _, err := os.Stat("/proc/kcore"); err == nil {
		links = append(links[:len(links):len(links)], devSymlink{path: "/dev/core", target: "/proc/kcore"})
	}
	for _, l := range links {
		if err := r.symlink(l.path, l.target, l.replace); err != nil {
			return fmt.Errorf("create symlink %s: %w", l.path, err)
		}
	}
	return nil
}

// createDevice makes one device node with mknod, or, where mknod is not
// permitted (user namespace), bind-mounts the host's node at the path.
func (r *rootfsCtx) createDevice(d specs.LinuxDevice) error {
	mode, err := deviceMode(d)
	if err != nil {
		return err
	}
	dir, base, err := r.openParent(d.Path)
	if err != nil {
		return err
	}
	defer dir.Close()
	dfd := int(dir.Fd())
	dev := int(unix.Mkdev(uint32(d.Major), uint32(d.Minor)))
	if d.Type == "p" {
		dev = 0
	}
	var st unix.Stat_t
	switch err := unix.Fstatat(dfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); {
	case err == nil:
		// config-linux.md: a different file already at path is an error.
		if st.Mode&unix.S_IFMT != mode&unix.S_IFMT || (d.Type != "p" && int(st.Rdev) != dev) {
			return fmt.Errorf("%w: %s exists and is not the requested device", ErrInvalidDevice, d.Path)
		}
	case errors.Is(err, unix.ENOENT):
		err = unix.Mknodat(dfd, base, mode, dev)
		if errors.Is(err, unix.EPERM) && d.Type != "p" {
			return r.bindDevice(dfd, base, d)
		}
		if err != nil {
			return fmt.Errorf("mknod: %w", err)
		}
	default:
		return err
	}
	uid, gid := deviceOwner(d)
	if err := unix.Fchownat(dfd, base, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	if err := unix.Fchmodat(dfd, base, mode&0o7777, 0); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return nil
}

// bindDevice covers an empty file at dir/base with the host's device node.
func (r *rootfsCtx) bindDevice(dfd int, base string, d specs.LinuxDevice) error {
	fd, err := unix.Openat(dfd, base, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o000)
	if err != nil {
		return fmt.Errorf("create bind target: %w", err)
	}
	unix.Close(fd)
	target, err := openInRoot(r.root, d.Path)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := unix.Mount(d.Path, fdPath(target), "bind", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind host device: %w", err)
	}
	return nil
}

// symlink creates path -> target inside the rootfs; an existing file is
// kept unless replace is set.
func (r *rootfsCtx) symlink(path, target string, replace bool) error {
	dir, base, err := r.openParent(path)
	if err != nil {
		return err
	}
	defer dir.Close()
	if replace {
		if err := unix.Unlinkat(int(dir.Fd()), base, 0); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	if err := unix.Symlinkat(target, int(dir.Fd()), base); err != nil && !errors.Is(err, unix.EEXIST) {
		return err
	}
	return nil
}

// openParent creates (inside the rootfs) and opens the parent directory of
// the container path p, returning it with p's last component.
func (r *rootfsCtx) openParent(p string) (*os.File, string, error) {
	p, err := cleanDest(p)
	if err != nil {
		return nil, "", err
	}
	if p == "/" {
		return nil, "", fmt.Errorf("%w: path is /", ErrInvalidMount)
	}
	// Usually the parent exists: one openat2 then, the same directory
	// that resolving its symlinks in the rootfs would give.
	if dir, err := openInRootFlags(r.root, filepath.Dir(p), unix.O_DIRECTORY); err == nil {
		return dir, filepath.Base(p), nil
	}
	parent, err := r.resolveInRoot(filepath.Dir(p))
	if err != nil {
		return nil, "", err
	}
	dir, err := pathrs.MkdirAllHandle(r.root, parent, 0o755)
	if err != nil {
		return nil, "", fmt.Errorf("create parent of %s: %w", p, err)
	}
	return dir, filepath.Base(p), nil
}
