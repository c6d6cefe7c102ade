package runtime

import (
	"maps"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// mergeResources copies into dst every field set in src (update's
// semantics: what is not given stays).
func mergeResources(dst, src *specs.LinuxResources) {
	if src.Memory != nil {
		if dst.Memory == nil {
			dst.Memory = &specs.LinuxMemory{}
		}
		d, s := dst.Memory, src.Memory
		setPtr(&d.Limit, s.Limit)
		setPtr(&d.Reservation, s.Reservation)
		setPtr(&d.Swap, s.Swap)
		setPtr(&d.Kernel, s.Kernel) //nolint:staticcheck // deprecated, still in the spec
		setPtr(&d.KernelTCP, s.KernelTCP)
		setPtr(&d.Swappiness, s.Swappiness)
		setPtr(&d.DisableOOMKiller, s.DisableOOMKiller)
		setPtr(&d.UseHierarchy, s.UseHierarchy)
		setPtr(&d.CheckBeforeUpdate, s.CheckBeforeUpdate)
	}
	if src.CPU != nil {
		if dst.CPU == nil {
			dst.CPU = &specs.LinuxCPU{}
		}
		d, s := dst.CPU, src.CPU
		setPtr(&d.Shares, s.Shares)
		setPtr(&d.Quota, s.Quota)
		setPtr(&d.Burst, s.Burst)
		setPtr(&d.Period, s.Period)
		setPtr(&d.RealtimeRuntime, s.RealtimeRuntime)
		setPtr(&d.RealtimePeriod, s.RealtimePeriod)
		setPtr(&d.Idle, s.Idle)
		if s.Cpus != "" {
			d.Cpus = s.Cpus
		}
		if s.Mems != "" {
			d.Mems = s.Mems
		}
	}
	if src.Pids != nil && src.Pids.Limit != nil {
		dst.Pids = &specs.LinuxPids{Limit: src.Pids.Limit}
	}
	if src.BlockIO != nil {
		if dst.BlockIO == nil {
			dst.BlockIO = &specs.LinuxBlockIO{}
		}
		d, s := dst.BlockIO, src.BlockIO
		setPtr(&d.Weight, s.Weight)
		setPtr(&d.LeafWeight, s.LeafWeight)
		setSlice(&d.WeightDevice, s.WeightDevice)
		setSlice(&d.ThrottleReadBpsDevice, s.ThrottleReadBpsDevice)
		setSlice(&d.ThrottleWriteBpsDevice, s.ThrottleWriteBpsDevice)
		setSlice(&d.ThrottleReadIOPSDevice, s.ThrottleReadIOPSDevice)
		setSlice(&d.ThrottleWriteIOPSDevice, s.ThrottleWriteIOPSDevice)
	}
	setSlice(&dst.HugepageLimits, src.HugepageLimits)
	setSlice(&dst.Devices, src.Devices)
	if src.Network != nil {
		dst.Network = src.Network
	}
	if len(src.Rdma) > 0 {
		if dst.Rdma == nil {
			dst.Rdma = map[string]specs.LinuxRdma{}
		}
		maps.Copy(dst.Rdma, src.Rdma)
	}
	if len(src.Unified) > 0 {
		if dst.Unified == nil {
			dst.Unified = map[string]string{}
		}
		maps.Copy(dst.Unified, src.Unified)
	}
}

func setPtr[T any](dst **T, src *T) {
	if src != nil {
		v := *src
		*dst = &v
	}
}

func setSlice[T any](dst *[]T, src []T) {
	if len(src) > 0 {
		*dst = append([]T(nil), src...)
	}
}
