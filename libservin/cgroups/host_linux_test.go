package cgroups_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/cgroups"
	"github.com/servin/servin/libservin/testutil"
)

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func boolp(v bool) *bool   { return &v }
func uniq(t *testing.T) string {
	return fmt.Sprintf("servin-test-%d-%d", os.Getpid(), time.Now().UnixNano())
}

// requireV1 skips unless the host has cgroup v1 controllers (this project's
// machines are hybrid).
func requireV1(t *testing.T) {
	t.Helper()
	testutil.RequireRoot(t)
	if m := cgroups.DetectMode(); m != cgroups.ModeLegacy && m != cgroups.ModeHybrid {
		t.Skipf("skipping: host cgroup mode is %v, this test needs v1 controllers", m)
	}
}

// sleeper starts a child that sleeps; cleanup kills it by PID.
func sleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
	})
	return cmd
}

func destroyOnCleanup(t *testing.T, m *cgroups.Manager) {
	t.Cleanup(func() {
		if err := m.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
}

func readHost(t *testing.T, dir, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func procCgroup(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestHostLifecycle(t *testing.T) {
	requireV1(t)
	name := uniq(t)
	m, err := cgroups.New("/"+name, "x")
	if err != nil {
		t.Fatal(err)
	}
	destroyOnCleanup(t, m)
	child := sleeper(t)
	pid := child.Process.Pid
	if err := m.Apply(pid); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(procCgroup(t, pid)), "\n") {
		if !strings.HasSuffix(line, ":/"+name) {
			t.Errorf("/proc/%d/cgroup line %q is not in /%s", pid, line, name)
		}
	}
	maj := func(v int64) *int64 { return &v }
	res := cgroups.WithDefaultDevices(&specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(50593792), Swap: i64(50593792), Reservation: i64(50593792),
			Swappiness: u64(10), DisableOOMKiller: boolp(true)},
		CPU:  &specs.LinuxCPU{Shares: u64(2048), Quota: i64(50000), Period: u64(500000), Cpus: "0", Mems: "0"},
		Pids: &specs.LinuxPids{Limit: i64(1000)},
		Devices: []specs.LinuxDeviceCgroup{
			{Allow: false, Access: "rwm"},
			{Allow: true, Type: "c", Major: maj(10), Minor: maj(229), Access: "rwm"},
			{Allow: true, Type: "b", Major: maj(8), Minor: maj(20), Access: "rw"},
			{Allow: true, Type: "b", Major: maj(10), Minor: maj(200), Access: "r"},
		},
	})
	if err := m.Set(res); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ key, file, want string }{
		{"memory", "memory.limit_in_bytes", "50593792"}, {"memory", "memory.memsw.limit_in_bytes", "50593792"},
		{"memory", "memory.soft_limit_in_bytes", "50593792"}, {"memory", "memory.swappiness", "10"},
		{"cpu", "cpu.shares", "2048"}, {"cpu", "cpu.cfs_quota_us", "50000"}, {"cpu", "cpu.cfs_period_us", "500000"},
		{"cpuset", "cpuset.cpus", "0"}, {"cpuset", "cpuset.mems", "0"}, {"pids", "pids.max", "1000"},
	}
	for _, c := range checks {
		if got := readHost(t, m.Path(c.key), c.file); got != c.want {
			t.Errorf("%s = %q, want %q", c.file, got, c.want)
		}
	}
	if oc := readHost(t, m.Path("memory"), "memory.oom_control"); !strings.HasPrefix(oc, "oom_kill_disable 1") {
		t.Errorf("memory.oom_control = %q", oc)
	}
	// The suite's check: line i-1 of devices.list is the config's rule i.
	list := strings.Split(readHost(t, m.Path("devices"), "devices.list"), "\n")
	for i, want := range []string{"c 10:229 rwm", "b 8:20 rw", "b 10:200 r", "c *:* m", "b *:* m", "c 1:3 rwm"} {
		if i >= len(list) || list[i] != want {
			t.Errorf("devices.list line %d = %q, want %q (list %q)", i, at(list, i), want, list)
		}
	}

	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if paused, err := m.State(); err != nil || !paused {
		t.Fatalf("after Freeze: paused %v, err %v", paused, err)
	}
	if got := readHost(t, m.Path("freezer"), "freezer.state"); got != "FROZEN" {
		t.Errorf("freezer.state = %q", got)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if paused, _ := m.State(); paused {
		t.Error("paused after Thaw")
	}

	pids, err := m.Pids()
	if err != nil || !slices.Equal(pids, []int{pid}) {
		t.Errorf("Pids = %v, %v; want [%d]", pids, err, pid)
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Pids.Current != 1 || st.Pids.Limit != 1000 {
		t.Errorf("pids stats = %+v", st.Pids)
	}
	if st.Memory.Usage.Limit != 50593792 || st.Memory.Raw == nil {
		t.Errorf("memory stats = %+v", st.Memory.Usage)
	}
	if !slices.Equal(st.CPUSet.CPUs, []uint16{0}) {
		t.Errorf("cpuset stats = %+v", st.CPUSet)
	}

	// Destroy with the process still inside fails and kills nothing.
	if err := m.Destroy(); err == nil {
		t.Error("Destroy succeeded with a process inside")
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		t.Fatal("Destroy killed the process")
	}
	_ = child.Process.Kill()
	_, _ = child.Process.Wait()
	if err := cgroups.Load(m.Paths()).Destroy(); err != nil {
		t.Fatal(err)
	}
	for k, dir := range m.Paths() {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %s still there after Destroy", k, dir)
		}
	}
}

func at(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

func TestHostRelativePath(t *testing.T) {
	requireV1(t)
	top := uniq(t)
	m, err := cgroups.New(top+"/cgrouptest/container", "x")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		// Destroy leaves the parents, as runc does; remove them here.
		for _, dir := range m.Paths() {
			p := filepath.Dir(dir)
			_ = os.Remove(p)
			_ = os.Remove(filepath.Dir(p))
		}
	})
	child := sleeper(t)
	if err := m.Apply(child.Process.Pid); err != nil {
		t.Fatal(err)
	}
	// The three new cpuset levels got their parents' cpus and mems.
	if dir := m.Paths()["cpuset"]; dir != "" {
		for range 3 {
			parent := filepath.Dir(dir)
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				if got, want := readHost(t, dir, f), readHost(t, parent, f); got == "" || got != want {
					t.Errorf("%s/%s = %q, want the parent's %q", dir, f, got, want)
				}
			}
			dir = parent
		}
	}
	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(10)}, CPU: &specs.LinuxCPU{Cpus: "0-1", Mems: "0"}}); err != nil {
		t.Fatal(err)
	}
	own := procCgroup(t, os.Getpid())
	for _, line := range strings.Split(strings.TrimSpace(procCgroup(t, child.Process.Pid)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if !strings.HasSuffix(parts[2], "/"+top+"/cgrouptest/container") {
			t.Errorf("line %q does not end in the relative path", line)
		}
		// It is under this process's own cgroup in the same hierarchy.
		for _, ol := range strings.Split(own, "\n") {
			op := strings.SplitN(ol, ":", 3)
			if len(op) == 3 && op[1] == parts[1] && !strings.HasPrefix(parts[2], strings.TrimSuffix(op[2], "/")+"/") {
				t.Errorf("line %q is not under own cgroup %q", line, op[2])
			}
		}
	}
	_ = child.Process.Kill()
	_, _ = child.Process.Wait()
}

func TestHostDestroyKeepsPreexisting(t *testing.T) {
	requireV1(t)
	name := uniq(t)
	pre := filepath.Join(cgroups.DefaultRoot, "pids", name)
	if err := os.Mkdir(pre, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(pre) })
	m, err := cgroups.New("/"+name, "x")
	if err != nil {
		t.Fatal(err)
	}
	destroyOnCleanup(t, m)
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	if err := cgroups.Load(m.Paths()).Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pre); err != nil {
		t.Errorf("pre-existing %s removed: %v", pre, err)
	}
	if _, err := os.Stat(m.Path("memory")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("created %s kept: %v", m.Path("memory"), err)
	}
}

// TestHostMemoryUpdateOrder raises and lowers memory with memsw: the kernel
// refuses memory above memsw, so the order of the writes matters.
func TestHostMemoryUpdateOrder(t *testing.T) {
	requireV1(t)
	m, err := cgroups.New("/"+uniq(t), "x")
	if err != nil {
		t.Fatal(err)
	}
	destroyOnCleanup(t, m)
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(m.Path("memory"), "memory.memsw.limit_in_bytes")); err != nil {
		t.Skip("skipping: no swap accounting")
	}
	for _, v := range []int64{50 << 20, 150 << 20, 20 << 20, -1} {
		if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(v), Swap: i64(v)}}); err != nil {
			t.Fatalf("set memory %d: %v", v, err)
		}
		want := fmt.Sprint(v)
		if v == -1 {
			want = "9223372036854771712"
		}
		if got := readHost(t, m.Path("memory"), "memory.limit_in_bytes"); got != want {
			t.Errorf("limit = %s, want %s", got, want)
		}
	}
}

func TestHostErrors(t *testing.T) {
	requireV1(t)
	m, err := cgroups.New("/"+uniq(t), "x")
	if err != nil {
		t.Fatal(err)
	}
	destroyOnCleanup(t, m)
	if err := m.Apply(0); err != nil {
		t.Fatal(err)
	}
	err = m.Set(&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1}}})
	if !errors.Is(err, cgroups.ErrInvalid) {
		t.Errorf("bogus hugepage size: err = %v", err)
	}
	if m.Path("net_cls") == "" {
		cls := uint32(255)
		err = m.Set(&specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: &cls}})
		if !errors.Is(err, cgroups.ErrNotMounted) {
			t.Errorf("net_cls: err = %v", err)
		}
	}
	// A quota below the kernel's minimum is the kernel's error, with the file.
	err = m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(10)}})
	if err == nil || !strings.Contains(err.Error(), "cpu.cfs_quota_us") {
		t.Errorf("tiny quota: err = %v", err)
	}
}

// TestHostV2Devices attaches the eBPF device filter to a directory of the
// cgroup2 hierarchy (on a hybrid host: /sys/fs/cgroup/unified) and checks
// that a process there may open /dev/null but not /dev/zero.
func TestHostV2Devices(t *testing.T) {
	testutil.RequireRoot(t)
	top := cgroups.DefaultRoot
	switch cgroups.DetectMode() {
	case cgroups.ModeHybrid:
		top = filepath.Join(top, "unified")
	case cgroups.ModeUnified:
	default:
		t.Skip("skipping: no cgroup2 hierarchy")
	}
	dir := filepath.Join(top, uniq(t))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(dir) })
	m := cgroups.Load(map[string]string{cgroups.UnifiedKey: dir})
	maj := func(v int64) *int64 { return &v }
	err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: maj(1), Minor: maj(3), Access: "rwm"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", `read x; echo hi > /dev/null && echo null-ok; head -c1 /dev/zero >/dev/null 2>&1 || echo zero-denied`)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(fmt.Sprint(cmd.Process.Pid)), 0); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(stdin, "go")
	out, _ := io.ReadAll(bufio.NewReader(stdout))
	if got := strings.Fields(string(out)); !slices.Equal(got, []string{"null-ok", "zero-denied"}) {
		t.Errorf("output %q, want null-ok zero-denied", out)
	}
}
