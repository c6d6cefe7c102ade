package registry

import (
	"os"
	"strconv"
	"strings"
)

// isZombie reports whether pid has exited but not been reaped; such a
// process no longer serves and must count as stopped.
func isZombie(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	return s[i+2] == 'Z'
}
