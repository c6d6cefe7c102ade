// Package userns tells whether the process runs in the initial user
// namespace with full privileges, which decides between trusted.* and
// user.* overlayfs xattrs and whether device nodes can be made.
package userns

import (
	"os"
	"strings"
	"sync"
)

var (
	once    sync.Once
	initial bool
)

// Initial reports whether the process is in the initial user namespace
// (its uid_map is the identity over the whole ID range).
func Initial() bool {
	once.Do(func() {
		data, err := os.ReadFile("/proc/self/uid_map")
		if err != nil {
			initial = true // no user namespaces on this system
			return
		}
		initial = isIdentity(string(data))
	})
	return initial
}

func isIdentity(uidMap string) bool {
	f := strings.Fields(uidMap)
	return len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}

// Privileged reports whether the process is root in the initial user
// namespace: it may set trusted.* xattrs and make device nodes.
func Privileged() bool { return os.Geteuid() == 0 && Initial() }
