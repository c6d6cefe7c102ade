package linux

import specs "github.com/opencontainers/runtime-spec/specs-go"

// RootfsOptions controls PrepareRootfs.
type RootfsOptions struct {
	// NoPivot switches root with MS_MOVE + chroot instead of pivot_root
	// (servin-run create --no-pivot).
	NoPivot bool
	// BeforePivot, when set, is called after all mounts and devices are in
	// place and before pivot_root/chroot (prestart, createRuntime and
	// createContainer hooks run there).
	BeforePivot func() error
	// BundleDir resolves relative bind-mount sources ("relative to the
	// bundle", config.md). Empty means relative to the working directory.
	BundleDir string
	// MountFds has, per entry of the config's mounts, the descriptor of
	// a detached idmapped tree to attach there (PrepareIDMappedMounts in
	// the parent), or -1.
	MountFds []int
}

// HasNamespace reports whether s asks for a namespace of type t, new or
// joined by path.
func HasNamespace(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	if s == nil || s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == t {
			return true
		}
	}
	return false
}
