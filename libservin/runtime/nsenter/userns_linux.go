//go:build linux && cgo

package nsenter

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// IDMap is one line of a uid_map or gid_map: Size ids from InsideID (in
// the new user namespace) map to OutsideID (in the caller's).
type IDMap struct {
	InsideID, OutsideID, Size uint32
}

// NewUserNamespace returns a handle (a /proc/<pid>/ns/user file) on a new
// user namespace with the given maps, for idmapped mounts
// (mount_setattr MOUNT_ATTR_IDMAP). No process stays in it: a short-lived
// child holds it while the maps are written and the handle opened.
// Writing the maps needs CAP_SETUID/CAP_SETGID over the mapped ids.
func NewUserNamespace(uids, gids []IDMap) (*os.File, error) {
	if len(uids) == 0 || len(gids) == 0 {
		return nil, errors.New("user namespace for idmapped mount: uid and gid maps are both required")
	}
	pid, release, err := userNamespaceChild()
	if err != nil {
		return nil, err
	}
	defer func() {
		release.Close()
		var ws unix.WaitStatus
		for {
			if _, err := unix.Wait4(pid, &ws, 0, nil); !errors.Is(err, unix.EINTR) {
				break
			}
		}
	}()
	dir := "/proc/" + strconv.Itoa(pid)
	for _, m := range []struct {
		file string
		maps []IDMap
	}{{"uid_map", uids}, {"gid_map", gids}} {
		var sb strings.Builder
		for _, l := range m.maps {
			fmt.Fprintf(&sb, "%d %d %d\n", l.InsideID, l.OutsideID, l.Size)
		}
		if err := os.WriteFile(dir+"/"+m.file, []byte(sb.String()), 0); err != nil {
			return nil, fmt.Errorf("user namespace for idmapped mount: write %s: %w", m.file, err)
		}
	}
	f, err := os.Open(dir + "/ns/user")
	if err != nil {
		return nil, fmt.Errorf("user namespace for idmapped mount: %w", err)
	}
	return f, nil
}
