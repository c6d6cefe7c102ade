package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// updateFlags are runc update's resource flags, kept as strings so that
// only the flags given are applied.
var updateFlags = []struct{ name, usage string }{
	{"blkio-weight", "specifies per cgroup weight, range is from 10 to 1000"},
	{"cpu-period", "CPU CFS period to be used for hardcapping (in usecs); 0 to use system default"},
	{"cpu-quota", "CPU CFS hardcap limit (in usecs); allowed cpu time in a given period"},
	{"cpu-share", "CPU shares (relative weight vs. other containers)"},
	{"cpu-rt-period", "CPU realtime period to be used for hardcapping (in usecs); 0 to use system default"},
	{"cpu-rt-runtime", "CPU realtime hardcap limit (in usecs); allowed cpu time in a given period"},
	{"cpuset-cpus", "CPU(s) to use"},
	{"cpuset-mems", "memory node(s) to use"},
	{"cpu-idle", "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE"},
	{"kernel-memory", "(obsoleted; do not use)"},
	{"kernel-memory-tcp", "(obsoleted; do not use)"},
	{"memory", "memory limit (in bytes, or with a unit: 512m, 1g)"},
	{"memory-reservation", "memory reservation or soft_limit (in bytes)"},
	{"memory-swap", "total memory usage (memory + swap); set '-1' to enable unlimited swap"},
	{"pids-limit", "maximum number of pids allowed in the container"},
	{"l3-cache-schema", "the string of Intel RDT/CAT L3 cache schema (ignored: no Intel RDT support)"},
	{"mem-bw-schema", "the string of Intel RDT/MBA memory bandwidth schema (ignored: no Intel RDT support)"},
}

func newUpdateCmd(g *globals) *command {
	var resources string
	flags := flagSet{{name: "resources", short: "r", value: &resources,
		usage: "path to the file containing the resources to update or '-' to read from the standard input"}}
	flags, vals := addUpdateFlags(flags)
	return &command{
		name: "update", args: "<container-id>", short: "Update container resource constraints",
		minArgs: 1, maxArgs: 1,
		flags: flags,
		run: func(ctx context.Context, args []string) error {
			var res *specs.LinuxResources
			var err error
			if resources != "" {
				res, err = readResources(resources, os.Stdin)
			} else {
				res, err = flagResources(flags, vals)
			}
			if err != nil {
				return err
			}
			rt, err := g.runtime()
			if err != nil {
				return err
			}
			return rt.Update(ctx, args[0], res)
		},
	}
}

// addUpdateFlags appends the resource flags and returns their values.
func addUpdateFlags(fs flagSet) (flagSet, map[string]*string) {
	vals := map[string]*string{}
	for _, fl := range updateFlags {
		v := new(string)
		vals[fl.name] = v
		fs = append(fs, &flag{name: fl.name, value: v, usage: fl.usage})
	}
	// Docker's spelling of runc's --cpu-share.
	vals["cpu-shares"] = vals["cpu-share"]
	fs = append(fs, &flag{name: "cpu-shares", value: vals["cpu-shares"], usage: "alias of --cpu-share", hidden: true})
	return fs, vals
}

// readResources decodes a runtime-spec LinuxResources JSON from a file or
// from in for "-".
func readResources(path string, in io.Reader) (*specs.LinuxResources, error) {
	var r io.Reader = in
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open resources file: %w", err)
		}
		defer f.Close()
		r = f
	}
	var res specs.LinuxResources
	if err := json.NewDecoder(r).Decode(&res); err != nil {
		return nil, fmt.Errorf("decode resources %s: %w", path, err)
	}
	return &res, nil
}

// flagResources builds the resources of the update flags that were given.
func flagResources(fs flagSet, vals map[string]*string) (*specs.LinuxResources, error) {
	given := func(names ...string) (string, bool) {
		for _, n := range names {
			if fs.given(n) {
				return *vals[n], true
			}
		}
		return "", false
	}
	var res specs.LinuxResources
	mem := &specs.LinuxMemory{}
	memSet := false
	for _, p := range []struct {
		name string
		dst  **int64
	}{
		{"memory", &mem.Limit}, {"memory-swap", &mem.Swap}, {"memory-reservation", &mem.Reservation},
		{"kernel-memory", &mem.Kernel}, {"kernel-memory-tcp", &mem.KernelTCP}, //nolint:staticcheck // runc still takes it
	} {
		if s, ok := given(p.name); ok {
			v, err := parseRAM(s)
			if err != nil {
				return nil, fmt.Errorf("invalid value for --%s: %w", p.name, err)
			}
			*p.dst, memSet = &v, true
		}
	}
	if memSet {
		res.Memory = mem
	}
	cpu := &specs.LinuxCPU{}
	cpuSet := false
	uints := []struct {
		names []string
		dst   **uint64
	}{{[]string{"cpu-share", "cpu-shares"}, &cpu.Shares}, {[]string{"cpu-period"}, &cpu.Period}, {[]string{"cpu-rt-period"}, &cpu.RealtimePeriod}}
	for _, p := range uints {
		if s, ok := given(p.names...); ok {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid value for --%s: %w", p.names[0], err)
			}
			*p.dst, cpuSet = &v, true
		}
	}
	ints := []struct {
		name string
		dst  **int64
	}{{"cpu-quota", &cpu.Quota}, {"cpu-rt-runtime", &cpu.RealtimeRuntime}, {"cpu-idle", &cpu.Idle}}
	for _, p := range ints {
		if s, ok := given(p.name); ok {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid value for --%s: %w", p.name, err)
			}
			*p.dst, cpuSet = &v, true
		}
	}
	if s, ok := given("cpuset-cpus"); ok {
		cpu.Cpus, cpuSet = s, true
	}
	if s, ok := given("cpuset-mems"); ok {
		cpu.Mems, cpuSet = s, true
	}
	if cpuSet {
		res.CPU = cpu
	}
	if s, ok := given("pids-limit"); ok {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid value for --pids-limit: %w", err)
		}
		res.Pids = &specs.LinuxPids{Limit: &v}
	}
	if s, ok := given("blkio-weight"); ok {
		v, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("invalid value for --blkio-weight: %w", err)
		}
		w := uint16(v)
		res.BlockIO = &specs.LinuxBlockIO{Weight: &w}
	}
	return &res, nil
}

// parseRAM reads a byte count as runc does: "-1" (unlimited), plain bytes,
// or a number with a binary unit (k, m, g, t, p; "512m", "1.5GiB"): in
// regexp terms `^(\d+(\.\d+)?) ?([kmgtp])?i?b?$`, case-insensitive.
func parseRAM(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num := t[:i]
	whole, frac, hasDot := strings.Cut(num, ".")
	unit := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(strings.TrimPrefix(t[i:], " ")), "b"), "i")
	shift, known := map[string]uint{"": 0, "k": 10, "m": 20, "g": 30, "t": 40, "p": 50}[unit]
	if whole == "" || hasDot && (frac == "" || strings.Contains(frac, ".")) || !known {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: %w", s, err)
	}
	return int64(n * float64(uint64(1)<<shift)), nil
}
