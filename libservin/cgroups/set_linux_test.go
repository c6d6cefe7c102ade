package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }
func bptr(v bool) *bool    { return &v }

// kernelFiles stands in for the kernel: it creates dir with the control
// files given as name → initial content.
func kernelFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	mkdir(t, dir)
	for name, content := range files {
		writeTestFile(t, filepath.Join(dir, name), content)
	}
}

func readTestFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// v1Manager gives a manager for /c on a fake hybrid tree with the control
// files of this host's kernel in place, and a fake hugepages list.
func v1Manager(t *testing.T) *Manager {
	t.Helper()
	root := fakeV1(t)
	m, err := New("/c", "id", WithRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	m.cfg.hugepages = t.TempDir()
	mkdir(t, filepath.Join(m.cfg.hugepages, "hugepages-2048kB"))
	mkdir(t, filepath.Join(m.cfg.hugepages, "hugepages-1048576kB"))
	empty := func(names ...string) map[string]string {
		out := map[string]string{}
		for _, n := range names {
			out[n] = ""
		}
		return out
	}
	kernelFiles(t, m.paths["memory"], map[string]string{
		"memory.limit_in_bytes": "9223372036854771712", "memory.memsw.limit_in_bytes": "9223372036854771712",
		"memory.kmem.limit_in_bytes": "", "memory.kmem.tcp.limit_in_bytes": "", "memory.soft_limit_in_bytes": "",
		"memory.swappiness": "60", "memory.oom_control": "", "memory.usage_in_bytes": "4096",
	})
	kernelFiles(t, m.paths["cpu"], empty("cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.cfs_burst_us",
		"cpu.rt_period_us", "cpu.rt_runtime_us", "cpu.idle"))
	kernelFiles(t, m.paths["cpuset"], empty("cpuset.cpus", "cpuset.mems"))
	kernelFiles(t, m.paths["pids"], empty("pids.max"))
	kernelFiles(t, m.paths["blkio"], empty("blkio.bfq.weight", "blkio.bfq.weight_device", "blkio.throttle.read_bps_device",
		"blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"))
	kernelFiles(t, m.paths["devices"], empty("devices.allow", "devices.deny", "devices.list"))
	kernelFiles(t, m.paths[UnifiedKey], empty("hugetlb.2MB.max", "hugetlb.1GB.max", "cgroup.controllers", "cgroup.subtree_control"))
	return m
}

func TestSetV1(t *testing.T) {
	type check struct{ key, file, want string }
	tests := []struct {
		name    string
		res     specs.LinuxResources
		checks  []check
		wantErr string
		errIs   error
	}{
		{name: "memory as the suite sets it", res: specs.LinuxResources{Memory: &specs.LinuxMemory{
			Limit: i64(50593792), Reservation: i64(50593792), Swap: i64(50593792), Kernel: i64(50593792),
			KernelTCP: i64(50593792), Swappiness: u64(10), DisableOOMKiller: bptr(true),
		}}, checks: []check{
			{"memory", "memory.limit_in_bytes", "50593792"}, {"memory", "memory.memsw.limit_in_bytes", "50593792"},
			{"memory", "memory.soft_limit_in_bytes", "50593792"}, {"memory", "memory.kmem.limit_in_bytes", "50593792"},
			{"memory", "memory.kmem.tcp.limit_in_bytes", "50593792"}, {"memory", "memory.swappiness", "10"},
			{"memory", "memory.oom_control", "1"},
		}},
		{name: "memory unlimited sets swap unlimited", res: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}},
			checks: []check{{"memory", "memory.limit_in_bytes", "-1"}, {"memory", "memory.memsw.limit_in_bytes", "-1"}}},
		{name: "swappiness over 100", res: specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(101)}}, errIs: ErrInvalid},
		{name: "memory below usage with checkBeforeUpdate", res: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1024), CheckBeforeUpdate: bptr(true)}},
			wantErr: "below current usage"},
		{name: "cpu", res: specs.LinuxResources{CPU: &specs.LinuxCPU{
			Shares: u64(1024), Quota: i64(50000), Period: u64(500000), Burst: u64(1000), RealtimePeriod: u64(1000000),
			RealtimeRuntime: i64(950000), Cpus: "0-1", Mems: "0", Idle: i64(1),
		}}, checks: []check{
			{"cpu", "cpu.shares", "1024"}, {"cpu", "cpu.cfs_quota_us", "50000"}, {"cpu", "cpu.cfs_period_us", "500000"},
			{"cpu", "cpu.cfs_burst_us", "1000"}, {"cpu", "cpu.rt_period_us", "1000000"}, {"cpu", "cpu.rt_runtime_us", "950000"},
			{"cpu", "cpu.idle", "1"}, {"cpuset", "cpuset.cpus", "0-1"}, {"cpuset", "cpuset.mems", "0"},
		}},
		{name: "unlimited quota", res: specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(-1)}},
			checks: []check{{"cpu", "cpu.cfs_quota_us", "-1"}}},
		{name: "pids", res: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(1000)}}, checks: []check{{"pids", "pids.max", "1000"}}},
		{name: "pids unlimited", res: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, checks: []check{{"pids", "pids.max", "max"}}},
		{name: "blkio weight falls back to bfq", res: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
			Weight: u16(500), WeightDevice: []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(300)}},
			ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 102400}},
		}}, checks: []check{
			{"blkio", "blkio.bfq.weight", "500"}, {"blkio", "blkio.bfq.weight_device", "8:0 300"},
			{"blkio", "blkio.throttle.read_bps_device", "8:0 102400"},
		}},
		{name: "blkio leaf weight missing", res: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{LeafWeight: u16(300)}},
			wantErr: "no blkio.leaf_weight"},
		{name: "hugetlb in unified", res: specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 2 << 30}}},
			checks: []check{{UnifiedKey, "hugetlb.2MB.max", "2147483648"}}},
		{name: "bogus hugepage size fails before any write", res: specs.LinuxResources{
			Memory:         &specs.LinuxMemory{Limit: i64(4096)},
			HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1}},
		}, errIs: ErrInvalid, checks: []check{{"memory", "memory.limit_in_bytes", "9223372036854771712"}}},
		{name: "network without net_cls", res: specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(255)}}, errIs: ErrNotMounted},
		{name: "network priorities without net_prio", res: specs.LinuxResources{Network: &specs.LinuxNetwork{
			Priorities: []specs.LinuxInterfacePriority{{Name: "lo", Priority: 10}}}}, errIs: ErrNotMounted},
		{name: "unified hugetlb key on hybrid", res: specs.LinuxResources{Unified: map[string]string{"hugetlb.1GB.max": "0"}},
			checks: []check{{UnifiedKey, "hugetlb.1GB.max", "0"}}},
		{name: "unified memory key on hybrid", res: specs.LinuxResources{Unified: map[string]string{"memory.max": "1"}}, errIs: ErrUnsupported},
		{name: "unified key with slash", res: specs.LinuxResources{Unified: map[string]string{"../x": "1"}}, errIs: ErrInvalid},
		{name: "bad device type", res: specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Type: "x"}}}, errIs: ErrInvalid},
		{name: "devices", res: specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"},
			{Allow: true, Type: "c", Major: i64(10), Minor: i64(229), Access: "rwm"}}},
			checks: []check{{"devices", "devices.deny", "a *:* rwm"}, {"devices", "devices.allow", "c 10:229 rwm"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := v1Manager(t)
			err := m.Set(&tc.res)
			switch {
			case tc.errIs != nil:
				if !errors.Is(err, tc.errIs) {
					t.Fatalf("err = %v, want %v", err, tc.errIs)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			}
			for _, c := range tc.checks {
				if got := readTestFile(t, filepath.Join(m.paths[c.key], c.file)); got != c.want {
					t.Errorf("%s = %q, want %q", c.file, got, c.want)
				}
			}
		})
	}
}

func TestSetV1HugetlbEnablesController(t *testing.T) {
	m := v1Manager(t)
	top := filepath.Dir(m.paths[UnifiedKey])
	if err := m.Set(&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB", Limit: 0}}}); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, filepath.Join(top, "cgroup.subtree_control")); got != "+hugetlb" {
		t.Errorf("subtree_control = %q, want +hugetlb", got)
	}
}

func TestLegacyHostRefusesUnified(t *testing.T) {
	root := t.TempDir()
	mkdir(t, filepath.Join(root, "memory"))
	m, err := New("/c", "id", WithRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Set(&specs.LinuxResources{Unified: map[string]string{"memory.max": "1"}})
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", err)
	}
	err = m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(1)}})
	if !errors.Is(err, ErrNotMounted) || !strings.Contains(err.Error(), "cannot set pids limit") {
		t.Fatalf("err = %v, want pids not mounted", err)
	}
}

func TestDeviceWrites(t *testing.T) {
	maj := func(v int64) *int64 { return &v }
	// The suite's devices test: deny all first, then three allows.
	rules := []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: maj(10), Minor: maj(229), Access: "rwm"},
		{Allow: true, Type: "b", Major: maj(8), Minor: maj(20), Access: "rw"},
		{Allow: true, Type: "b", Major: maj(10), Minor: maj(200), Access: "r"},
	}
	got, err := deviceWrites(WithDefaultDevices(&specs.LinuxResources{Devices: rules}).Devices)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{
		{"devices.deny", "a *:* rwm"},
		{"devices.deny", "a *:* rwm"},
		{"devices.allow", "c 10:229 rwm"},
		{"devices.allow", "b 8:20 rw"},
		{"devices.allow", "b 10:200 r"},
		{"devices.allow", "c *:* m"},
		{"devices.allow", "b *:* m"},
		{"devices.allow", "c 1:3 rwm"},
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("write %d = %v, want %v", i, got[i], w)
		}
	}
	if n := len(got); n != 2+3+len(DefaultDeviceRules()) {
		t.Errorf("%d writes", n)
	}
	for _, bad := range []specs.LinuxDeviceCgroup{{Type: "q"}, {Type: "c", Access: "rwx"}, {Type: "c", Access: "rr"}} {
		if _, err := deviceWrites([]specs.LinuxDeviceCgroup{bad}); !errors.Is(err, ErrInvalid) {
			t.Errorf("rule %+v: err = %v, want ErrInvalid", bad, err)
		}
	}
	// The config is not modified.
	if len(rules) != 4 {
		t.Error("WithDefaultDevices changed its input")
	}
}

func v2Manager(t *testing.T) *Manager {
	t.Helper()
	root := fakeV2(t)
	m, err := New("/c", "id", WithRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	m.cfg.hugepages = t.TempDir()
	mkdir(t, filepath.Join(m.cfg.hugepages, "hugepages-2048kB"))
	files := map[string]string{}
	for _, f := range []string{"cpuset.cpus", "cpuset.mems", "memory.max", "memory.swap.max", "memory.low", "cpu.weight",
		"cpu.max", "cpu.max.burst", "cpu.idle", "pids.max", "io.weight", "io.max", "hugetlb.2MB.max", "cgroup.freeze", "memory.current"} {
		files[f] = ""
	}
	files["cgroup.events"] = "populated 0\nfrozen 0\n"
	kernelFiles(t, m.paths[UnifiedKey], files)
	return m
}

func TestSetV2(t *testing.T) {
	type check struct{ file, want string }
	tests := []struct {
		name   string
		res    specs.LinuxResources
		checks []check
		errIs  error
		errStr string
	}{
		{name: "memory and swap", res: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100 << 20), Swap: i64(150 << 20), Reservation: i64(50 << 20)}},
			checks: []check{{"memory.max", "104857600"}, {"memory.swap.max", "52428800"}, {"memory.low", "52428800"}}},
		{name: "swap equal to memory disables swap", res: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(100)}},
			checks: []check{{"memory.max", "100"}, {"memory.swap.max", "0"}}},
		{name: "unlimited", res: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}},
			checks: []check{{"memory.max", "max"}, {"memory.swap.max", "max"}}},
		{name: "swap below memory", res: specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(50)}}, errStr: "should be >= memory limit"},
		{name: "swap without memory", res: specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i64(50)}}, errStr: "without memory limit"},
		{name: "cpu", res: specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(1024), Quota: i64(50000), Period: u64(100000), Cpus: "0", Mems: "0", Burst: u64(10)}},
			checks: []check{{"cpu.weight", "39"}, {"cpu.max", "50000 100000"}, {"cpuset.cpus", "0"}, {"cpu.max.burst", "10"}}},
		{name: "period only", res: specs.LinuxResources{CPU: &specs.LinuxCPU{Period: u64(100000)}}, checks: []check{{"cpu.max", "max 100000"}}},
		{name: "realtime refused", res: specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: i64(1)}}, errIs: ErrUnsupported},
		{name: "network refused", res: specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}}, errIs: ErrUnsupported},
		{name: "leaf weight refused", res: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{LeafWeight: u16(10)}}, errIs: ErrUnsupported},
		{name: "pids", res: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}, checks: []check{{"pids.max", "max"}}},
		{name: "io", res: specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500),
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 10}}}},
			checks: []check{{"io.weight", "default 4950"}, {"io.max", "8:0 wiops=10"}}},
		{name: "hugetlb", res: specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}},
			checks: []check{{"hugetlb.2MB.max", "4194304"}}},
		{name: "hugetlb bogus", res: specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1}}}, errIs: ErrInvalid},
		{name: "unified", res: specs.LinuxResources{Unified: map[string]string{"memory.max": "4096"}}, checks: []check{{"memory.max", "4096"}}},
		{name: "unified missing file", res: specs.LinuxResources{Unified: map[string]string{"memory.nothing": "1"}}, errStr: "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := v2Manager(t)
			err := m.Set(&tc.res)
			switch {
			case tc.errIs != nil:
				if !errors.Is(err, tc.errIs) {
					t.Fatalf("err = %v, want %v", err, tc.errIs)
				}
				return
			case tc.errStr != "":
				if err == nil || !strings.Contains(err.Error(), tc.errStr) {
					t.Fatalf("err = %v, want %q", err, tc.errStr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			for _, c := range tc.checks {
				if got := readTestFile(t, filepath.Join(m.paths[UnifiedKey], c.file)); got != c.want {
					t.Errorf("%s = %q, want %q", c.file, got, c.want)
				}
			}
		})
	}
}

func TestApplyV2EnablesControllers(t *testing.T) {
	m := v2Manager(t)
	root := filepath.Dir(m.paths[UnifiedKey])
	writeTestFile(t, filepath.Join(m.paths[UnifiedKey], "cgroup.procs"), "")
	if err := m.Apply(1234); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, filepath.Join(root, "cgroup.subtree_control")); got != "+cpuset +cpu +io +memory +hugetlb +pids +rdma +misc" {
		t.Errorf("subtree_control = %q", got)
	}
	if got := readTestFile(t, filepath.Join(m.paths[UnifiedKey], "cgroup.procs")); got != "1234" {
		t.Errorf("cgroup.procs = %q", got)
	}
	if p := m.Paths(); p[PreexistingKey] != m.paths[UnifiedKey] {
		t.Errorf("pre-existing dir not recorded: %v", p)
	}
	// Freeze on v2 waits for cgroup.events to say frozen.
	writeTestFile(t, filepath.Join(m.paths[UnifiedKey], "cgroup.events"), "populated 1\nfrozen 1\n")
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if paused, err := m.State(); err != nil || !paused {
		t.Fatalf("State = %v, %v", paused, err)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if paused, _ := m.State(); paused {
		t.Fatal("still paused after Thaw")
	}
}

func TestSharesAndWeights(t *testing.T) {
	for shares, want := range map[uint64]uint64{2: 1, 1024: 39, 262144: 10000, 1: 1, 1 << 20: 10000} {
		if got := sharesToWeight(shares); got != want {
			t.Errorf("sharesToWeight(%d) = %d, want %d", shares, got, want)
		}
	}
	for w, want := range map[uint16]uint64{10: 1, 1000: 10000, 500: 4950} {
		if got := blkioWeightToIO(w); got != want {
			t.Errorf("blkioWeightToIO(%d) = %d, want %d", w, got, want)
		}
	}
}
