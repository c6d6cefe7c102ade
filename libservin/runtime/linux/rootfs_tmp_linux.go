package linux

// TEMPORARY minimal root filesystem setup, replaced by the rootfs branch.

import (
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

type RootfsOptions struct {
	NoPivot     bool
	BeforePivot func() error
}

func PrepareRootfs(s *specs.Spec, rootfs string, opts RootfsOptions) error {
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return err
	}
	if err := unix.Mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	for _, m := range s.Mounts {
		dst := filepath.Join(rootfs, m.Destination)
		os.MkdirAll(dst, 0o755)
		var flags uintptr
		var data []string
		for _, o := range m.Options {
			switch o {
			case "ro":
				flags |= unix.MS_RDONLY
			case "nosuid":
				flags |= unix.MS_NOSUID
			case "nodev":
				flags |= unix.MS_NODEV
			case "noexec":
				flags |= unix.MS_NOEXEC
			case "bind":
				flags |= unix.MS_BIND
			case "rbind":
				flags |= unix.MS_BIND | unix.MS_REC
			case "relatime", "strictatime", "newinstance":
				if o == "newinstance" {
					data = append(data, o)
				}
			default:
				data = append(data, o)
			}
		}
		if m.Type == "cgroup" {
			continue
		}
		if err := unix.Mount(m.Source, dst, m.Type, flags, strings.Join(data, ",")); err != nil {
			return err
		}
	}
	dev := filepath.Join(rootfs, "dev")
	for _, d := range []struct {
		name         string
		major, minor uint32
	}{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}} {
		p := filepath.Join(dev, d.name)
		unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(d.major, d.minor)))
		unix.Chmod(p, 0o666)
	}
	os.Symlink("pts/ptmx", filepath.Join(dev, "ptmx"))
	os.Symlink("/proc/self/fd", filepath.Join(dev, "fd"))
	if opts.BeforePivot != nil {
		if err := opts.BeforePivot(); err != nil {
			return err
		}
	}
	if err := unix.Chdir(rootfs); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return err
	}
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return err
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return err
	}
	return unix.Chdir("/")
}

func FinalizeRootfs(s *specs.Spec) error {
	if s.Root != nil && s.Root.Readonly {
		return unix.Mount("", "/", "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, "")
	}
	return nil
}

func CleanupRootfs(rootfs string) error { return nil }
