package cgroups

import (
	"fmt"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of cpuacct.stat (100 on every Linux
// architecture Go supports).
const clockTicks = 100

// Stats reads the container's counters (runc events --stats). Counters of
// controllers the host lacks stay zero.
func (m *Manager) Stats() (*Stats, error) {
	s := &Stats{Hugetlb: map[string]Hugetlb{}}
	var err error
	if m.isV2() {
		err = m.statsV2(s)
	} else {
		err = m.statsV1(s)
	}
	if err != nil {
		return nil, err
	}
	if err := m.hugetlbStats(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (m *Manager) statsV1(s *Stats) error {
	steps := []struct {
		key string
		fn  func(string, *Stats) error
	}{
		{"cpuacct", cpuacctStats}, {"cpu", cpuStatsV1}, {"cpuset", cpusetStats},
		{"memory", memoryStatsV1}, {"pids", pidsStats}, {"blkio", blkioStats},
	}
	for _, st := range steps {
		dir := m.paths[st.key]
		if dir == "" {
			continue
		}
		if err := st.fn(dir, s); err != nil {
			return fmt.Errorf("read %s stats of %s: %w", st.key, dir, err)
		}
	}
	return nil
}

func readUints(dir, file string) ([]uint64, error) {
	str, err := readFile(dir, file)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, f := range strings.Fields(str) {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", file, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func cpuacctStats(dir string, s *Stats) error {
	var err error
	if s.CPU.Usage.Total, err = readUint(dir, "cpuacct.usage"); err != nil {
		return err
	}
	if s.CPU.Usage.Percpu, err = readUints(dir, "cpuacct.usage_percpu"); err != nil {
		return err
	}
	if v, err := readUints(dir, "cpuacct.usage_percpu_sys"); err == nil {
		s.CPU.Usage.PercpuKernel = v
	}
	if v, err := readUints(dir, "cpuacct.usage_percpu_user"); err == nil {
		s.CPU.Usage.PercpuUser = v
	}
	kv, err := readKeyValues(dir, "cpuacct.stat")
	if err != nil {
		return err
	}
	const nsPerTick = 1_000_000_000 / clockTicks
	s.CPU.Usage.User = kv["user"] * nsPerTick
	s.CPU.Usage.Kernel = kv["system"] * nsPerTick
	return nil
}

func cpuStatsV1(dir string, s *Stats) error {
	kv, err := readKeyValues(dir, "cpu.stat")
	if err != nil {
		return ignoreNotExist(err)
	}
	s.CPU.Throttling = Throttling{Periods: kv["nr_periods"], ThrottledPeriods: kv["nr_throttled"], ThrottledTime: kv["throttled_time"]}
	return nil
}

// parseList reads a cpu or memory node list such as "0-3,8".
func parseList(str string) ([]uint16, error) {
	var out []uint16
	for _, part := range strings.Split(strings.TrimSpace(str), ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("parse list %q: %w", str, err)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return nil, fmt.Errorf("parse list %q: bad range %q", str, part)
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, uint16(i))
		}
	}
	return out, nil
}

func cpusetStats(dir string, s *Stats) error {
	for _, l := range []struct {
		file string
		dst  *[]uint16
	}{{"cpuset.cpus", &s.CPUSet.CPUs}, {"cpuset.mems", &s.CPUSet.Mems}} {
		str, err := readFile(dir, l.file)
		if err != nil {
			return err
		}
		if *l.dst, err = parseList(str); err != nil {
			return err
		}
	}
	flags := []struct {
		file string
		dst  *uint64
	}{
		{"cpuset.cpu_exclusive", &s.CPUSet.CPUExclusive}, {"cpuset.mem_hardwall", &s.CPUSet.MemHardwall},
		{"cpuset.mem_exclusive", &s.CPUSet.MemExclusive}, {"cpuset.memory_migrate", &s.CPUSet.MemoryMigrate},
		{"cpuset.memory_spread_page", &s.CPUSet.MemorySpreadPage}, {"cpuset.memory_spread_slab", &s.CPUSet.MemorySpreadSlab},
		{"cpuset.memory_pressure", &s.CPUSet.MemoryPressure}, {"cpuset.sched_load_balance", &s.CPUSet.SchedLoadBalance},
	}
	for _, f := range flags {
		if v, err := readUint(dir, f.file); err == nil {
			*f.dst = v
		}
	}
	if str, err := readFile(dir, "cpuset.sched_relax_domain_level"); err == nil {
		s.CPUSet.SchedRelaxDomainLevel, _ = strconv.ParseInt(strings.TrimSpace(str), 10, 64)
	}
	return nil
}

// memoryEntryV1 reads memory.<prefix>{usage,max_usage,limit}_in_bytes and
// failcnt; a missing set (no swap accounting) stays zero.
func memoryEntryV1(dir, prefix string) (MemoryEntry, error) {
	var e MemoryEntry
	var err error
	name := "memory." + prefix
	if e.Usage, err = readUint(dir, name+"usage_in_bytes"); err != nil {
		return e, ignoreNotExist(err)
	}
	if e.Max, err = readUint(dir, name+"max_usage_in_bytes"); err != nil {
		return e, err
	}
	if e.Limit, err = readUint(dir, name+"limit_in_bytes"); err != nil {
		return e, err
	}
	if e.Failcnt, err = readUint(dir, name+"failcnt"); err != nil {
		return e, err
	}
	return e, nil
}

func memoryStatsV1(dir string, s *Stats) error {
	raw, err := readKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw = raw
	s.Memory.Cache = raw["cache"]
	for _, e := range []struct {
		prefix string
		dst    *MemoryEntry
	}{{"", &s.Memory.Usage}, {"memsw.", &s.Memory.Swap}, {"kmem.", &s.Memory.Kernel}, {"kmem.tcp.", &s.Memory.KernelTCP}} {
		if *e.dst, err = memoryEntryV1(dir, e.prefix); err != nil {
			return err
		}
	}
	if oc, err := readKeyValues(dir, "memory.oom_control"); err == nil {
		s.Memory.EventCount.OOMKill = oc["oom_kill"]
	}
	return nil
}

func pidsStats(dir string, s *Stats) error {
	var err error
	if s.Pids.Current, err = readUint(dir, "pids.current"); err != nil {
		return err
	}
	if s.Pids.Limit, err = readUint(dir, "pids.max"); err != nil {
		return err
	}
	if s.Pids.Limit == ^uint64(0) {
		s.Pids.Limit = 0
	}
	return nil
}

// blkioEntries parses "8:0 Read 4096" lines; "Total" lines are dropped.
func blkioEntries(dir, file string) ([]BlkioEntry, error) {
	str, err := readFile(dir, file)
	if err != nil {
		return nil, err
	}
	var out []BlkioEntry
	for _, line := range strings.Split(str, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] == "Total" {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		if !ok {
			continue
		}
		e := BlkioEntry{}
		e.Major, _ = strconv.ParseUint(maj, 10, 64)
		e.Minor, _ = strconv.ParseUint(min, 10, 64)
		val := f[1]
		if len(f) == 3 {
			e.Op, val = f[1], f[2]
		}
		e.Value, _ = strconv.ParseUint(val, 10, 64)
		out = append(out, e)
	}
	return out, nil
}

// blkioStats reads CFQ's counters, else BFQ's, else the throttle ones
// (which every kernel has), as runc does.
func blkioStats(dir string, s *Stats) error {
	for _, prefix := range []string{"blkio.", "blkio.bfq.", "blkio.throttle."} {
		if !exists(dir, prefix+"io_service_bytes_recursive") {
			continue
		}
		var err error
		if s.Blkio.IoServiceBytesRecursive, err = blkioEntries(dir, prefix+"io_service_bytes_recursive"); err != nil {
			return err
		}
		if s.Blkio.IoServicedRecursive, err = blkioEntries(dir, prefix+"io_serviced_recursive"); err != nil {
			return err
		}
		return nil
	}
	return nil
}

func (m *Manager) hugetlbStats(s *Stats) error {
	dir, v2, err := m.hugetlbTarget()
	if err != nil {
		return nil // no hugetlb controller: nothing to report
	}
	sizes, err := m.hugepageSizes()
	if err != nil {
		return nil
	}
	for _, size := range sizes {
		var h Hugetlb
		if v2 {
			if !exists(dir, "hugetlb."+size+".current") {
				continue // controller not enabled for this cgroup
			}
			h.Usage, _ = readUint(dir, "hugetlb."+size+".current")
			if mx, err := readUint(dir, "hugetlb."+size+".max"); err == nil && mx != ^uint64(0) {
				h.Max = mx
			}
			if ev, err := readKeyValues(dir, "hugetlb."+size+".events"); err == nil {
				h.Failcnt = ev["max"]
			}
		} else {
			if !exists(dir, "hugetlb."+size+".usage_in_bytes") {
				continue
			}
			h.Usage, _ = readUint(dir, "hugetlb."+size+".usage_in_bytes")
			h.Max, _ = readUint(dir, "hugetlb."+size+".max_usage_in_bytes")
			h.Failcnt, _ = readUint(dir, "hugetlb."+size+".failcnt")
		}
		s.Hugetlb[size] = h
	}
	return nil
}

func (m *Manager) statsV2(s *Stats) error {
	dir := m.paths[UnifiedKey]
	cs, err := readKeyValues(dir, "cpu.stat")
	if err != nil {
		return fmt.Errorf("read cpu stats of %s: %w", dir, err)
	}
	s.CPU.Usage.Total = cs["usage_usec"] * 1000
	s.CPU.Usage.User = cs["user_usec"] * 1000
	s.CPU.Usage.Kernel = cs["system_usec"] * 1000
	s.CPU.Throttling = Throttling{Periods: cs["nr_periods"], ThrottledPeriods: cs["nr_throttled"], ThrottledTime: cs["throttled_usec"] * 1000}
	if str, err := readFile(dir, "cpuset.cpus.effective"); err == nil {
		s.CPUSet.CPUs, _ = parseList(str)
	}
	if str, err := readFile(dir, "cpuset.mems.effective"); err == nil {
		s.CPUSet.Mems, _ = parseList(str)
	}
	if raw, err := readKeyValues(dir, "memory.stat"); err == nil {
		s.Memory.Raw = raw
		s.Memory.Cache = raw["file"]
		s.Memory.Usage.Usage, _ = readUint(dir, "memory.current")
		s.Memory.Usage.Max, _ = readUint(dir, "memory.peak")
		s.Memory.Usage.Limit, _ = readUint(dir, "memory.max")
		s.Memory.Swap.Usage, _ = readUint(dir, "memory.swap.current")
		s.Memory.Swap.Limit, _ = readUint(dir, "memory.swap.max")
		if ev, err := readKeyValues(dir, "memory.events"); err == nil {
			s.Memory.Usage.Failcnt = ev["max"]
			s.Memory.EventCount = MemoryEventCount{Low: ev["low"], High: ev["high"], Max: ev["max"], OOM: ev["oom"], OOMKill: ev["oom_kill"]}
		}
	}
	if exists(dir, "pids.current") {
		if err := pidsStats(dir, s); err != nil {
			return fmt.Errorf("read pids stats of %s: %w", dir, err)
		}
	}
	if str, err := readFile(dir, "io.stat"); err == nil {
		s.Blkio = ioStatV2(str)
	}
	return nil
}

// ioStatV2 turns io.stat lines ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...")
// into runc's blkio entries.
func ioStatV2(str string) Blkio {
	var b Blkio
	ops := map[string]struct {
		dst *[]BlkioEntry
		op  string
	}{
		"rbytes": {&b.IoServiceBytesRecursive, "Read"}, "wbytes": {&b.IoServiceBytesRecursive, "Write"},
		"rios": {&b.IoServicedRecursive, "Read"}, "wios": {&b.IoServicedRecursive, "Write"},
	}
	for _, line := range strings.Split(str, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		maj, min, _ := strings.Cut(f[0], ":")
		major, _ := strconv.ParseUint(maj, 10, 64)
		minor, _ := strconv.ParseUint(min, 10, 64)
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			o, ok := ops[k]
			if !ok {
				continue
			}
			val, _ := strconv.ParseUint(v, 10, 64)
			*o.dst = append(*o.dst, BlkioEntry{Major: major, Minor: minor, Op: o.op, Value: val})
		}
	}
	return b
}
