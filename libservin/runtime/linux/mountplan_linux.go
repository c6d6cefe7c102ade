package linux

import (
	"fmt"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// stepKind is one system call of a mount plan.
type stepKind int

const (
	// stepMount is mount(source, target, fstype, flags, data).
	stepMount stepKind = iota
	// stepBindRemount is mount("", target, "", MS_BIND|MS_REMOUNT|flags, ""),
	// retried with the target's locked flags on EPERM (user namespaces).
	stepBindRemount
	// stepPropagate is mount("", target, "", flags, "") with a propagation flag.
	stepPropagate
	// stepSetattr is mount_setattr(target, AT_RECURSIVE, attrSet/attrClr).
	stepSetattr
	// stepMoveMount is move_mount(fd, target): attach a detached mount
	// tree prepared by the parent (an idmapped bind).
	stepMoveMount
)

func (k stepKind) String() string {
	switch k {
	case stepMount:
		return "mount"
	case stepBindRemount:
		return "remount"
	case stepPropagate:
		return "propagate"
	case stepSetattr:
		return "setattr"
	case stepMoveMount:
		return "move_mount"
	}
	return fmt.Sprintf("step(%d)", int(k))
}

// mountStep is one operation on a mount target.
type mountStep struct {
	kind    stepKind
	source  string
	fstype  string
	flags   uintptr
	cleared uintptr // stepBindRemount: flags the config turned off explicitly
	data    string
	attrSet uint64
	attrClr uint64
	fd      int // stepMoveMount: the detached tree
}

// mountPlan is everything done for one mount destination. It holds no
// host state, so plans are built and checked without root.
type mountPlan struct {
	dest     string // absolute, clean destination inside the container
	file     bool   // the target is a file (bind of a non-directory)
	copyUp   bool   // tmpcopyup: copy the covered directory into the new mount after steps[0]
	steps    []mountStep
	fallback *mountPlan // run instead when steps[0] fails with EPERM or EBUSY
}

// cleanDest makes a destination absolute and clean; relative destinations
// are deprecated but interpreted relative to "/" (config.md).
func cleanDest(dest string) (string, error) {
	if dest == "" {
		return "", fmt.Errorf("%w: empty destination", ErrInvalidMount)
	}
	return filepath.Clean("/" + dest), nil
}

// isBindMount reports whether m is a bind mount: bind or rbind in the
// options, or the legacy type "bind"/"rbind".
func isBindMount(m specs.Mount) bool {
	if m.Type == "bind" || m.Type == "rbind" {
		return true
	}
	return parseMountOptions(m.Options).bind()
}

// parseSpecMount parses m's options, folding in the legacy bind types and
// rejecting what servin cannot do.
func parseSpecMount(m specs.Mount) (mountOptions, error) {
	o := parseMountOptions(m.Options)
	switch m.Type {
	case "bind":
		o.flags |= unix.MS_BIND
	case "rbind":
		o.flags |= unix.MS_BIND | unix.MS_REC
	}
	if wantsIDMap(m, o) && !o.bind() {
		return o, fmt.Errorf("%w: %s: idmapped mounts must be bind mounts", ErrInvalidMount, m.Destination)
	}
	if o.tmpcopyup && m.Type != "tmpfs" {
		return o, fmt.Errorf("%w: %s: tmpcopyup needs type tmpfs, not %q", ErrInvalidMount, m.Destination, m.Type)
	}
	return o, nil
}

// wantsIDMap reports whether m asks for an idmapped mount: idmap or
// ridmap, or mappings of its own.
func wantsIDMap(m specs.Mount, o mountOptions) bool {
	return o.idmap || len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0
}

// planMount builds the plan of a non-cgroup mount. srcIsDir tells whether
// a bind source is a directory (the caller stats it); source is the bind
// source already made absolute. tree is the descriptor of the detached
// idmapped clone of source the parent prepared (PrepareIDMappedMounts),
// -1 when there is none; an idmapped mount without one is refused.
func planMount(m specs.Mount, source string, srcIsDir bool, tree int) (mountPlan, error) {
	dest, err := cleanDest(m.Destination)
	if err != nil {
		return mountPlan{}, err
	}
	o, err := parseSpecMount(m)
	if err != nil {
		return mountPlan{}, err
	}
	if wantsIDMap(m, o) {
		if tree < 0 {
			return mountPlan{}, fmt.Errorf("mount %s: %w", m.Destination, ErrIDMapUnsupported)
		}
		steps := bindSteps(source, o)
		steps[0] = mountStep{kind: stepMoveMount, fd: tree}
		return mountPlan{dest: dest, file: !srcIsDir, steps: steps}, nil
	}
	if o.bind() {
		if source == "" {
			return mountPlan{}, fmt.Errorf("%w: bind mount %s has no source", ErrInvalidMount, dest)
		}
		return mountPlan{dest: dest, file: !srcIsDir, steps: bindSteps(source, o)}, nil
	}
	p := mountPlan{dest: dest, copyUp: o.tmpcopyup}
	flags := o.flags
	if p.copyUp {
		// The copy needs a writable mount; read-only comes after it.
		flags &^= unix.MS_RDONLY
	}
	p.steps = append(p.steps, mountStep{kind: stepMount, source: m.Source, fstype: m.Type, flags: flags, data: o.dataString()})
	if p.copyUp && o.flags&unix.MS_RDONLY != 0 {
		p.steps = append(p.steps, mountStep{kind: stepBindRemount, flags: o.flags & remountFlags, cleared: o.cleared})
	}
	p.steps = append(p.steps, finishSteps(o)...)
	if m.Type == "sysfs" {
		// Mounting sysfs needs a network namespace owned by our user
		// namespace; without one bind the host's /sys (as runc does).
		fo := o
		fo.flags |= unix.MS_BIND | unix.MS_REC
		p.fallback = &mountPlan{dest: dest, steps: bindSteps("/sys", fo)}
	}
	return p, nil
}

// bindSteps are the steps of a bind mount with options o: the bind itself
// (MS_BIND ignores every other flag), a remount applying the per-mount
// flags, then propagation and recursive attributes.
func bindSteps(source string, o mountOptions) []mountStep {
	steps := []mountStep{{kind: stepMount, source: source, fstype: "bind", flags: unix.MS_BIND | o.flags&unix.MS_REC}}
	if (o.flags|o.cleared)&remountFlags != 0 {
		steps = append(steps, mountStep{kind: stepBindRemount, flags: o.flags & remountFlags, cleared: o.cleared})
	}
	return append(steps, finishSteps(o)...)
}

// finishSteps are the propagation changes and recursive attributes that
// follow a mount.
func finishSteps(o mountOptions) []mountStep {
	var steps []mountStep
	for _, p := range o.propagation {
		steps = append(steps, mountStep{kind: stepPropagate, flags: p})
	}
	if o.hasRecAttr() {
		steps = append(steps, mountStep{kind: stepSetattr, attrSet: o.attrSet, attrClr: o.attrClr})
	}
	return steps
}

// bindSource makes a bind source absolute: relative sources are relative
// to the bundle (config.md).
func bindSource(source, bundleDir string) string {
	if source == "" || filepath.IsAbs(source) || bundleDir == "" {
		return source
	}
	return filepath.Join(bundleDir, source)
}
