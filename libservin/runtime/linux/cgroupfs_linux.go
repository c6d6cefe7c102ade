package linux

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// hostCgroupRoot is where the host's cgroup hierarchies are mounted.
const hostCgroupRoot = "/sys/fs/cgroup"

// cgroupLayout is the plan of a "cgroup" mount entry.
type cgroupLayout struct {
	plans    []mountPlan
	symlinks [][2]string // {link path in the container, link target}
	finish   []mountPlan // run after the symlinks (read-only remount of the v1 tmpfs)
}

// procCgroup is one line of /proc/self/cgroup.
type procCgroup struct {
	controllers string // "cpu,cpuacct", "name=systemd", "" for cgroup2
	path        string
}

// parseProcCgroup reads /proc/<pid>/cgroup.
func parseProcCgroup(r io.Reader) ([]procCgroup, error) {
	var out []procCgroup
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		out = append(out, procCgroup{controllers: parts[1], path: parts[2]})
	}
	return out, sc.Err()
}

// cgroupSuperOpts are cgroup v1 super options that are not controllers.
var cgroupSuperOpts = map[string]bool{
	"rw": true, "ro": true, "xattr": true, "noprefix": true, "clone_children": true,
	"cpuset_v2_mode": true, "favordynmods": true,
}

// cgroupSubsystems returns the controllers (and name=) of a v1 hierarchy
// from its super options, in mountinfo order.
func cgroupSubsystems(vfsOpts string) []string {
	var out []string
	for _, o := range strings.Split(vfsOpts, ",") {
		if o == "" || cgroupSuperOpts[o] || strings.HasPrefix(o, "release_agent=") {
			continue
		}
		out = append(out, o)
	}
	return out
}

// ownCgroupPath finds the cgroup of this process in the hierarchy whose
// controllers are subsystems (nil for cgroup2).
func ownCgroupPath(own []procCgroup, subsystems []string) (string, bool) {
	for _, c := range own {
		if subsystems == nil {
			if c.controllers == "" {
				return c.path, true
			}
			continue
		}
		cs := strings.Split(c.controllers, ",")
		if len(cs) == len(subsystems) && !slices.ContainsFunc(subsystems, func(s string) bool { return !slices.Contains(cs, s) }) {
			return c.path, true
		}
	}
	return "", false
}

// hostCgroupDir is the host directory of the process's cgroup in the
// hierarchy mounted at info.
func hostCgroupDir(info *mountinfo.Info, cgPath string) string {
	rel := cgPath
	if info.Root != "/" {
		if r, err := filepath.Rel(info.Root, cgPath); err == nil && !strings.HasPrefix(r, "..") {
			rel = r
		}
	}
	return filepath.Join(info.Mountpoint, rel)
}

// planCgroupMounts lays out a "cgroup" mount from the host's cgroup mounts
// (mountinfo entries of type cgroup/cgroup2) and the process's own cgroups:
// on a pure cgroup v2 host one cgroup2 mount; on a v1 or hybrid host a
// tmpfs with one directory per hierarchy. With a cgroup namespace each
// hierarchy is mounted afresh; without one the process's own cgroup
// directories are bind-mounted so the host tree stays hidden.
func planCgroupMounts(m specs.Mount, infos []*mountinfo.Info, own []procCgroup, cgroupNS bool) (cgroupLayout, error) {
	var l cgroupLayout
	dest, err := cleanDest(m.Destination)
	if err != nil {
		return l, err
	}
	o, err := parseSpecMount(m)
	if err != nil {
		return l, err
	}
	bindOpts := o
	bindOpts.flags |= unix.MS_BIND | unix.MS_REC
	bindOpts.propagation, bindOpts.attrSet, bindOpts.attrClr = nil, 0, 0
	var v1, v2 []*mountinfo.Info
	seen := map[string]bool{}
	for _, in := range infos {
		// Only the host's standard hierarchies, once each: mountinfo may
		// also list cgroup mounts inside other containers' rootfs.
		if in.Mountpoint != hostCgroupRoot && path.Dir(in.Mountpoint) != hostCgroupRoot || seen[in.Mountpoint] {
			continue
		}
		seen[in.Mountpoint] = true
		switch in.FSType {
		case "cgroup":
			v1 = append(v1, in)
		case "cgroup2":
			v2 = append(v2, in)
		}
	}
	if len(v1) == 0 {
		if len(v2) == 0 {
			return l, fmt.Errorf("%w: %s: no cgroup filesystem mounted on the host", ErrInvalidMount, dest)
		}
		p, err := cgroupHierarchyPlan(dest, v2[0], nil, own, o, bindOpts, cgroupNS)
		if err != nil {
			return l, err
		}
		p.steps = append(p.steps, finishSteps(o)...)
		l.plans = append(l.plans, p)
		return l, nil
	}
	tmpfsFlags := o.flags &^ (unix.MS_RDONLY | unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT)
	top := mountPlan{dest: dest, steps: []mountStep{{kind: stepMount, source: "tmpfs", fstype: "tmpfs", flags: tmpfsFlags, data: "mode=755"}}}
	l.plans = append(l.plans, top)
	for _, in := range append(v1, v2...) {
		name := path.Base(in.Mountpoint)
		var subs []string
		if in.FSType == "cgroup" {
			subs = cgroupSubsystems(in.VFSOptions)
		}
		p, err := cgroupHierarchyPlan(path.Join(dest, name), in, subs, own, o, bindOpts, cgroupNS)
		if err != nil {
			return l, err
		}
		l.plans = append(l.plans, p)
		// Co-mounted controllers get a symlink each, as on the host
		// (cpu -> cpu,cpuacct).
		for _, s := range subs {
			if s != name && !strings.HasPrefix(s, "name=") && strings.Contains(name, ",") {
				l.symlinks = append(l.symlinks, [2]string{path.Join(dest, s), name})
			}
		}
	}
	fin := mountPlan{dest: dest}
	if o.flags&unix.MS_RDONLY != 0 {
		fin.steps = append(fin.steps, mountStep{kind: stepBindRemount, flags: o.flags & remountFlags, cleared: o.cleared})
	}
	fin.steps = append(fin.steps, finishSteps(o)...)
	if len(fin.steps) > 0 {
		l.finish = append(l.finish, fin)
	}
	return l, nil
}

// cgroupHierarchyPlan plans one hierarchy (subs nil for cgroup2).
func cgroupHierarchyPlan(dest string, in *mountinfo.Info, subs []string, own []procCgroup, o, bindOpts mountOptions, cgroupNS bool) (mountPlan, error) {
	p := mountPlan{dest: dest}
	cgPath, ok := ownCgroupPath(own, subs)
	var bind *mountPlan
	if ok {
		bind = &mountPlan{dest: dest, steps: bindSteps(hostCgroupDir(in, cgPath), bindOpts)}
	}
	if !cgroupNS {
		if bind == nil {
			return p, fmt.Errorf("%w: %s: process is in no cgroup of hierarchy %s", ErrInvalidMount, dest, in.Mountpoint)
		}
		return *bind, nil
	}
	fstype, data := "cgroup2", ""
	if subs != nil {
		fstype, data = "cgroup", strings.Join(subs, ",")
	}
	flags := o.flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT)
	p.steps = []mountStep{{kind: stepMount, source: "cgroup", fstype: fstype, flags: flags, data: data}}
	p.fallback = bind
	return p, nil
}

// readCgroupMounts returns the host's cgroup mounts and this process's
// cgroups.
func readCgroupMounts() ([]*mountinfo.Info, []procCgroup, error) {
	infos, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, nil, fmt.Errorf("read mountinfo: %w", err)
	}
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	own, err := parseProcCgroup(f)
	if err != nil {
		return nil, nil, fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	return infos, own, nil
}
