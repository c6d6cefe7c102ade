package linux_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/servin/servin/libservin/runtime/linux"
	"github.com/servin/servin/libservin/spec"
	"github.com/servin/servin/libservin/testutil"
)

// childEnv makes the test binary act as a container init: it runs
// PrepareRootfs and FinalizeRootfs with the config in the named file, then
// execs busybox sh with the config's script.
const childEnv = "SERVIN_ROOTFS_TEST_CHILD"

type childConfig struct {
	UserNS    bool   // run the child in a new user namespace mapping 0-65535 ...
	HostID    uint32 // ... to HostID-HostID+65535 on the host
	Binary    string `json:"-"` // test binary to run (default os.Args[0])
	CfgDir    string `json:"-"` // where to write the config (default a temp dir)
	Spec      *specs.Spec
	Rootfs    string
	NoPivot   bool
	BundleDir string
	Script    string
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(childEnv); cfg != "" {
		runtime.LockOSThread()
		os.Exit(rootfsChild(cfg))
	}
	os.Exit(m.Run())
}

func rootfsChild(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	var cfg childConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	opts := linux.RootfsOptions{
		NoPivot:   cfg.NoPivot,
		BundleDir: cfg.BundleDir,
		BeforePivot: func() error {
			_, err := os.Stat(filepath.Join(cfg.Rootfs, "dev/null"))
			fmt.Printf("BEFORE_PIVOT devnull=%v\n", err == nil)
			return nil
		},
	}
	if err := linux.PrepareRootfs(cfg.Spec, cfg.Rootfs, opts); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	if err := linux.FinalizeRootfs(cfg.Spec); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	err = syscall.Exec("/bin/busybox", []string{"sh", "-c", cfg.Script}, []string{"PATH=/bin"})
	fmt.Fprintln(os.Stderr, "child: exec:", err)
	return 1
}

// cloneFlags are the namespaces of s that the child gets (user and time
// namespaces excepted).
func cloneFlags(s *specs.Spec) uintptr {
	m := map[specs.LinuxNamespaceType]uintptr{
		specs.MountNamespace: unix.CLONE_NEWNS, specs.PIDNamespace: unix.CLONE_NEWPID,
		specs.UTSNamespace: unix.CLONE_NEWUTS, specs.IPCNamespace: unix.CLONE_NEWIPC,
		specs.NetworkNamespace: unix.CLONE_NEWNET, specs.CgroupNamespace: unix.CLONE_NEWCGROUP,
	}
	var f uintptr
	if s.Linux != nil {
		for _, ns := range s.Linux.Namespaces {
			f |= m[ns.Type]
		}
	}
	return f
}

// runChild starts the child on cfg and returns its stdout; it fails the
// test when the child fails.
func runChild(t *testing.T, cfg childConfig) string {
	t.Helper()
	out, errOut, err := startChild(t, cfg)
	if err != nil {
		t.Fatalf("child: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	t.Logf("child stdout:\n%s", out)
	return out
}

func startChild(t *testing.T, cfg childConfig) (string, string, error) {
	t.Helper()
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfgDir, bin := cfg.CfgDir, cfg.Binary
	if cfgDir == "" {
		cfgDir = t.TempDir()
	}
	if bin == "" {
		bin = os.Args[0]
	}
	cfgPath := filepath.Join(cfgDir, "child.json")
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+cfgPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: cloneFlags(cfg.Spec), Pdeathsig: syscall.SIGKILL}
	if cfg.UserNS {
		// Identity mapping: files keep their owners, but the namespaces are
		// owned by a new user namespace, so mknod is refused and the
		// host's mount flags are locked, as in a rootless container.
		cmd.SysProcAttr.Cloneflags |= unix.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: int(cfg.HostID), Size: 65536}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: int(cfg.HostID), Size: 65536}}
		cmd.SysProcAttr.GidMappingsEnableSetgroups = true
		// Become the namespace's root before exec, or exec drops every
		// capability when the host's root is unmapped.
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 0, Gid: 0}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}

// hostMounts lists the mounts at or below prefix in the test's own mount
// namespace (the host's).
func hostMounts(t *testing.T, prefix string) []string {
	t.Helper()
	infos, err := mountinfo.GetMounts(mountinfo.PrefixFilter(prefix))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range infos {
		out = append(out, fmt.Sprintf("%d %s", in.ID, in.Mountpoint))
	}
	return out
}

// newRootfs builds a busybox rootfs and registers a check, run after every
// other cleanup of the test, that the host's mounts below the test's
// temporary directories are unchanged.
func newRootfs(t *testing.T) string {
	t.Helper()
	testutil.RequireRoot(t)
	dir := t.TempDir()
	before := hostMounts(t, dir)
	// Registered after TempDir, so it runs before the directory is removed:
	// a leaked bind must never let RemoveAll reach host files.
	t.Cleanup(func() {
		if after := hostMounts(t, dir); !slices.Equal(before, after) {
			t.Errorf("host mounts below %s changed:\nbefore %q\nafter  %q", dir, before, after)
			detachAll(t, dir)
		}
	})
	return testutil.BusyboxRootfs(t, filepath.Join(dir, "rootfs"))
}

// detachAll detaches every mount at or below dir, deepest first.
func detachAll(t *testing.T, dir string) {
	t.Helper()
	infos, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(infos, func(a, b *mountinfo.Info) int { return len(b.Mountpoint) - len(a.Mountpoint) })
	for _, in := range infos {
		if err := unix.Unmount(in.Mountpoint, unix.MNT_DETACH); err != nil {
			t.Errorf("detach leaked mount %s: %v", in.Mountpoint, err)
		}
	}
}

// hostDir makes a directory next to rootfs, inside the test's checked
// temporary directory.
func hostDir(t *testing.T, rootfs string) string {
	t.Helper()
	d, err := os.MkdirTemp(filepath.Dir(rootfs), "host")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testSpec is spec.Default() for rootfs.
func testSpec(rootfs string) *specs.Spec {
	s := spec.Default()
	s.Root.Path = rootfs
	return s
}

// mounts parses the mountinfo section printed by a child's script.
func mounts(t *testing.T, text string) map[string]*mountinfo.Info {
	t.Helper()
	infos, err := mountinfo.GetMountsFromReader(strings.NewReader(text), nil)
	if err != nil {
		t.Fatalf("parse mountinfo: %v\n%s", err, text)
	}
	m := map[string]*mountinfo.Info{}
	for _, in := range infos {
		m[in.Mountpoint] = in // the last (top) mount on a path wins
	}
	return m
}

// section returns the lines between "==name" and the next "==" marker.
func section(out, name string) string {
	_, rest, ok := strings.Cut(out, "=="+name+"\n")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n=="); i >= 0 {
		rest = rest[:i+1]
	}
	return rest
}

func hasOpt(opts, o string) bool { return slices.Contains(strings.Split(opts, ","), o) }

// wantMount checks that mp is mounted with fstype and every per-mount option.
func wantMount(t *testing.T, ms map[string]*mountinfo.Info, mp, fstype string, opts ...string) *mountinfo.Info {
	t.Helper()
	in, ok := ms[mp]
	if !ok {
		t.Errorf("no mount at %s", mp)
		return nil
	}
	if fstype != "" && in.FSType != fstype {
		t.Errorf("mount %s: type %s, want %s", mp, in.FSType, fstype)
	}
	for _, o := range opts {
		if !hasOpt(in.Options, o) {
			t.Errorf("mount %s: options %q lack %q", mp, in.Options, o)
		}
	}
	return in
}

func wantLine(t *testing.T, out, line string) {
	t.Helper()
	if !slices.Contains(strings.Split(out, "\n"), line) {
		t.Errorf("output lacks line %q:\n%s", line, out)
	}
}

const statDevs = `stat -c '%n|%F|%a|%u|%g|%t|%T' `

func TestPrepareRootfsDefault(t *testing.T) {
	rootfs := newRootfs(t)
	s := testSpec(rootfs)
	out := runChild(t, childConfig{Spec: s, Rootfs: rootfs, Script: `
echo ==MOUNTS; cat /proc/self/mountinfo
echo ==DEV; ` + statDevs + `/dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty
echo ==LINKS; for l in fd stdin stdout stderr ptmx; do echo "$l $(readlink /dev/$l)"; done
echo ==CHECKS
echo "firmware $(ls -A /sys/firmware | wc -l)"
echo "timer_list $(cat /proc/timer_list 2>/dev/null | wc -c)"
(echo x > /proc/sys/kernel/domainname) 2>/dev/null && echo procsys writable || echo procsys ro
touch /newfile 2>/dev/null && echo root writable || echo root ro
touch /dev/shm/f && echo shm writable
echo "pwd $(pwd)"
echo "umask $(umask)"
echo ==END`})
	wantLine(t, out, "BEFORE_PIVOT devnull=true")
	ms := mounts(t, section(out, "MOUNTS"))
	wantMount(t, ms, "/", "", "ro")
	wantMount(t, ms, "/proc", "proc")
	wantMount(t, ms, "/dev", "tmpfs", "nosuid")
	wantMount(t, ms, "/dev/pts", "devpts", "nosuid", "noexec")
	wantMount(t, ms, "/dev/shm", "tmpfs", "nosuid", "noexec", "nodev")
	wantMount(t, ms, "/dev/mqueue", "mqueue", "nosuid", "noexec", "nodev")
	wantMount(t, ms, "/sys", "sysfs", "ro", "nosuid", "noexec", "nodev")
	wantMount(t, ms, "/sys/fs/cgroup", "tmpfs", "ro", "nosuid")
	if _, err := os.Stat("/sys/fs/cgroup/pids"); err == nil {
		wantMount(t, ms, "/sys/fs/cgroup/pids", "cgroup", "ro", "nosuid")
	}
	wantMount(t, ms, "/proc/sys", "proc", "ro")
	wantMount(t, ms, "/proc/timer_list", "")
	wantMount(t, ms, "/sys/firmware", "tmpfs", "ro")
	for mp := range ms {
		if strings.HasPrefix(mp, filepath.Dir(rootfs)) || mp == "/mnt/sandboxing" {
			t.Errorf("host mount %s visible after pivot_root", mp)
		}
	}
	dev := section(out, "DEV")
	for _, d := range []string{"null|character special file|666|0|0|1|3", "zero|character special file|666|0|0|1|5",
		"full|character special file|666|0|0|1|7", "random|character special file|666|0|0|1|8",
		"urandom|character special file|666|0|0|1|9", "tty|character special file|666|0|0|5|0"} {
		wantLine(t, dev, "/dev/"+d)
	}
	links := section(out, "LINKS")
	for _, l := range []string{"fd /proc/self/fd", "stdin /proc/self/fd/0", "stdout /proc/self/fd/1", "stderr /proc/self/fd/2", "ptmx pts/ptmx"} {
		wantLine(t, links, l)
	}
	checks := section(out, "CHECKS")
	for _, l := range []string{"firmware 0", "timer_list 0", "procsys ro", "root ro", "shm writable", "pwd /"} {
		wantLine(t, checks, l)
	}
	if _, err := os.Stat(filepath.Join(rootfs, "newfile")); err == nil {
		t.Error("write to read-only root reached the rootfs")
	}
}

func TestPrepareRootfsBindsAndTmpfs(t *testing.T) {
	rootfs := newRootfs(t)
	host := hostDir(t, rootfs)
	hostDir := filepath.Join(host, "data")
	for _, d := range []string{hostDir, filepath.Join(hostDir, "sub"), filepath.Join(host, "rel")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(hostDir, "hello"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hostFile := filepath.Join(host, "file")
	if err := os.WriteFile(hostFile, []byte("file content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A submount in the host directory, to tell bind from rbind and ro from rro.
	sub := filepath.Join(hostDir, "sub")
	if err := unix.Mount("tmpfs", sub, "tmpfs", 0, "size=64k"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Unmount(sub, unix.MNT_DETACH) })

	s := testSpec(rootfs)
	s.Root.Readonly = false
	s.Mounts = append(s.Mounts,
		specs.Mount{Destination: "/etc", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup", "nosuid", "size=1m"}},
		specs.Mount{Destination: "/etc/myfile", Type: "none", Source: hostFile, Options: []string{"bind", "ro"}},
		specs.Mount{Destination: "/mnt/ro", Source: hostDir, Options: []string{"rbind", "ro"}},
		specs.Mount{Destination: "/mnt/rro", Source: hostDir, Options: []string{"rbind", "rro"}},
		specs.Mount{Destination: "/mnt/shared", Source: hostDir, Options: []string{"bind", "shared"}},
		// A bind of the container's own shared mount: rslave turns the peer into a slave.
		specs.Mount{Destination: "/mnt/rw", Source: filepath.Join(rootfs, "mnt/shared"), Options: []string{"rbind", "rw", "nosuid", "rslave"}},
		specs.Mount{Destination: "/mnt/private", Source: hostDir, Options: []string{"bind", "private", "noexec"}},
		specs.Mount{Destination: "/mnt/unbindable", Source: hostDir, Options: []string{"bind", "unbindable"}},
		specs.Mount{Destination: "/mnt/rel", Source: "rel", Options: []string{"bind"}},
		specs.Mount{Destination: "/mnt/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "noexec", "strictatime", "mode=700", "size=1k", "private"}},
	)
	out := runChild(t, childConfig{Spec: s, Rootfs: rootfs, BundleDir: host, Script: `
echo ==MOUNTS; cat /proc/self/mountinfo
echo ==CHECKS
echo "passwd $(head -c 5 /etc/passwd)"
echo "myfile $(cat /etc/myfile)"
touch /etc/new && echo etc writable
touch /etc/myfile 2>/dev/null && echo myfile writable || echo myfile ro
echo "ro $(cat /mnt/ro/hello)"
touch /mnt/ro/x 2>/dev/null && echo ro writable || echo ro ro
touch /mnt/ro/sub/x 2>/dev/null && echo rosub writable || echo rosub ro
touch /mnt/rro/sub/x 2>/dev/null && echo rrosub writable || echo rrosub ro
touch /mnt/rw/written && echo rw writable
echo "tmpmode $(stat -c %a /mnt/tmp)"
echo ==END`})
	ms := mounts(t, section(out, "MOUNTS"))
	etc := wantMount(t, ms, "/etc", "tmpfs", "nosuid")
	if etc != nil && !strings.Contains(etc.VFSOptions, "size=1024k") {
		t.Errorf("/etc tmpfs super options %q lack size=1024k", etc.VFSOptions)
	}
	wantMount(t, ms, "/etc/myfile", "", "ro")
	wantMount(t, ms, "/mnt/ro", "", "ro")
	wantMount(t, ms, "/mnt/rro", "", "ro")
	wantMount(t, ms, "/mnt/rro/sub", "tmpfs", "ro")
	wantMount(t, ms, "/mnt/ro/sub", "tmpfs", "rw")
	if rw := wantMount(t, ms, "/mnt/rw", "", "rw", "nosuid"); rw != nil && !strings.Contains(rw.Optional, "master:") {
		t.Errorf("/mnt/rw (rslave) optional fields %q lack master:", rw.Optional)
	}
	if sh := wantMount(t, ms, "/mnt/shared", ""); sh != nil && !strings.Contains(sh.Optional, "shared:") {
		t.Errorf("/mnt/shared optional fields %q lack shared:", sh.Optional)
	}
	if pr := wantMount(t, ms, "/mnt/private", "", "noexec"); pr != nil && pr.Optional != "" {
		t.Errorf("/mnt/private optional fields %q, want none", pr.Optional)
	}
	if ub := wantMount(t, ms, "/mnt/unbindable", ""); ub != nil && !strings.Contains(ub.Optional, "unbindable") {
		t.Errorf("/mnt/unbindable optional fields %q lack unbindable", ub.Optional)
	}
	if rel := wantMount(t, ms, "/mnt/rel", ""); rel != nil && rel.Root != filepath.Join(host, "rel") {
		t.Errorf("/mnt/rel root %q, want %q", rel.Root, filepath.Join(host, "rel"))
	}
	if tm := wantMount(t, ms, "/mnt/tmp", "tmpfs", "nosuid", "nodev", "noexec"); tm != nil && !strings.Contains(tm.VFSOptions, "size=4k") {
		t.Errorf("/mnt/tmp super options %q lack size=4k", tm.VFSOptions)
	}
	checks := section(out, "CHECKS")
	for _, l := range []string{"passwd root:", "myfile file content", "etc writable", "myfile ro", "ro hi",
		"ro ro", "rosub writable", "rrosub ro", "rw writable", "tmpmode 700"} {
		wantLine(t, checks, l)
	}
	if _, err := os.Stat(filepath.Join(rootfs, "etc/new")); err == nil {
		t.Error("write to tmpcopyup /etc reached the rootfs")
	}
	if _, err := os.Stat(filepath.Join(hostDir, "written")); err != nil {
		t.Errorf("write through rw bind not on host: %v", err)
	}
}

func TestPrepareRootfsDevices(t *testing.T) {
	rootfs := newRootfs(t)
	s := testSpec(rootfs)
	mode := func(m os.FileMode) *os.FileMode { return &m }
	id := func(i uint32) *uint32 { return &i }
	s.Linux.Devices = []specs.LinuxDevice{
		{Path: "/dev/fifo0", Type: "p", FileMode: mode(0o640), UID: id(1000), GID: id(1001)},
		{Path: "/dev/mychar", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o600), UID: id(2), GID: id(3)},
		{Path: "/dev/myblk", Type: "b", Major: 7, Minor: 0, FileMode: mode(0o660), GID: id(6)},
		{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o620)},
		{Path: "/opt/dev/zero2", Type: "u", Major: 1, Minor: 5},
	}
	out := runChild(t, childConfig{Spec: s, Rootfs: rootfs, Script: `echo ==DEV; ` + statDevs +
		`/dev/fifo0 /dev/mychar /dev/myblk /dev/null /opt/dev/zero2 /dev/zero; echo ==END`})
	dev := section(out, "DEV")
	for _, l := range []string{
		"/dev/fifo0|fifo|640|1000|1001|0|0",
		"/dev/mychar|character special file|600|2|3|1|3",
		"/dev/myblk|block special file|660|0|6|7|0",
		"/dev/null|character special file|620|0|0|1|3",
		"/opt/dev/zero2|character special file|666|0|0|1|5",
		"/dev/zero|character special file|666|0|0|1|5",
	} {
		wantLine(t, dev, l)
	}
}

func TestPrepareRootfsDeviceMismatch(t *testing.T) {
	rootfs := newRootfs(t)
	if err := os.WriteFile(filepath.Join(rootfs, "etc/notadev"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := testSpec(rootfs)
	s.Linux.Devices = []specs.LinuxDevice{{Path: "/etc/notadev", Type: "c", Major: 1, Minor: 3}}
	_, errOut, err := startChild(t, childConfig{Spec: s, Rootfs: rootfs, Script: "true"})
	if err == nil || !strings.Contains(errOut, "not the requested device") {
		t.Errorf("child err = %v, stderr %q; want a device mismatch error", err, errOut)
	}
}

// hostileRootfs plants symlinks in rootfs that point at host directories
// (absolute, and through ../..), and returns a spec mounting over them.
func hostileRootfs(t *testing.T, rootfs string) (*specs.Spec, []string) {
	t.Helper()
	host := hostDir(t, rootfs)
	var targets []string
	for _, n := range []string{"abs", "rel", "dev"} {
		d := filepath.Join(host, n)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "host-secret"), []byte("secret"), 0o644); err != nil {
			t.Fatal(err)
		}
		targets = append(targets, d)
	}
	links := map[string]string{
		"evil-abs":  targets[0],
		"evil-rel":  "../../../../../../../../../.." + targets[1],
		"evil-dev":  targets[2],
		"evil-root": "/",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(rootfs, name)); err != nil {
			t.Fatal(err)
		}
	}
	src := hostDir(t, rootfs)
	s := testSpec(rootfs)
	s.Root.Readonly = false
	s.Mounts = append(s.Mounts,
		specs.Mount{Destination: "/evil-abs", Type: "tmpfs", Source: "tmpfs"},
		specs.Mount{Destination: "/evil-rel/sub", Source: src, Options: []string{"bind"}},
		specs.Mount{Destination: "/evil-root/../../etc/evilmnt", Type: "tmpfs", Source: "tmpfs"},
	)
	s.Linux.Devices = []specs.LinuxDevice{{Path: "/evil-dev/null2", Type: "c", Major: 1, Minor: 3}}
	return s, targets
}

const hostileScript = `
echo ==MOUNTS; cat /proc/self/mountinfo
echo ==CHECKS
touch /evil-abs/inside && echo abs writable
ls /evil-abs | wc -l | sed 's/^/abs entries /'
touch /evil-rel/sub/inside && echo rel writable
` + statDevs + `/evil-dev/null2
echo ==END`

func checkHostTargets(t *testing.T, targets []string) {
	t.Helper()
	for _, d := range targets {
		entries, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "host-secret" {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("host directory %s touched: %q", d, names)
		}
	}
}

func TestPrepareRootfsHostileSymlinks(t *testing.T) {
	rootfs := newRootfs(t)
	s, targets := hostileRootfs(t, rootfs)
	out := runChild(t, childConfig{Spec: s, Rootfs: rootfs, Script: hostileScript})
	ms := mounts(t, section(out, "MOUNTS"))
	// Inside the container the symlinks resolve as if the rootfs were "/".
	wantMount(t, ms, targets[0], "tmpfs")
	wantMount(t, ms, filepath.Join(targets[1], "sub"), "")
	wantMount(t, ms, "/etc/evilmnt", "tmpfs")
	checks := section(out, "CHECKS")
	for _, l := range []string{"abs writable", "abs entries 1", "rel writable",
		"/evil-dev/null2|character special file|666|0|0|1|3"} {
		wantLine(t, checks, l)
	}
	checkHostTargets(t, targets)
	for _, p := range []string{targets[0], filepath.Join(targets[1], "sub"), filepath.Join(targets[2], "null2")} {
		if _, err := os.Lstat(filepath.Join(rootfs, p)); err != nil {
			t.Errorf("%s not created inside the rootfs: %v", p, err)
		}
	}
}

func TestPrepareRootfsNoPivot(t *testing.T) {
	rootfs := newRootfs(t)
	s := testSpec(rootfs)
	out := runChild(t, childConfig{Spec: s, Rootfs: rootfs, NoPivot: true, Script: `
echo ==MOUNTS; cat /proc/self/mountinfo
echo ==CHECKS
touch /newfile 2>/dev/null && echo root writable || echo root ro
echo "bin $(ls /bin/busybox)"
echo "null $(stat -c %t:%T /dev/null)"
echo ==END`})
	ms := mounts(t, section(out, "MOUNTS"))
	wantMount(t, ms, "/", "", "ro")
	wantMount(t, ms, "/proc", "proc")
	wantMount(t, ms, "/dev", "tmpfs")
	wantMount(t, ms, "/sys", "sysfs", "ro")
	checks := section(out, "CHECKS")
	for _, l := range []string{"root ro", "bin /bin/busybox", "null 1:3"} {
		wantLine(t, checks, l)
	}
}

func TestPrepareRootfsPropagation(t *testing.T) {
	script := `
mkdir -p /t /m /s && touch /s/f
mount -o rbind / /t 2>/dev/null || echo BIND-FAILED
mount -o bind /s /m
test -e /t/m/f && echo EXPOSED || echo HIDDEN
`
	for _, tc := range []struct{ prop, want string }{
		{"shared", "EXPOSED"}, {"slave", "HIDDEN"}, {"private", "HIDDEN"}, {"rprivate", "HIDDEN"}, {"unbindable", "BIND-FAILED"},
	} {
		t.Run(tc.prop, func(t *testing.T) {
			rootfs := newRootfs(t)
			s := testSpec(rootfs)
			s.Root.Readonly = false
			s.Linux.RootfsPropagation = tc.prop
			out := runChild(t, childConfig{Spec: s, Rootfs: rootfs, Script: script})
			wantLine(t, out, tc.want)
		})
	}
}

func TestPrepareRootfsNoMountNamespace(t *testing.T) {
	rootfs := newRootfs(t)
	s, targets := hostileRootfs(t, rootfs)
	s.Root.Readonly = true
	s.Linux.Namespaces = nil
	t.Cleanup(func() { _ = linux.CleanupRootfs(rootfs) })
	out := runChild(t, childConfig{Spec: s, Rootfs: rootfs, Script: `
echo ==CHECKS
touch /newfile 2>/dev/null && echo root writable || echo root ro
touch /evil-abs/inside && echo abs writable
echo "null $(stat -c %t:%T /dev/null)"
echo "kernel $(cat /proc/sys/kernel/ostype)"
echo ==END`})
	checks := section(out, "CHECKS")
	for _, l := range []string{"root ro", "abs writable", "null 1:3", "kernel Linux"} {
		wantLine(t, checks, l)
	}
	checkHostTargets(t, targets)
	// The mounts live in the host namespace, all below the rootfs.
	left := hostMounts(t, rootfs)
	if len(left) < 5 {
		t.Errorf("expected the container's mounts below %s on the host, got %q", rootfs, left)
	}
	for _, d := range targets {
		if m := hostMounts(t, d); len(m) != 0 {
			t.Errorf("mount landed on host directory %s: %q", d, m)
		}
	}
	if err := linux.CleanupRootfs(rootfs); err != nil {
		t.Fatal(err)
	}
	if left := hostMounts(t, rootfs); len(left) != 0 {
		t.Errorf("mounts left below %s after CleanupRootfs: %q", rootfs, left)
	}
	if err := linux.CleanupRootfs(rootfs); err != nil {
		t.Errorf("second CleanupRootfs: %v", err)
	}
	if err := linux.CleanupRootfs(filepath.Join(rootfs, "does-not-exist")); err != nil {
		t.Errorf("CleanupRootfs of a missing path: %v", err)
	}
}

func TestPrepareRootfsUserNamespace(t *testing.T) {
	rootfs := newRootfs(t)
	s := testSpec(rootfs)
	// No network namespace: sysfs cannot be mounted and /sys is bound instead.
	var ns []specs.LinuxNamespace
	for _, n := range s.Linux.Namespaces {
		if n.Type != specs.NetworkNamespace {
			ns = append(ns, n)
		}
	}
	s.Linux.Namespaces = append(ns, specs.LinuxNamespace{Type: specs.UserNamespace})
	mode := os.FileMode(0o640)
	s.Linux.Devices = []specs.LinuxDevice{
		{Path: "/dev/fifo0", Type: "p", FileMode: &mode},
		{Path: "/dev/kmsg", Type: "c", Major: 1, Minor: 11},
	}
	out := runChild(t, childConfig{UserNS: true, Spec: s, Rootfs: rootfs, Script: `
echo ==MOUNTS; cat /proc/self/mountinfo
echo ==DEV; ` + statDevs + `/dev/null /dev/tty /dev/kmsg /dev/fifo0
echo ==CHECKS
touch /newfile 2>/dev/null && echo root writable || echo root ro
echo "firmware $(ls -A /sys/firmware | wc -l)"
echo ==END`})
	ms := mounts(t, section(out, "MOUNTS"))
	wantMount(t, ms, "/", "", "ro")
	wantMount(t, ms, "/proc", "proc")
	if sys := wantMount(t, ms, "/sys", "sysfs", "ro", "nosuid"); sys != nil && sys.Root != "/" {
		t.Errorf("/sys root %q", sys.Root)
	}
	wantMount(t, ms, "/dev/null", "") // bound from the host: mknod is refused
	wantMount(t, ms, "/dev/kmsg", "")
	wantMount(t, ms, "/sys/fs/cgroup", "tmpfs", "ro")
	dev := section(out, "DEV")
	for _, l := range []string{"/dev/null|character special file|666|0|0|1|3", "/dev/tty|character special file|666|0|0|5|0",
		"/dev/kmsg|character special file|644|0|0|1|b", "/dev/fifo0|fifo|640|0|0|0|0"} {
		wantLine(t, dev, l)
	}
	checks := section(out, "CHECKS")
	for _, l := range []string{"root ro", "firmware 0"} {
		wantLine(t, checks, l)
	}
}

// TestPrepareRootfsUserNamespaceUnmappedRoot runs the init as root of a user
// namespace in which the host's root is unmapped (0 -> 100000, like the
// suite's linux_uid_mappings): the rootfs's files belong to nobody there and
// give no capability-based access.
func TestPrepareRootfsUserNamespaceUnmappedRoot(t *testing.T) {
	rootfs := newRootfs(t)
	base := filepath.Dir(rootfs)
	// The test binary, its config and the rootfs must be reachable by the
	// mapped root: only "other" permission bits apply to it.
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(base, "rootfs.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	s := testSpec(rootfs)
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	out := runChild(t, childConfig{UserNS: true, HostID: 100000, Binary: bin, CfgDir: base,
		Spec: s, Rootfs: rootfs, Script: `
echo ==MOUNTS; cat /proc/self/mountinfo
echo ==CHECKS
awk '{print "uidmap", $1, $2, $3}' /proc/self/uid_map
echo "owner $(stat -c %u /bin/busybox)"
echo "null $(stat -c %t:%T /dev/null)"
touch /newfile 2>/dev/null && echo root writable || echo root ro
echo ==END`})
	ms := mounts(t, section(out, "MOUNTS"))
	wantMount(t, ms, "/", "", "ro")
	wantMount(t, ms, "/proc", "proc")
	wantMount(t, ms, "/sys", "sysfs", "ro")
	wantMount(t, ms, "/dev/pts", "devpts")
	checks := section(out, "CHECKS")
	for _, l := range []string{"uidmap 0 100000 65536", "owner 65534", "null 1:3", "root ro"} {
		wantLine(t, checks, l)
	}
}

// TestCleanupRootfsKeepsCallerMount checks that CleanupRootfs leaves a
// mount the caller had at rootfs (an image overlay, here a bind of another
// directory) and removes only what PrepareRootfs added on top.
func TestCleanupRootfsKeepsCallerMount(t *testing.T) {
	lower := newRootfs(t)
	rootfs := filepath.Join(filepath.Dir(lower), "merged")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(lower, rootfs, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Unmount(rootfs, unix.MNT_DETACH) })
	callerMounts := hostMounts(t, rootfs)
	s := testSpec(rootfs)
	s.Linux.Namespaces = nil
	t.Cleanup(func() { _ = linux.CleanupRootfs(rootfs) })
	runChild(t, childConfig{Spec: s, Rootfs: rootfs, Script: "test -c /dev/null"})
	if got := hostMounts(t, rootfs); len(got) <= len(callerMounts) {
		t.Fatalf("no container mounts at %s: %q", rootfs, got)
	}
	if err := linux.CleanupRootfs(rootfs); err != nil {
		t.Fatal(err)
	}
	if got := hostMounts(t, rootfs); !slices.Equal(got, callerMounts) {
		t.Errorf("mounts at %s after CleanupRootfs = %q, want the caller's %q", rootfs, got, callerMounts)
	}
}
