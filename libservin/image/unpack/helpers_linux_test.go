package unpack_test

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

type statInfo struct{ nlink, uid, gid uint64 }

func sysStat(fi os.FileInfo) (statInfo, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return statInfo{}, false
	}
	return statInfo{nlink: uint64(st.Nlink), uid: uint64(st.Uid), gid: uint64(st.Gid)}, true
}

// xattrList lists p's xattr names (not following a symlink).
func xattrList(p string) string {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(p, buf)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(buf[:n])
}
