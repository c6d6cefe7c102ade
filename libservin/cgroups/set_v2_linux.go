package cgroups

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setV2 writes the cgroup v2 equivalents of linux.resources, converting
// v1 units (cpu shares, blkio weight, memory+swap) as runc does.
func (m *Manager) setV2(r *specs.LinuxResources) error {
	dir := m.paths[UnifiedKey]
	if c := r.CPU; c != nil {
		if err := setCpuset(dir, c); err != nil {
			return err
		}
	}
	if r.Memory != nil {
		if err := setMemoryV2(dir, r.Memory); err != nil {
			return err
		}
	}
	if r.CPU != nil {
		if err := setCPUV2(dir, r.CPU); err != nil {
			return err
		}
	}
	if r.Pids != nil && r.Pids.Limit != nil {
		if err := writeFile(dir, "pids.max", limitString(pidsLimit(*r.Pids.Limit), "max")); err != nil {
			return err
		}
	}
	if r.BlockIO != nil {
		if err := setIOV2(dir, r.BlockIO); err != nil {
			return err
		}
	}
	if len(r.HugepageLimits) > 0 {
		if err := m.setHugetlb(r.HugepageLimits); err != nil {
			return err
		}
	}
	if len(r.Rdma) > 0 {
		if err := m.setRdma(dir, r.Rdma); err != nil {
			return err
		}
	}
	if len(r.Devices) > 0 {
		if err := setDevicesV2(dir, r.Devices); err != nil {
			return err
		}
	}
	if len(r.Unified) > 0 {
		return m.setUnified(r.Unified)
	}
	return nil
}

// swapV2 converts runtime-spec's memory+swap limit to memory.swap.max,
// which counts swap alone.
func swapV2(swap, limit int64) (int64, error) {
	switch {
	case limit == -1 && swap == 0:
		return -1, nil // unlimited memory, swap unset: unlimited swap
	case swap == -1 || swap == 0:
		return swap, nil
	case limit == 0 || limit == -1:
		return 0, errors.New("unable to set swap limit without memory limit")
	case limit < 0:
		return 0, fmt.Errorf("%w: memory limit %d", ErrInvalid, limit)
	case swap < limit:
		return 0, errors.New("memory+swap limit should be >= memory limit")
	}
	return swap - limit, nil
}

func setMemoryV2(dir string, mem *specs.LinuxMemory) error {
	var limit, swapTotal int64
	if mem.Limit != nil {
		limit = *mem.Limit
	}
	if mem.Swap != nil {
		swapTotal = *mem.Swap
	}
	swap, err := swapV2(swapTotal, limit)
	if err != nil {
		return err
	}
	if mem.CheckBeforeUpdate != nil && *mem.CheckBeforeUpdate && limit > 0 {
		if usage, err := readUint(dir, "memory.current"); err == nil && uint64(limit) < usage {
			return fmt.Errorf("cannot set memory limit to %d: below current usage %d", limit, usage)
		}
	}
	swapStr := ""
	switch {
	case swap != 0:
		swapStr = limitString(swap, "max")
	case swapTotal > 0:
		swapStr = "0" // memory+swap equal to memory: no swap
	}
	if swapStr != "" {
		if err := writeFile(dir, "memory.swap.max", swapStr); err != nil {
			// Without swap accounting, "no swap" and "unlimited" need no file.
			if !errors.Is(err, os.ErrNotExist) || (swapStr != "max" && swapStr != "0") {
				return err
			}
		}
	}
	if limit != 0 {
		if err := writeFile(dir, "memory.max", limitString(limit, "max")); err != nil {
			return err
		}
	}
	if mem.Reservation != nil && *mem.Reservation != 0 {
		if err := writeFile(dir, "memory.low", limitString(*mem.Reservation, "max")); err != nil {
			return err
		}
	}
	// kernel, kernelTCP, swappiness and disableOOMKiller have no cgroup v2
	// file; runc ignores them there too.
	return nil
}

// sharesToWeight maps cpu.shares [2, 262144] onto cpu.weight [1, 10000].
func sharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	if shares < 2 {
		shares = 2
	}
	if shares > 262144 {
		shares = 262144
	}
	return 1 + ((shares-2)*9999)/262142
}

func setCPUV2(dir string, c *specs.LinuxCPU) error {
	if c.Shares != nil && *c.Shares != 0 {
		if err := writeFile(dir, "cpu.weight", strconv.FormatUint(sharesToWeight(*c.Shares), 10)); err != nil {
			return err
		}
	}
	if c.Idle != nil {
		if err := writeFile(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10)); err != nil {
			return err
		}
	}
	quotaSet := c.Quota != nil && *c.Quota != 0
	periodSet := c.Period != nil && *c.Period != 0
	if quotaSet || periodSet {
		v := "max"
		if quotaSet && *c.Quota > 0 {
			v = strconv.FormatInt(*c.Quota, 10)
		}
		if periodSet {
			v += " " + strconv.FormatUint(*c.Period, 10)
		}
		if err := writeFile(dir, "cpu.max", v); err != nil {
			return err
		}
	}
	if c.Burst != nil {
		if err := writeFile(dir, "cpu.max.burst", strconv.FormatUint(*c.Burst, 10)); err != nil {
			return err
		}
	}
	return nil
}

// blkioWeightToIO maps blkio weight [10, 1000] onto io.weight [1, 10000].
func blkioWeightToIO(w uint16) uint64 {
	if w == 0 {
		return 0
	}
	return 1 + (uint64(w)-10)*9999/990
}

func setIOV2(dir string, b *specs.LinuxBlockIO) error {
	// BFQ takes the blkio scale as it is; io.weight needs converting.
	bfq := exists(dir, "io.bfq.weight")
	weight := func(w uint16) string {
		if bfq {
			return strconv.FormatUint(uint64(w), 10)
		}
		return strconv.FormatUint(blkioWeightToIO(w), 10)
	}
	file := "io.weight"
	if bfq {
		file = "io.bfq.weight"
	}
	if nonZero16(b.Weight) {
		v := weight(*b.Weight)
		if !bfq {
			v = "default " + v
		}
		if err := writeFile(dir, file, v); err != nil {
			return err
		}
	}
	for _, d := range b.WeightDevice {
		if nonZero16(d.Weight) {
			if err := writeFile(dir, file, fmt.Sprintf("%d:%d %s", d.Major, d.Minor, weight(*d.Weight))); err != nil {
				return err
			}
		}
	}
	throttles := []struct {
		key  string
		devs []specs.LinuxThrottleDevice
	}{
		{"rbps", b.ThrottleReadBpsDevice},
		{"wbps", b.ThrottleWriteBpsDevice},
		{"riops", b.ThrottleReadIOPSDevice},
		{"wiops", b.ThrottleWriteIOPSDevice},
	}
	for _, t := range throttles {
		for _, d := range t.devs {
			rate := strconv.FormatUint(d.Rate, 10)
			if d.Rate == 0 {
				rate = "max"
			}
			if err := writeFile(dir, "io.max", fmt.Sprintf("%d:%d %s=%s", d.Major, d.Minor, t.key, rate)); err != nil {
				return err
			}
		}
	}
	return nil
}
