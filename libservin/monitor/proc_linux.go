package monitor

import (
	"os"
	"strconv"
	"strings"
)

// BootID identifies the current boot: containers recorded as running
// under another boot ID are exited (the host rebooted).
func BootID() string {
	data, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// ProcessStartTime is the start time of pid in clock ticks since boot
// (/proc/PID/stat field 22), 0 when unknown; with the pid it identifies a
// process across pid reuse.
func ProcessStartTime(pid int) uint64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return 0
	}
	n, _ := strconv.ParseUint(fields[19], 10, 64)
	return n
}

// Alive reports whether the process pid with start time start still runs.
func Alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st := ProcessStartTime(pid)
	return st != 0 && (start == 0 || st == start)
}
