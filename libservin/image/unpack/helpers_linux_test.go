package unpack_test

import (
	"os"
	"syscall"
)

type statInfo struct{ nlink, uid, gid uint64 }

func sysStat(fi os.FileInfo) (statInfo, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return statInfo{}, false
	}
	return statInfo{nlink: uint64(st.Nlink), uid: uint64(st.Uid), gid: uint64(st.Gid)}, true
}
