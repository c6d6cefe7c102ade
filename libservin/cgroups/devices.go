package cgroups

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64 { return &v }

// DefaultDeviceRules are the devices every container may use whatever its
// config says, as runc allows them: mknod of any node, and /dev/null,
// zero, full, random, urandom, tty, ptmx and the pts devices.
func DefaultDeviceRules() []specs.LinuxDeviceCgroup {
	rule := func(typ string, major, minor *int64, access string) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: true, Type: typ, Major: major, Minor: minor, Access: access}
	}
	return []specs.LinuxDeviceCgroup{
		rule("c", nil, nil, "m"),
		rule("b", nil, nil, "m"),
		rule("c", i64(1), i64(3), "rwm"), // /dev/null
		rule("c", i64(1), i64(8), "rwm"), // /dev/random
		rule("c", i64(1), i64(7), "rwm"), // /dev/full
		rule("c", i64(5), i64(0), "rwm"), // /dev/tty
		rule("c", i64(1), i64(5), "rwm"), // /dev/zero
		rule("c", i64(1), i64(9), "rwm"), // /dev/urandom
		rule("c", i64(136), nil, "rwm"),  // /dev/pts/*
		rule("c", i64(5), i64(2), "rwm"), // /dev/ptmx
	}
}

// WithDefaultDevices returns a copy of r (nil: an empty one) whose device
// rules are the config's followed by DefaultDeviceRules. The config's own
// rules come first so that devices.list shows them in their order (the
// OCI validation suite checks that), the defaults after them, as runc
// appends them. Create passes its resources through this; update does not.
func WithDefaultDevices(r *specs.LinuxResources) *specs.LinuxResources {
	var out specs.LinuxResources
	if r != nil {
		out = *r
	}
	out.Devices = append(slices.Clone(out.Devices), DefaultDeviceRules()...)
	return &out
}

// deviceRule is the devices.allow/deny form of a rule: "c 1:3 rwm",
// "a *:* rwm". Rules are checked here so a bad one fails before writing.
func deviceRule(d specs.LinuxDeviceCgroup) (string, error) {
	typ := d.Type
	if typ == "" {
		typ = "a"
	}
	if typ != "a" && typ != "b" && typ != "c" {
		return "", fmt.Errorf("%w: device rule type %q (want a, b or c)", ErrInvalid, d.Type)
	}
	access := d.Access
	if access == "" {
		access = "rwm"
	}
	for _, ch := range access {
		if !strings.ContainsRune("rwm", ch) || strings.Count(access, string(ch)) > 1 {
			return "", fmt.Errorf("%w: device rule access %q (want letters of rwm)", ErrInvalid, d.Access)
		}
	}
	num := func(p *int64) string {
		if p == nil || *p < 0 {
			return "*"
		}
		return strconv.FormatInt(*p, 10)
	}
	if typ == "a" {
		return "a *:* " + access, nil
	}
	return typ + " " + num(d.Major) + ":" + num(d.Minor) + " " + access, nil
}

// deviceWrites is the plan of devices.allow/devices.deny writes for a
// rule list on cgroup v1: first a deny of everything (a container starts
// from an empty allow list, as in runc), then each rule in order. The
// kernel appends each allow exception to devices.list, so the list ends
// up in the config's order.
func deviceWrites(rules []specs.LinuxDeviceCgroup) ([][2]string, error) {
	out := [][2]string{{"devices.deny", "a *:* rwm"}}
	for _, d := range rules {
		s, err := deviceRule(d)
		if err != nil {
			return nil, err
		}
		file := "devices.deny"
		if d.Allow {
			file = "devices.allow"
		}
		out = append(out, [2]string{file, s})
	}
	return out, nil
}
