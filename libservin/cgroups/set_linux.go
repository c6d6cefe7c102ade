package cgroups

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Set applies linux.resources: every field that is set, nothing else
// (so update can pass only what changed). It checks first that every
// controller a field needs is there, so a resource the host cannot honour
// fails before anything is written.
func (m *Manager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	if err := m.check(r); err != nil {
		return err
	}
	if m.isV2() {
		return m.setV2(r)
	}
	return m.setV1(r)
}

// need reports an error when controller key has no directory.
func (m *Manager) need(kind, key string) error {
	if m.paths[key] == "" {
		return notMounted(kind, key)
	}
	return nil
}

func (m *Manager) check(r *specs.LinuxResources) error {
	v2 := m.isV2()
	if v2 {
		if r.Network != nil && (r.Network.ClassID != nil || len(r.Network.Priorities) > 0) {
			return fmt.Errorf("cannot set network limit: net_cls and net_prio do not exist on cgroup v2: %w", ErrUnsupported)
		}
		if c := r.CPU; c != nil && (c.RealtimePeriod != nil || c.RealtimeRuntime != nil) {
			return fmt.Errorf("cannot set cpu realtime limit: not supported on cgroup v2: %w", ErrUnsupported)
		}
		if b := r.BlockIO; b != nil && (nonZero16(b.LeafWeight) || slices.ContainsFunc(b.WeightDevice, func(d specs.LinuxWeightDevice) bool { return nonZero16(d.LeafWeight) })) {
			return fmt.Errorf("cannot set blkio leaf weight: not supported on cgroup v2: %w", ErrUnsupported)
		}
	} else {
		checks := []struct {
			set       bool
			kind, key string
		}{
			{r.Memory != nil, "memory", "memory"},
			{r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != ""), "cpuset", "cpuset"},
			{r.CPU != nil && cpuLimits(r.CPU), "cpu", "cpu"},
			{r.Pids != nil, "pids", "pids"},
			{r.BlockIO != nil, "blkio", "blkio"},
			{len(r.Devices) > 0, "devices", "devices"},
			{r.Network != nil && r.Network.ClassID != nil, "net_cls", "net_cls"},
			{r.Network != nil && len(r.Network.Priorities) > 0, "net_prio", "net_prio"},
			{len(r.Rdma) > 0, "rdma", "rdma"},
		}
		for _, c := range checks {
			if c.set {
				if err := m.need(c.kind, c.key); err != nil {
					return err
				}
			}
		}
	}
	if len(r.HugepageLimits) > 0 {
		if _, _, err := m.hugetlbTarget(); err != nil {
			return err
		}
		sizes, err := m.hugepageSizes()
		if err != nil {
			return err
		}
		for _, h := range r.HugepageLimits {
			if !slices.Contains(sizes, h.Pagesize) {
				return fmt.Errorf("%w: hugepage size %q is not one of this host's (%s)", ErrInvalid, h.Pagesize, strings.Join(sizes, ", "))
			}
		}
	}
	if len(r.Unified) > 0 {
		if _, err := m.unifiedTarget(r.Unified); err != nil {
			return err
		}
	}
	return nil
}

func nonZero16(p *uint16) bool { return p != nil && *p != 0 }

func cpuLimits(c *specs.LinuxCPU) bool {
	return c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil ||
		c.RealtimePeriod != nil || c.RealtimeRuntime != nil || c.Idle != nil
}

// hugetlbTarget returns the directory hugepage limits go to and whether
// it is cgroup2 (the v1 controller, or the cgroup2 hierarchy where it is
// enabled, as on hybrid hosts whose hugetlb lives in "unified").
func (m *Manager) hugetlbTarget() (string, bool, error) {
	if d := m.paths["hugetlb"]; d != "" && !m.isV2() {
		return d, false, nil
	}
	d := m.paths[UnifiedKey]
	if d != "" {
		top := m.mountOf(UnifiedKey)
		if avail, err := readFile(top, "cgroup.controllers"); err == nil && slices.Contains(strings.Fields(avail), "hugetlb") {
			return d, true, nil
		}
	}
	return "", false, notMounted("hugetlb", "hugetlb")
}

// hugepageSizes lists the host's page sizes as the kernel names them in
// hugetlb.<size>.* files ("2MB", "1GB").
func (m *Manager) hugepageSizes() ([]string, error) {
	if d, v2, err := m.hugetlbTarget(); err == nil && !v2 {
		top := m.mountOf("hugetlb")
		if top == "" {
			top = d
		}
		matches, _ := filepath.Glob(filepath.Join(top, "hugetlb.*.limit_in_bytes"))
		var sizes []string
		for _, p := range matches {
			sizes = append(sizes, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "hugetlb."), ".limit_in_bytes"))
		}
		if len(sizes) > 0 {
			return sizes, nil
		}
	}
	entries, err := os.ReadDir(m.cfg.hugepages)
	if err != nil {
		return nil, fmt.Errorf("list hugepage sizes: %w", err)
	}
	var sizes []string
	for _, e := range entries {
		kb, ok := strings.CutPrefix(e.Name(), "hugepages-")
		kb, ok2 := strings.CutSuffix(kb, "kB")
		n, err := strconv.ParseUint(kb, 10, 64)
		if !ok || !ok2 || err != nil {
			continue
		}
		sizes = append(sizes, pageSizeName(n*1024))
	}
	return sizes, nil
}

// pageSizeName names a page size the way hugetlb files do: 2097152 → "2MB".
func pageSizeName(bytes uint64) string {
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	i := 0
	for bytes >= 1024 && bytes%1024 == 0 && i < len(units)-1 {
		bytes /= 1024
		i++
	}
	return strconv.FormatUint(bytes, 10) + units[i]
}

// unifiedTarget checks linux.resources.unified: on a pure v2 host any
// key; on a hybrid host only keys of controllers its cgroup2 hierarchy
// has; never on a v1-only host.
func (m *Manager) unifiedTarget(u map[string]string) (string, error) {
	d := m.paths[UnifiedKey]
	if d == "" {
		return "", fmt.Errorf("cannot set unified resources: no cgroup v2 hierarchy on this host: %w", ErrUnsupported)
	}
	var avail []string
	if s, err := readFile(m.mountOf(UnifiedKey), "cgroup.controllers"); err == nil {
		avail = strings.Fields(s)
	}
	for k := range u {
		if strings.Contains(k, "/") || k == "" || k == "." || k == ".." {
			return "", fmt.Errorf("%w: unified key %q", ErrInvalid, k)
		}
		ctrl, _, _ := strings.Cut(k, ".")
		if m.isV2() || ctrl == "cgroup" {
			continue
		}
		if !slices.Contains(avail, ctrl) {
			return "", fmt.Errorf("cannot set unified resource %q: controller %q is not in the cgroup v2 hierarchy of this hybrid host: %w", k, ctrl, ErrUnsupported)
		}
	}
	return d, nil
}

func (m *Manager) setHugetlb(limits []specs.LinuxHugepageLimit) error {
	dir, v2, err := m.hugetlbTarget()
	if err != nil {
		return err
	}
	if v2 {
		if err := enableControllers(m.mountOf(UnifiedKey), dir, []string{"hugetlb"}); err != nil {
			return err
		}
	}
	for _, h := range limits {
		file := "hugetlb." + h.Pagesize + ".limit_in_bytes"
		if v2 {
			file = "hugetlb." + h.Pagesize + ".max"
		}
		val := strconv.FormatUint(h.Limit, 10)
		if err := writeFile(dir, file, val); err != nil {
			return err
		}
		if v2 && exists(dir, "hugetlb."+h.Pagesize+".rsvd.max") {
			if err := writeFile(dir, "hugetlb."+h.Pagesize+".rsvd.max", val); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *Manager) setUnified(u map[string]string) error {
	dir, err := m.unifiedTarget(u)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(u))
	for k := range u {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ctrl, _, _ := strings.Cut(k, ".")
		if !m.isV2() && ctrl != "cgroup" {
			if err := enableControllers(m.mountOf(UnifiedKey), dir, []string{ctrl}); err != nil {
				return err
			}
		}
		if !exists(dir, k) {
			return fmt.Errorf("cannot set unified resource %q: no such file in %s", k, dir)
		}
		if err := writeFile(dir, k, u[k]); err != nil {
			return fmt.Errorf("unified resource %q: %w", k, err)
		}
	}
	return nil
}

func (m *Manager) setRdma(dir string, rd map[string]specs.LinuxRdma) error {
	for dev, l := range rd {
		var parts []string
		if l.HcaHandles != nil {
			parts = append(parts, "hca_handle="+strconv.FormatUint(uint64(*l.HcaHandles), 10))
		}
		if l.HcaObjects != nil {
			parts = append(parts, "hca_object="+strconv.FormatUint(uint64(*l.HcaObjects), 10))
		}
		if len(parts) == 0 {
			continue
		}
		if err := writeFile(dir, "rdma.max", dev+" "+strings.Join(parts, " ")); err != nil {
			return err
		}
	}
	return nil
}

// limitString formats a limit where -1 (or below) means unlimited.
func limitString(v int64, unlimited string) string {
	if v < 0 {
		return unlimited
	}
	return strconv.FormatInt(v, 10)
}
