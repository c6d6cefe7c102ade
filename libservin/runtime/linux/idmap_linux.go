package linux

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/runtime/nsenter"
	"golang.org/x/sys/unix"
)

// PrepareIDMappedMounts makes, in the runtime's own mount and user
// namespaces, a detached idmapped clone of the source of every mount of s
// that asks for one (the idmap or ridmap option, or uidMappings and
// gidMappings of its own): open_tree(OPEN_TREE_CLONE), then
// mount_setattr(MOUNT_ATTR_IDMAP) with a user namespace carrying the
// mount's maps (or, without any, the container's). It is done here, by the
// parent, because idmapping needs privilege over the source's filesystem,
// which the init no longer has once it is in the container's user
// namespace; the init only attaches the trees (RootfsOptions.MountFds).
//
// A mapping {containerID C, hostID H, size N} shows a file owned by C..C+N-1
// on disk as owned by H..H+N-1 through the mount (the user namespace's
// uid_map line "C H N"). The result has one entry per config mount, nil
// where there is nothing to prepare; nil when no mount asks for it. The
// caller closes the files.
func PrepareIDMappedMounts(s *specs.Spec, bundleDir string) (_ []*os.File, err error) {
	if s == nil {
		return nil, nil
	}
	var out []*os.File
	defer func() {
		if err != nil {
			closeAll(out)
		}
	}()
	users := map[string]*os.File{}
	defer func() {
		for _, f := range users {
			f.Close()
		}
	}()
	for i, m := range s.Mounts {
		o, err := parseSpecMount(m)
		if err != nil || !wantsIDMap(m, o) {
			continue // mounts that are not idmapped are the init's business
		}
		if out == nil {
			out = make([]*os.File, len(s.Mounts))
		}
		tree, err := idmappedTree(s, m, o, bundleDir, users)
		if err != nil {
			return nil, fmt.Errorf("idmapped mount %s: %w", m.Destination, err)
		}
		out[i] = tree
	}
	return out, nil
}

// idmappedTree clones the source of m and idmaps the clone.
func idmappedTree(s *specs.Spec, m specs.Mount, o mountOptions, bundleDir string, users map[string]*os.File) (*os.File, error) {
	uids, gids := m.UIDMappings, m.GIDMappings
	if len(uids) == 0 && len(gids) == 0 && s.Linux != nil {
		uids, gids = s.Linux.UIDMappings, s.Linux.GIDMappings
	}
	if len(uids) == 0 || len(gids) == 0 {
		return nil, fmt.Errorf("%w: both uidMappings and gidMappings are needed, in the mount or for a user namespace", ErrInvalidMount)
	}
	key := mapKey(uids) + "/" + mapKey(gids)
	userns := users[key]
	if userns == nil {
		var err error
		if userns, err = nsenter.NewUserNamespace(idMaps(uids), idMaps(gids)); err != nil {
			return nil, err
		}
		users[key] = userns
	}
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	if o.recursive() {
		flags |= unix.AT_RECURSIVE
	}
	src := bindSource(m.Source, bundleDir)
	fd, err := unix.OpenTree(unix.AT_FDCWD, src, uint(flags))
	if err != nil {
		return nil, fmt.Errorf("clone %s: %w", src, err)
	}
	tree := os.NewFile(uintptr(fd), src)
	setFlags := unix.AT_EMPTY_PATH
	if o.ridmap {
		setFlags |= unix.AT_RECURSIVE
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(userns.Fd())}
	if err := unix.MountSetattr(fd, "", uint(setFlags), &attr); err != nil {
		tree.Close()
		return nil, fmt.Errorf("idmap %s (the filesystem may not support idmapped mounts): %w", src, err)
	}
	return tree, nil
}

func idMaps(in []specs.LinuxIDMapping) []nsenter.IDMap {
	out := make([]nsenter.IDMap, len(in))
	for i, m := range in {
		out[i] = nsenter.IDMap{InsideID: m.ContainerID, OutsideID: m.HostID, Size: m.Size}
	}
	return out
}

func mapKey(in []specs.LinuxIDMapping) string {
	var sb strings.Builder
	for _, m := range in {
		sb.WriteString(strconv.FormatUint(uint64(m.ContainerID), 10) + ":" + strconv.FormatUint(uint64(m.HostID), 10) + ":" + strconv.FormatUint(uint64(m.Size), 10) + ",")
	}
	return sb.String()
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close()
		}
	}
}

// IDMapSupported reports whether this process can make idmapped mounts:
// it idmaps a detached, private tmpfs (Linux 6.3+ idmaps tmpfs; the
// filesystems usually bind-mounted, ext4, xfs and btrfs, since 5.12-5.15).
// Whether a given source's filesystem supports it is only known at
// create.
func IDMapSupported() bool {
	userns, err := nsenter.NewUserNamespace([]nsenter.IDMap{{Size: 1}}, []nsenter.IDMap{{Size: 1}})
	if err != nil {
		return false
	}
	defer userns.Close()
	fsfd, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return false
	}
	defer unix.Close(fsfd)
	if unix.FsconfigCreate(fsfd) != nil {
		return false
	}
	mnt, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(mnt)
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(userns.Fd())}
	return unix.MountSetattr(mnt, "", unix.AT_EMPTY_PATH, &attr) == nil
}
