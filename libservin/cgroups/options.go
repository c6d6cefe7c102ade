package cgroups

// DefaultRoot is where the host's cgroup hierarchies are mounted.
const DefaultRoot = "/sys/fs/cgroup"

// Option configures New.
type Option func(*config)

type config struct {
	root       string // cgroupfs root
	selfCgroup string // the /proc/<pid>/cgroup file relative paths start from
	hugepages  string // directory listing the host's hugepage sizes
}

func defaultConfig() config {
	return config{root: DefaultRoot, selfCgroup: "/proc/self/cgroup", hugepages: "/sys/kernel/mm/hugepages"}
}

// WithRoot uses fsRoot in place of /sys/fs/cgroup. Outside the default
// root the hierarchies are found from the directory layout, not from the
// mount table: a directory holding cgroup.controllers (or one named
// "unified") is cgroup2, any other directory is a v1 hierarchy named by
// its controllers ("cpu,cpuacct", "systemd" for name=systemd). Tests use
// it on a fake tree.
func WithRoot(fsRoot string) Option { return func(c *config) { c.root = fsRoot } }

// WithSelfCgroup reads the cgroups that relative paths start from out of
// path (default /proc/self/cgroup, the caller's own).
func WithSelfCgroup(path string) Option { return func(c *config) { c.selfCgroup = path } }
