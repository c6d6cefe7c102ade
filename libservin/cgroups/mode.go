package cgroups

// Mode is the cgroup layout of a host.
type Mode int

const (
	// ModeNone: no cgroup filesystem found.
	ModeNone Mode = iota
	// ModeLegacy: cgroup v1 controllers only.
	ModeLegacy
	// ModeHybrid: v1 controllers plus a cgroup2 hierarchy (usually
	// /sys/fs/cgroup/unified) holding the controllers v1 does not.
	ModeHybrid
	// ModeUnified: pure cgroup v2 at /sys/fs/cgroup.
	ModeUnified
)

func (m Mode) String() string {
	switch m {
	case ModeLegacy:
		return "legacy"
	case ModeHybrid:
		return "hybrid"
	case ModeUnified:
		return "unified"
	}
	return "none"
}
