package runtime

import (
	"strings"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"github.com/servin/servin/libservin/runtime/linux"
	"github.com/servin/servin/libservin/seccomp"
)

// Features is the truthful `servin-run features` document: only what this
// build implements.
func Features() *features.Features {
	f, t := false, true
	idmap := linux.IDMapSupported()
	var caps []string
	last, _ := capability.LastCap()
	for _, c := range capability.ListKnown() {
		if c <= last {
			caps = append(caps, "CAP_"+strings.ToUpper(c.String()))
		}
	}
	return &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
		MountOptions:  linux.KnownMountOptions(),
		Linux: &features.Linux{
			Namespaces:   []string{"cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time"},
			Capabilities: caps,
			Cgroup:       &features.Cgroup{V1: &t, V2: &t, Systemd: &f, SystemdUser: &f, Rdma: &f},
			Seccomp:      seccomp.Features(),
			Apparmor:     &features.Apparmor{Enabled: &f},
			Selinux:      &features.Selinux{Enabled: &f},
			IntelRdt:     &features.IntelRdt{Enabled: &f},
			MountExtensions: &features.MountExtensions{
				IDMap: &features.IDMap{Enabled: &idmap},
			},
		},
		Annotations: map[string]string{
			"io.github.servin.nsenter": "cgo constructor, re-exec from a private read-only copy",
		},
	}
}
