package container

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Proc is one process as `servin top` shows it.
type Proc struct {
	PID, PPID int
	UID       string
	Cmd       string
}

// Procs describes the processes pids (from the host's /proc); vanished
// ones are skipped.
func Procs(pids []int) []Proc {
	var out []Proc
	for _, pid := range pids {
		base := "/proc/" + strconv.Itoa(pid)
		stat, err := os.ReadFile(base + "/stat")
		if err != nil {
			continue
		}
		p := Proc{PID: pid, PPID: statField(string(stat), 1)}
		if cmd, err := os.ReadFile(base + "/cmdline"); err == nil && len(cmd) > 0 {
			p.Cmd = strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))
		} else if i, j := strings.IndexByte(string(stat), '('), strings.LastIndexByte(string(stat), ')'); i >= 0 && j > i {
			p.Cmd = "[" + string(stat)[i+1:j] + "]"
		}
		p.UID = statusField(base+"/status", "Uid:")
		out = append(out, p)
	}
	return out
}

// Descendants returns pid and all its descendants (by PPID in /proc): the
// fallback for runtimes without `ps`.
func Descendants(pid int) []int {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if stat, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			pp := statField(string(stat), 1)
			children[pp] = append(children[pp], n)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// statField returns the n-th numeric field after the command in
// /proc/PID/stat (0: state, 1: ppid, ...).
func statField(stat string, n int) int {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	if n >= len(f) {
		return 0
	}
	v, _ := strconv.Atoi(f[n])
	return v
}

func statusField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			if fs := strings.Fields(v); len(fs) > 0 {
				return fs[0]
			}
		}
	}
	return ""
}

// Usage is a container's resource use read from its cgroup.
type Usage struct {
	CPUNanos    uint64 // total CPU time used
	MemoryBytes uint64
	MemoryLimit uint64 // 0: unlimited
	Pids        uint64
}

// CgroupUsage reads the cgroup counters of process pid (cgroup v1 or v2).
func CgroupUsage(pid int) (Usage, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return Usage{}, fmt.Errorf("cgroup of %d: %w", pid, err)
	}
	var u Usage
	found := false
	own := map[string]string{}
	if self, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(self)), "\n") {
			if parts := strings.SplitN(line, ":", 3); len(parts) == 3 {
				own[parts[1]] = parts[2]
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		ctrls, p := strings.Split(parts[1], ","), parts[2]
		if p == "/" || own[parts[1]] == p {
			// The root cgroup or servin's own: the runtime made no cgroup
			// for the container, these counters are not its.
			continue
		}
		if parts[1] == "" && parts[0] == "0" {
			dir := filepath.Join("/sys/fs/cgroup", p)
			if _, err := os.Stat(filepath.Join(dir, "memory.current")); err != nil {
				dir = filepath.Join("/sys/fs/cgroup/unified", p)
			}
			if v, ok := readUint(filepath.Join(dir, "memory.current")); ok {
				u.MemoryBytes, found = v, true
				u.MemoryLimit, _ = readUint(filepath.Join(dir, "memory.max"))
				u.Pids, _ = readUint(filepath.Join(dir, "pids.current"))
				u.CPUNanos = cpuStatUsec(filepath.Join(dir, "cpu.stat")) * 1000
			}
			continue
		}
		for _, c := range ctrls {
			dir := filepath.Join("/sys/fs/cgroup", parts[1], p)
			switch c {
			case "memory":
				if v, ok := readUint(filepath.Join(dir, "memory.usage_in_bytes")); ok {
					u.MemoryBytes, found = v, true
				}
				if v, ok := readUint(filepath.Join(dir, "memory.limit_in_bytes")); ok && v < 1<<62 {
					u.MemoryLimit = v
				}
			case "cpuacct":
				if v, ok := readUint(filepath.Join(dir, "cpuacct.usage")); ok {
					u.CPUNanos, found = v, true
				}
			case "pids":
				if v, ok := readUint(filepath.Join(dir, "pids.current")); ok {
					u.Pids, found = v, true
				}
			}
		}
	}
	if !found {
		return u, fmt.Errorf("cgroup of %d: no cgroup of its own with readable counters", pid)
	}
	return u, nil
}

func readUint(p string) (uint64, bool) {
	data, err := os.ReadFile(p)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	return v, err == nil
}

func cpuStatUsec(p string) uint64 {
	data, _ := os.ReadFile(p)
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}
