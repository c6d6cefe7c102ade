package cgroups

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/moby/sys/mountinfo"
)

// hierarchy is one mounted cgroup hierarchy.
type hierarchy struct {
	mount       string   // mount point
	root        string   // the hierarchy path mounted there ("/" on the host)
	controllers []string // v1 subsystems, "name=systemd" for named ones; nil for cgroup2
	v2          bool
}

// key is the Paths key of the hierarchy's first controller.
func (h hierarchy) key() string {
	if h.v2 {
		return UnifiedKey
	}
	return h.controllers[0]
}

// layout is what a cgroupfs root holds.
type layout struct {
	mode Mode
	v1   []hierarchy
	v2   *hierarchy
}

// DetectMode reports the cgroup layout of this host.
func DetectMode() Mode {
	l, err := discover(DefaultRoot)
	if err != nil {
		return ModeNone
	}
	return l.mode
}

// IsV2 reports whether the host runs pure cgroup v2.
func IsV2() bool { return DetectMode() == ModeUnified }

// discover finds the hierarchies under root: from the mount table for the
// host's root, from the directory layout for any other (test) root.
func discover(root string) (*layout, error) {
	var hs []hierarchy
	var err error
	if root == DefaultRoot {
		hs, err = mountedHierarchies(root)
	} else {
		hs, err = scannedHierarchies(root)
	}
	if err != nil {
		return nil, err
	}
	l := &layout{}
	for i := range hs {
		if hs[i].v2 {
			if l.v2 == nil {
				l.v2 = &hs[i]
			}
			continue
		}
		l.v1 = append(l.v1, hs[i])
	}
	switch {
	case l.v2 != nil && l.v2.mount == root:
		l.mode, l.v1 = ModeUnified, nil
	case len(l.v1) > 0 && l.v2 != nil:
		l.mode = ModeHybrid
	case len(l.v1) > 0:
		l.mode = ModeLegacy
	default:
		return nil, fmt.Errorf("no cgroup filesystem mounted at %s: %w", root, ErrNotMounted)
	}
	return l, nil
}

// superOptions are v1 mount options that are not controllers.
var superOptions = map[string]bool{
	"rw": true, "ro": true, "xattr": true, "noprefix": true, "clone_children": true,
	"cpuset_v2_mode": true, "favordynmods": true,
}

func v1Controllers(opts string) []string {
	var out []string
	for _, o := range strings.Split(opts, ",") {
		if o == "" || superOptions[o] || strings.HasPrefix(o, "release_agent=") {
			continue
		}
		out = append(out, o)
	}
	return out
}

var mounts struct {
	sync.Mutex
	infos []*mountinfo.Info
}

// Mounts returns the cgroup and cgroup2 mounts of the process's mount
// namespace. It reads mountinfo once per process (the whole table, however
// many mounts the host has) and returns that afterwards: servin-run is
// short-lived and both creating a cgroup and laying out the container's
// cgroup mount ask.
func Mounts() ([]*mountinfo.Info, error) {
	mounts.Lock()
	defer mounts.Unlock()
	if mounts.infos == nil {
		// The process's, not the thread's (mountinfo.GetMounts reads
		// /proc/thread-self): no thread of servin-run changes its mount
		// namespace, and every /proc/<pid>/task/<tid> entry looked up is
		// one more dentry the kernel walks when the process is reaped.
		f, err := os.Open("/proc/self/mountinfo")
		if err != nil {
			return nil, fmt.Errorf("read mountinfo: %w", err)
		}
		infos, err := mountinfo.GetMountsFromReader(f, mountinfo.FSTypeFilter("cgroup", "cgroup2"))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read mountinfo: %w", err)
		}
		mounts.infos = infos
	}
	return mounts.infos, nil
}

// mountedHierarchies reads the cgroup mounts at root and directly below
// it, once each: mountinfo may also list cgroup mounts inside containers.
func mountedHierarchies(root string) ([]hierarchy, error) {
	infos, err := Mounts()
	if err != nil {
		return nil, err
	}
	var out []hierarchy
	seen := map[string]bool{}
	for _, in := range infos {
		if (in.Mountpoint != root && filepath.Dir(in.Mountpoint) != root) || seen[in.Mountpoint] {
			continue
		}
		seen[in.Mountpoint] = true
		h := hierarchy{mount: in.Mountpoint, root: in.Root, v2: in.FSType == "cgroup2"}
		if !h.v2 {
			if h.controllers = v1Controllers(in.VFSOptions); len(h.controllers) == 0 {
				continue
			}
		}
		out = append(out, h)
	}
	return out, nil
}

// scannedHierarchies reads a fake tree: see WithRoot.
func scannedHierarchies(root string) ([]hierarchy, error) {
	if _, err := os.Stat(filepath.Join(root, "cgroup.controllers")); err == nil {
		return []hierarchy{{mount: root, root: "/", v2: true}}, nil
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("read cgroup root: %w", err)
	}
	var out []hierarchy
	for _, e := range entries {
		if !e.IsDir() { // symlinks such as cpu -> cpu,cpuacct
			continue
		}
		dir := filepath.Join(root, e.Name())
		h := hierarchy{mount: dir, root: "/"}
		if _, err := os.Stat(filepath.Join(dir, "cgroup.controllers")); err == nil || e.Name() == "unified" {
			h.v2 = true
		} else if e.Name() == "systemd" {
			h.controllers = []string{"name=systemd"}
		} else {
			h.controllers = strings.Split(e.Name(), ",")
		}
		out = append(out, h)
	}
	return out, nil
}

// ownCgroups reads a /proc/<pid>/cgroup file into controller → path, with
// UnifiedKey for the cgroup2 line.
func ownCgroups(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return map[string]string{}, nil
		}
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			out[UnifiedKey] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, sc.Err()
}

// cleanInner turns linux.cgroupsPath into a clean path that cannot climb
// out of where it is resolved: absolute stays absolute, relative stays
// relative.
func cleanInner(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	rel, _ := filepath.Rel("/", filepath.Clean("/"+p))
	return rel
}

// resolve gives every hierarchy's directory for cgroupsPath: an absolute
// path is under each mount point (runtime-spec: "relative to the cgroups
// mount point"), a relative one under the caller's own cgroup in each
// hierarchy, as runc does, so it shows in /proc/<pid>/cgroup.
func resolve(l *layout, own map[string]string, inner string) (map[string]string, error) {
	hs := slices.Clone(l.v1)
	if l.v2 != nil {
		hs = append(hs, *l.v2)
	}
	paths := map[string]string{}
	for _, h := range hs {
		dir := filepath.Join(h.mount, inner)
		if !filepath.IsAbs(inner) {
			base, ok := own[h.key()]
			if !ok {
				return nil, fmt.Errorf("resolve cgroup path %s: own cgroup of %s hierarchy unknown", inner, h.key())
			}
			if h.root != "/" {
				if rel, err := filepath.Rel(h.root, base); err == nil && !strings.HasPrefix(rel, "..") {
					base = "/" + rel
				}
			}
			dir = filepath.Join(h.mount, base, inner)
		}
		if h.v2 {
			paths[UnifiedKey] = dir
			continue
		}
		for _, c := range h.controllers {
			paths[c] = dir
		}
	}
	return paths, nil
}

// New resolves linux.cgroupsPath for container id: absolute paths under
// each hierarchy's mount point, relative ones under the caller's own
// cgroups, empty as "/servin/<id>". Nothing is created until Apply.
func New(cgroupsPath, id string, opts ...Option) (*Manager, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	inner := cgroupsPath
	if inner == "" {
		if id == "" || strings.ContainsAny(id, "/") {
			return nil, fmt.Errorf("cgroup for container %q: %w: bad id", id, ErrInvalid)
		}
		inner = "/servin/" + id
	}
	inner = cleanInner(inner)
	if inner == "/" || inner == "." {
		return nil, fmt.Errorf("cgroupsPath %q: %w: it names the root cgroup", cgroupsPath, ErrInvalid)
	}
	l, err := discover(cfg.root)
	if err != nil {
		return nil, err
	}
	own := map[string]string{}
	if !filepath.IsAbs(inner) {
		if own, err = ownCgroups(cfg.selfCgroup); err != nil {
			return nil, fmt.Errorf("read own cgroups: %w", err)
		}
	}
	paths, err := resolve(l, own, inner)
	if err != nil {
		return nil, err
	}
	return &Manager{cfg: cfg, paths: paths, existing: map[string]bool{}}, nil
}
