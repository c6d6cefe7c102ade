package snapshot

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/servin/servin/libservin/internal/userns"
)

// Mount mounts an overlay of lowers (bottom-first, as Prepare returns them)
// at target: read-write with upper and work directories, or read-only
// without them. Any number of layers works: the mount is made with
// fsopen/fsconfig, one "lowerdir+" per layer, so the 4 KiB limit of
// mount(2) data does not apply; on kernels without "lowerdir+" (before 6.8)
// mount(2) is used, naming the lowers as short /proc/self/fd/N links when
// the full paths would not fit.
func Mount(lowers []string, upper, work, target string, readonly bool) error {
	p, err := newOverlayPlan(lowers, upper, work, readonly)
	if err != nil {
		return fmt.Errorf("mount %s: %w", target, err)
	}
	p.userxattr = !userns.Privileged()
	if p.bindLower {
		return bindReadonly(p.lowers[0], target)
	}
	err = mountNewAPI(p, target)
	if errors.Is(err, errNoNewAPI) {
		err = mountLegacy(p, target)
	}
	if err != nil {
		return fmt.Errorf("mount overlay on %s: %w", target, err)
	}
	return nil
}

var forceLegacy = false // set by tests to exercise the mount(2) path

// errNoNewAPI says the kernel lacks fsopen(2) or overlay's "lowerdir+".
var errNoNewAPI = errors.New("no fsopen overlay lowerdir+")

func mountNewAPI(p *overlayPlan, target string) error {
	if forceLegacy {
		return errNoNewAPI
	}
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err == unix.ENOSYS {
		return errNoNewAPI
	}
	if err != nil {
		return fmt.Errorf("fsopen: %w", err)
	}
	defer unix.Close(fsfd)
	for i, l := range p.lowers {
		if err := unix.FsconfigSetString(fsfd, "lowerdir+", l); err != nil {
			if i == 0 && err == unix.EINVAL {
				if _, serr := os.Stat(l); serr == nil {
					return errNoNewAPI // an existing directory refused: the key is unknown
				}
			}
			return fmt.Errorf("lowerdir+ %s: %w", l, err)
		}
	}
	if p.upper != "" {
		if err := unix.FsconfigSetString(fsfd, "upperdir", p.upper); err != nil {
			return fmt.Errorf("upperdir %s: %w", p.upper, err)
		}
		if err := unix.FsconfigSetString(fsfd, "workdir", p.work); err != nil {
			return fmt.Errorf("workdir %s: %w", p.work, err)
		}
	}
	_ = unix.FsconfigSetString(fsfd, "index", "off")
	if p.userxattr {
		if err := unix.FsconfigSetFlag(fsfd, "userxattr"); err != nil {
			return fmt.Errorf("userxattr: %w", err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return fmt.Errorf("create overlay: %w", err)
	}
	attr := 0
	if p.readonly {
		attr = unix.MOUNT_ATTR_RDONLY
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, attr)
	if err != nil {
		return fmt.Errorf("fsmount: %w", err)
	}
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("move mount: %w", err)
	}
	return nil
}

func mountLegacy(p *overlayPlan, target string) error {
	flags := uintptr(0)
	if p.readonly {
		flags |= unix.MS_RDONLY
	}
	data := p.data(p.lowers)
	if len(data) < os.Getpagesize()-1 {
		return unix.Mount("overlay", target, "overlay", flags, data)
	}
	// Too long for one page: name each lower by an fd opened here. The
	// kernel resolves the lowers during mount(2), so the fds can be closed
	// afterwards.
	short := make([]string, 0, len(p.lowers))
	for _, l := range p.lowers {
		fd, err := unix.Open(l, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open lower %s: %w", l, err)
		}
		defer unix.Close(fd)
		short = append(short, fmt.Sprintf("/proc/self/fd/%d", fd))
	}
	data = p.data(short)
	if len(data) >= os.Getpagesize()-1 {
		return fmt.Errorf("%d layers do not fit in one mount(2) call on this kernel (needs 6.8 for more)", len(p.lowers))
	}
	return unix.Mount("overlay", target, "overlay", flags, data)
}

func bindReadonly(src, target string) error {
	if err := unix.Mount(src, target, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s on %s: %w", src, target, err)
	}
	if err := unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		_ = unix.Unmount(target, unix.MNT_DETACH)
		return fmt.Errorf("remount %s read-only: %w", target, err)
	}
	return nil
}

// Unmount unmounts the overlay (or bind mount) at target.
func Unmount(target string) error {
	if err := unix.Unmount(target, 0); err != nil {
		if err == unix.EINVAL {
			return fmt.Errorf("unmount %s: %w", target, ErrNotMounted)
		}
		return fmt.Errorf("unmount %s: %w", target, err)
	}
	return nil
}
