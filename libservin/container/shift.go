package container

import (
	"io/fs"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ShiftOwnership rewrites the owners of every file under rootfs from
// container IDs to host IDs through the mappings, so that a container in a
// user namespace owns its root filesystem (docker's userns-remap does the
// same for its layers). IDs outside the mappings are left alone.
func ShiftOwnership(rootfs string, uids, gids []specs.LinuxIDMapping) error {
	return filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		uid, gid, ok := owner(fi)
		if !ok {
			return nil
		}
		nu, nuok := mapID(uids, uid)
		ng, ngok := mapID(gids, gid)
		if !nuok && !ngok {
			return nil
		}
		if !nuok {
			nu = uid
		}
		if !ngok {
			ng = gid
		}
		mode := fi.Mode()
		if err := os.Lchown(p, int(nu), int(ng)); err != nil {
			return err
		}
		// chown clears set-id bits; restore them (not for symlinks).
		if mode&(os.ModeSetuid|os.ModeSetgid) != 0 && mode&os.ModeSymlink == 0 {
			return os.Chmod(p, mode&(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky))
		}
		return nil
	})
}

func mapID(m []specs.LinuxIDMapping, id uint32) (uint32, bool) {
	for _, x := range m {
		if id >= x.ContainerID && id < x.ContainerID+x.Size {
			return x.HostID + id - x.ContainerID, true
		}
	}
	return 0, false
}
