package seccomp

import (
	"fmt"

	profiles "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultCaps is the bounding set containers get by default (runtime-tools
// and Docker): the default profile only allows what needs more, like
// mount(2) with CAP_SYS_ADMIN, when the container is granted it.
var defaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// DefaultProfile returns the Docker/moby default profile
// (github.com/moby/profiles/seccomp) for a container with the default
// capability set, on this host's architecture and kernel: defaultAction
// SCMP_ACT_ERRNO (EPERM) with an allow list of about 370 syscalls.
func DefaultProfile() *specs.LinuxSeccomp {
	p, _ := DefaultProfileFor(defaultCaps)
	return p
}

// DefaultProfileFor returns the default profile for a container whose
// bounding capability set is caps ("CAP_SYS_ADMIN", ...): rules that need a
// capability are included only when it is granted, as Docker does.
func DefaultProfileFor(caps []string) (*specs.LinuxSeccomp, error) {
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
	return profiles.GetDefaultProfile(rs)
}

// ParseProfile reads a profile in Docker's JSON format (runtime-spec
// fields plus archMap and includes/excludes by capability, architecture
// and kernel version), as `--security-opt seccomp=FILE` takes it, and
// resolves it for a container whose bounding set is caps.
func ParseProfile(data []byte, caps []string) (*specs.LinuxSeccomp, error) {
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
	p, err := profiles.LoadProfile(string(data), rs)
	if err != nil {
		return nil, fmt.Errorf("parse seccomp profile: %w", err)
	}
	if p == nil || p.DefaultAction == "" {
		return nil, fmt.Errorf("parse seccomp profile: no defaultAction: %w", ErrInvalid)
	}
	if err := Validate(p); err != nil {
		return nil, err
	}
	return p, nil
}
