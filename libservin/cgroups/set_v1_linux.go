package cgroups

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setV1 writes in the order runc's v1 manager does: cpuset, devices,
// memory, cpu, pids, blkio, hugetlb, net_cls, net_prio, rdma.
func (m *Manager) setV1(r *specs.LinuxResources) error {
	if c := r.CPU; c != nil {
		if err := setCpuset(m.paths["cpuset"], c); err != nil {
			return err
		}
	}
	if len(r.Devices) > 0 {
		if err := setDevicesV1(m.paths["devices"], r.Devices); err != nil {
			return err
		}
	}
	if r.Memory != nil {
		if err := setMemoryV1(m.paths["memory"], r.Memory); err != nil {
			return err
		}
	}
	if r.CPU != nil && cpuLimits(r.CPU) {
		if err := setCPUV1(m.paths["cpu"], r.CPU); err != nil {
			return err
		}
	}
	if r.Pids != nil && r.Pids.Limit != nil {
		if err := writeFile(m.paths["pids"], "pids.max", limitString(pidsLimit(*r.Pids.Limit), "max")); err != nil {
			return err
		}
	}
	if r.BlockIO != nil {
		if err := setBlkioV1(m.paths["blkio"], r.BlockIO); err != nil {
			return err
		}
	}
	if len(r.HugepageLimits) > 0 {
		if err := m.setHugetlb(r.HugepageLimits); err != nil {
			return err
		}
	}
	if n := r.Network; n != nil {
		if n.ClassID != nil {
			if err := writeFile(m.paths["net_cls"], "net_cls.classid", strconv.FormatUint(uint64(*n.ClassID), 10)); err != nil {
				return err
			}
		}
		for _, p := range n.Priorities {
			if err := writeFile(m.paths["net_prio"], "net_prio.ifpriomap", p.Name+" "+strconv.FormatUint(uint64(p.Priority), 10)); err != nil {
				return err
			}
		}
	}
	if len(r.Rdma) > 0 {
		if err := m.setRdma(m.paths["rdma"], r.Rdma); err != nil {
			return err
		}
	}
	if len(r.Unified) > 0 {
		return m.setUnified(r.Unified)
	}
	return nil
}

// pidsLimit maps runtime-spec's "0 or less: no limit" to -1.
func pidsLimit(v int64) int64 {
	if v <= 0 {
		return -1
	}
	return v
}

func setCpuset(dir string, c *specs.LinuxCPU) error {
	if c.Cpus != "" {
		if err := writeFile(dir, "cpuset.cpus", c.Cpus); err != nil {
			return err
		}
	}
	if c.Mems != "" {
		if err := writeFile(dir, "cpuset.mems", c.Mems); err != nil {
			return err
		}
	}
	return nil
}

func setMemoryV1(dir string, mem *specs.LinuxMemory) error {
	var limit, swap int64
	if mem.Limit != nil {
		limit = *mem.Limit
	}
	if mem.Swap != nil {
		swap = *mem.Swap
	}
	const swapFile = "memory.memsw.limit_in_bytes"
	// Unlimited memory with swap unset means unlimited swap too (runc),
	// where the kernel accounts swap.
	if limit == -1 && mem.Swap == nil && exists(dir, swapFile) {
		swap = -1
	}
	if mem.CheckBeforeUpdate != nil && *mem.CheckBeforeUpdate && limit > 0 {
		if usage, err := readUint(dir, "memory.usage_in_bytes"); err == nil && uint64(limit) < usage {
			return fmt.Errorf("cannot set memory limit to %d: below current usage %d", limit, usage)
		}
	}
	setLimit := func() error {
		if limit == 0 {
			return nil
		}
		err := writeFile(dir, "memory.limit_in_bytes", strconv.FormatInt(limit, 10))
		if errors.Is(err, unix.EBUSY) {
			usage, _ := readUint(dir, "memory.usage_in_bytes")
			peak, _ := readUint(dir, "memory.max_usage_in_bytes")
			return fmt.Errorf("unable to set memory limit to %d (current usage: %d, peak usage: %d)", limit, usage, peak)
		}
		return err
	}
	setSwap := func() error {
		if swap == 0 {
			return nil
		}
		if !exists(dir, swapFile) {
			return fmt.Errorf("cannot set memory+swap limit: %s is missing (kernel without swap accounting)", swapFile)
		}
		return writeFile(dir, swapFile, strconv.FormatInt(swap, 10))
	}
	// memory.limit_in_bytes may never exceed memsw: raise swap first when
	// it grows past the current memory limit, else lower memory first.
	first, second := setLimit, setSwap
	if limit != 0 && swap != 0 {
		cur, err := readUint(dir, "memory.limit_in_bytes")
		if err != nil {
			return err
		}
		if swap == -1 || cur < uint64(swap) {
			first, second = setSwap, setLimit
		}
	}
	if err := first(); err != nil {
		return err
	}
	if err := second(); err != nil {
		return err
	}
	// Kernel memory limits: the files are gone from newer kernels, and
	// since 6.x writes to them are accepted and ignored.
	if mem.Kernel != nil && exists(dir, "memory.kmem.limit_in_bytes") { //nolint:staticcheck // deprecated, still in the spec
		if err := writeFile(dir, "memory.kmem.limit_in_bytes", strconv.FormatInt(*mem.Kernel, 10)); err != nil { //nolint:staticcheck
			return err
		}
	}
	if mem.KernelTCP != nil && exists(dir, "memory.kmem.tcp.limit_in_bytes") {
		if err := writeFile(dir, "memory.kmem.tcp.limit_in_bytes", strconv.FormatInt(*mem.KernelTCP, 10)); err != nil {
			return err
		}
	}
	if mem.Reservation != nil && *mem.Reservation != 0 {
		if err := writeFile(dir, "memory.soft_limit_in_bytes", strconv.FormatInt(*mem.Reservation, 10)); err != nil {
			return err
		}
	}
	if mem.Swappiness != nil {
		if *mem.Swappiness > 100 {
			return fmt.Errorf("%w: invalid memory swappiness %d: must be 0 to 100", ErrInvalid, *mem.Swappiness)
		}
		if err := writeFile(dir, "memory.swappiness", strconv.FormatUint(*mem.Swappiness, 10)); err != nil {
			return err
		}
	}
	if mem.DisableOOMKiller != nil {
		v := "0"
		if *mem.DisableOOMKiller {
			v = "1"
		}
		if err := writeFile(dir, "memory.oom_control", v); err != nil {
			return err
		}
	}
	if mem.UseHierarchy != nil && exists(dir, "memory.use_hierarchy") {
		v := "0"
		if *mem.UseHierarchy {
			v = "1"
		}
		if err := writeFile(dir, "memory.use_hierarchy", v); err != nil {
			return err
		}
	}
	return nil
}

func setCPUV1(dir string, c *specs.LinuxCPU) error {
	if c.Shares != nil && *c.Shares != 0 {
		if err := writeFile(dir, "cpu.shares", strconv.FormatUint(*c.Shares, 10)); err != nil {
			return err
		}
		// The kernel clamps shares silently; report it as runc does.
		got, err := readUint(dir, "cpu.shares")
		if err != nil {
			return err
		}
		if *c.Shares > got {
			return fmt.Errorf("the maximum allowed cpu-shares is %d", got)
		} else if *c.Shares < got {
			return fmt.Errorf("the minimum allowed cpu-shares is %d", got)
		}
	}
	// A new period may be refused (EINVAL) while the old quota does not
	// fit it; then it is written again after the quota.
	period := ""
	if c.Period != nil && *c.Period != 0 {
		period = strconv.FormatUint(*c.Period, 10)
		if err := writeFile(dir, "cpu.cfs_period_us", period); err != nil {
			if !errors.Is(err, unix.EINVAL) || c.Quota == nil || *c.Quota == 0 {
				return err
			}
		} else {
			period = ""
		}
	}
	if c.Quota != nil && *c.Quota != 0 {
		if err := writeFile(dir, "cpu.cfs_quota_us", limitString(*c.Quota, "-1")); err != nil {
			return err
		}
		if period != "" {
			if err := writeFile(dir, "cpu.cfs_period_us", period); err != nil {
				return err
			}
		}
	}
	if c.Burst != nil {
		if err := writeFile(dir, "cpu.cfs_burst_us", strconv.FormatUint(*c.Burst, 10)); err != nil {
			return err
		}
	}
	// Realtime period before runtime: the runtime must fit the period.
	if c.RealtimePeriod != nil && *c.RealtimePeriod != 0 {
		if err := writeFile(dir, "cpu.rt_period_us", strconv.FormatUint(*c.RealtimePeriod, 10)); err != nil {
			return err
		}
	}
	if c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0 {
		if err := writeFile(dir, "cpu.rt_runtime_us", strconv.FormatInt(*c.RealtimeRuntime, 10)); err != nil {
			return err
		}
	}
	if c.Idle != nil {
		if err := writeFile(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10)); err != nil {
			return err
		}
	}
	return nil
}

// setBlkioV1 writes blkio weights (CFQ's blkio.weight or BFQ's
// blkio.bfq.weight, whichever the kernel has) and throttles. A field the
// kernel has no file for is an error naming the file.
func setBlkioV1(dir string, b *specs.LinuxBlockIO) error {
	pick := func(files ...string) (string, error) {
		for _, f := range files {
			if exists(dir, f) {
				return f, nil
			}
		}
		return "", fmt.Errorf("cannot set blkio %s: not supported by this kernel's I/O scheduler (no %s in %s)",
			strings.TrimPrefix(files[0], "blkio."), strings.Join(files, " or "), dir)
	}
	if nonZero16(b.Weight) {
		f, err := pick("blkio.weight", "blkio.bfq.weight")
		if err != nil {
			return err
		}
		if err := writeFile(dir, f, strconv.FormatUint(uint64(*b.Weight), 10)); err != nil {
			return err
		}
	}
	if nonZero16(b.LeafWeight) {
		f, err := pick("blkio.leaf_weight")
		if err != nil {
			return err
		}
		if err := writeFile(dir, f, strconv.FormatUint(uint64(*b.LeafWeight), 10)); err != nil {
			return err
		}
	}
	for _, d := range b.WeightDevice {
		dev := fmt.Sprintf("%d:%d ", d.Major, d.Minor)
		if nonZero16(d.Weight) {
			f, err := pick("blkio.weight_device", "blkio.bfq.weight_device")
			if err != nil {
				return err
			}
			if err := writeFile(dir, f, dev+strconv.FormatUint(uint64(*d.Weight), 10)); err != nil {
				return err
			}
		}
		if nonZero16(d.LeafWeight) {
			f, err := pick("blkio.leaf_weight_device")
			if err != nil {
				return err
			}
			if err := writeFile(dir, f, dev+strconv.FormatUint(uint64(*d.LeafWeight), 10)); err != nil {
				return err
			}
		}
	}
	throttles := []struct {
		file string
		devs []specs.LinuxThrottleDevice
	}{
		{"blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice},
		{"blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
		{"blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice},
		{"blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice},
	}
	for _, t := range throttles {
		for _, d := range t.devs {
			if _, err := pick(t.file); err != nil {
				return err
			}
			if err := writeFile(dir, t.file, fmt.Sprintf("%d:%d %d", d.Major, d.Minor, d.Rate)); err != nil {
				return err
			}
		}
	}
	return nil
}
