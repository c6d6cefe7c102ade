package cgroups

import (
	"fmt"

	"github.com/opencontainers/cgroups"
	_ "github.com/opencontainers/cgroups/devices" // sets cgroups.DevicesSetV2 (eBPF)
	devconfig "github.com/opencontainers/cgroups/devices/config"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func setDevicesV1(dir string, rules []specs.LinuxDeviceCgroup) error {
	writes, err := deviceWrites(rules)
	if err != nil {
		return err
	}
	for _, w := range writes {
		if err := writeFile(dir, w[0], w[1]); err != nil {
			return fmt.Errorf("set device rule %s %q: %w", w[0], w[1], err)
		}
	}
	return nil
}

// setDevicesV2 attaches an eBPF device program built from the rules to the
// cgroup (cgroup v2 has no devices files), through opencontainers/cgroups.
func setDevicesV2(dir string, rules []specs.LinuxDeviceCgroup) error {
	conv, err := convertDeviceRules(rules)
	if err != nil {
		return err
	}
	if cgroups.DevicesSetV2 == nil {
		return fmt.Errorf("set device rules: eBPF device filter %w", ErrUnsupported)
	}
	if err := cgroups.DevicesSetV2(dir, &cgroups.Resources{Devices: conv}); err != nil {
		return fmt.Errorf("set device rules of %s: %w", dir, err)
	}
	return nil
}

func convertDeviceRules(rules []specs.LinuxDeviceCgroup) ([]*devconfig.Rule, error) {
	out := make([]*devconfig.Rule, 0, len(rules))
	for _, d := range rules {
		if _, err := deviceRule(d); err != nil {
			return nil, err
		}
		r := &devconfig.Rule{Type: devconfig.WildcardDevice, Major: devconfig.Wildcard, Minor: devconfig.Wildcard,
			Permissions: devconfig.Permissions(d.Access), Allow: d.Allow}
		if d.Type != "" {
			r.Type = devconfig.Type(d.Type[0])
		}
		if d.Access == "" {
			r.Permissions = "rwm"
		}
		if d.Major != nil {
			r.Major = *d.Major
		}
		if d.Minor != nil {
			r.Minor = *d.Minor
		}
		out = append(out, r)
	}
	return out, nil
}
