package linux

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestPlanMount(t *testing.T) {
	sysFallback := func(dest string, flags uintptr) *mountPlan {
		return &mountPlan{dest: dest, steps: []mountStep{
			{kind: stepMount, source: "/sys", fstype: "bind", flags: unix.MS_BIND | unix.MS_REC},
			{kind: stepBindRemount, flags: flags},
		}}
	}
	tests := []struct {
		name     string
		m        specs.Mount
		source   string
		srcIsDir bool
		want     mountPlan
		wantErr  error
	}{
		{
			name: "proc",
			m:    specs.Mount{Destination: "/proc", Type: "proc", Source: "proc"},
			want: mountPlan{dest: "/proc", steps: []mountStep{{kind: stepMount, source: "proc", fstype: "proc"}}},
		},
		{
			name: "relative destination",
			m:    specs.Mount{Destination: "dev/../tmp//x/", Type: "tmpfs", Source: "tmpfs"},
			want: mountPlan{dest: "/tmp/x", steps: []mountStep{{kind: stepMount, source: "tmpfs", fstype: "tmpfs"}}},
		},
		{
			name: "tmpfs with options and propagation",
			m:    specs.Mount{Destination: "/tmp/s", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=1k", "shared"}},
			want: mountPlan{dest: "/tmp/s", steps: []mountStep{
				{kind: stepMount, source: "tmpfs", fstype: "tmpfs", flags: unix.MS_NOSUID | unix.MS_STRICTATIME, data: "mode=755,size=1k"},
				{kind: stepPropagate, flags: unix.MS_SHARED},
			}},
		},
		{
			name:     "bind rw no flags",
			m:        specs.Mount{Destination: "/mnt", Source: "/etc", Options: []string{"bind"}},
			source:   "/etc",
			srcIsDir: true,
			want:     mountPlan{dest: "/mnt", steps: []mountStep{{kind: stepMount, source: "/etc", fstype: "bind", flags: unix.MS_BIND}}},
		},
		{
			name:     "rbind ro with data and rslave",
			m:        specs.Mount{Destination: "/mnt/etc", Source: "/etc", Options: []string{"nosuid", "strictatime", "mode=755", "size=1k", "rbind", "rslave", "ro"}},
			source:   "/etc",
			srcIsDir: true,
			want: mountPlan{dest: "/mnt/etc", steps: []mountStep{
				{kind: stepMount, source: "/etc", fstype: "bind", flags: unix.MS_BIND | unix.MS_REC},
				{kind: stepBindRemount, flags: unix.MS_NOSUID | unix.MS_STRICTATIME | unix.MS_RDONLY},
				{kind: stepPropagate, flags: unix.MS_SLAVE | unix.MS_REC},
			}},
		},
		{
			name:   "file bind with rro",
			m:      specs.Mount{Destination: "/etc/hosts", Type: "none", Source: "/h", Options: []string{"rbind", "rro"}},
			source: "/h",
			want: mountPlan{dest: "/etc/hosts", file: true, steps: []mountStep{
				{kind: stepMount, source: "/h", fstype: "bind", flags: unix.MS_BIND | unix.MS_REC},
				{kind: stepSetattr, attrSet: unix.MOUNT_ATTR_RDONLY},
			}},
		},
		{
			name:     "bind rw explicit remounts",
			m:        specs.Mount{Destination: "/data", Source: "/srv", Options: []string{"bind", "rw", "suid"}},
			source:   "/srv",
			srcIsDir: true,
			want: mountPlan{dest: "/data", steps: []mountStep{
				{kind: stepMount, source: "/srv", fstype: "bind", flags: unix.MS_BIND},
				{kind: stepBindRemount, cleared: unix.MS_RDONLY | unix.MS_NOSUID},
			}},
		},
		{
			name:     "legacy bind type",
			m:        specs.Mount{Destination: "/x", Type: "bind", Source: "/srv"},
			source:   "/srv",
			srcIsDir: true,
			want:     mountPlan{dest: "/x", steps: []mountStep{{kind: stepMount, source: "/srv", fstype: "bind", flags: unix.MS_BIND}}},
		},
		{
			name: "sysfs ro with fallback",
			m:    specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			want: mountPlan{dest: "/sys", steps: []mountStep{
				{kind: stepMount, source: "sysfs", fstype: "sysfs", flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RDONLY},
			}, fallback: sysFallback("/sys", unix.MS_NOSUID|unix.MS_NOEXEC|unix.MS_NODEV|unix.MS_RDONLY)},
		},
		{
			name: "tmpcopyup ro",
			m:    specs.Mount{Destination: "/etc", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup", "ro", "nodev", "size=1m"}},
			want: mountPlan{dest: "/etc", copyUp: true, steps: []mountStep{
				{kind: stepMount, source: "tmpfs", fstype: "tmpfs", flags: unix.MS_NODEV, data: "size=1m"},
				{kind: stepBindRemount, flags: unix.MS_NODEV | unix.MS_RDONLY},
			}},
		},
		{name: "tmpcopyup not tmpfs", m: specs.Mount{Destination: "/x", Type: "proc", Options: []string{"tmpcopyup"}}, wantErr: ErrInvalidMount},
		{name: "idmap", m: specs.Mount{Destination: "/x", Source: "/y", Options: []string{"bind", "idmap"}}, source: "/y", wantErr: ErrIDMapUnsupported},
		{name: "uid mappings", m: specs.Mount{Destination: "/x", Source: "/y", Options: []string{"rbind"}, UIDMappings: []specs.LinuxIDMapping{{Size: 1}}}, source: "/y", wantErr: ErrIDMapUnsupported},
		{name: "bind without source", m: specs.Mount{Destination: "/x", Options: []string{"bind"}}, wantErr: ErrInvalidMount},
		{name: "no destination", m: specs.Mount{Type: "tmpfs"}, wantErr: ErrInvalidMount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := planMount(tc.m, tc.source, tc.srcIsDir, -1)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("plan\n got %+v\nwant %+v", got, tc.want)
				if got.fallback != nil && tc.want.fallback != nil {
					t.Errorf("fallback\n got %+v\nwant %+v", *got.fallback, *tc.want.fallback)
				}
			}
		})
	}
}

func TestBindSource(t *testing.T) {
	tests := []struct{ src, bundle, want string }{
		{"/abs", "/b", "/abs"},
		{"rel/x", "/b", "/b/rel/x"},
		{"rel", "", "rel"},
		{"", "/b", ""},
	}
	for _, tc := range tests {
		if got := bindSource(tc.src, tc.bundle); got != tc.want {
			t.Errorf("bindSource(%q, %q) = %q, want %q", tc.src, tc.bundle, got, tc.want)
		}
	}
}

func TestNeedsDevSetup(t *testing.T) {
	tests := []struct {
		name   string
		mounts []specs.Mount
		want   bool
	}{
		{name: "no mounts", want: true},
		{name: "tmpfs dev", mounts: []specs.Mount{{Destination: "/dev", Type: "tmpfs"}}, want: true},
		{name: "bind dev", mounts: []specs.Mount{{Destination: "/dev/", Source: "/dev", Options: []string{"rbind"}}}, want: false},
		{name: "bind below dev", mounts: []specs.Mount{{Destination: "/dev/x", Source: "/dev/x", Options: []string{"bind"}}}, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := needsDevSetup(tc.mounts); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDevicePlan(t *testing.T) {
	mode := os.FileMode(0o600)
	uid, gid := uint32(1000), uint32(1001)
	s := &specs.Spec{Linux: &specs.Linux{Devices: []specs.LinuxDevice{
		{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: &mode},
		{Path: "/dev/fifo", Type: "p"},
		{Path: "/dev/sda", Type: "b", Major: 8, Minor: 0, UID: &uid, GID: &gid},
	}}}
	devs, err := devicePlan(s)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range devs {
		paths = append(paths, d.Path)
	}
	want := "/dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/fifo /dev/sda"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("paths = %q, want %q", got, want)
	}
	if devs[0].FileMode == nil || *devs[0].FileMode != 0o600 {
		t.Errorf("/dev/null not replaced by linux.devices entry: %+v", devs[0])
	}
	if _, err := devicePlan(&specs.Spec{Linux: &specs.Linux{Devices: []specs.LinuxDevice{{Path: "/dev/x", Type: "z"}}}}); !errors.Is(err, ErrInvalidDevice) {
		t.Errorf("unknown type: err = %v, want ErrInvalidDevice", err)
	}
}

func TestDeviceMode(t *testing.T) {
	m := func(v os.FileMode) *os.FileMode { return &v }
	tests := []struct {
		d    specs.LinuxDevice
		want uint32
	}{
		{specs.LinuxDevice{Type: "c"}, unix.S_IFCHR | 0o666},
		{specs.LinuxDevice{Type: "u", FileMode: m(0o620)}, unix.S_IFCHR | 0o620},
		{specs.LinuxDevice{Type: "b", FileMode: m(0o432)}, unix.S_IFBLK | 0o432},
		{specs.LinuxDevice{Type: "p", FileMode: m(0o10644)}, unix.S_IFIFO | 0o644}, // type bits in fileMode ignored
	}
	for _, tc := range tests {
		got, err := deviceMode(tc.d)
		if err != nil || got != tc.want {
			t.Errorf("deviceMode(%+v) = %o, %v; want %o", tc.d, got, err, tc.want)
		}
	}
}

func TestParseProcCgroup(t *testing.T) {
	in := "12:cpu,cpuacct:/user.slice\n1:name=systemd:/user.slice/session-1.scope\n0::/user.slice/session-1.scope\nbad line\n"
	got, err := parseProcCgroup(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []procCgroup{
		{"cpu,cpuacct", "/user.slice"},
		{"name=systemd", "/user.slice/session-1.scope"},
		{"", "/user.slice/session-1.scope"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestPlanCgroupMounts(t *testing.T) {
	hybrid := []*mountinfo.Info{
		{Mountpoint: "/sys/fs/cgroup/unified", Root: "/", FSType: "cgroup2", VFSOptions: "rw,nsdelegate"},
		{Mountpoint: "/sys/fs/cgroup/systemd", Root: "/", FSType: "cgroup", VFSOptions: "rw,xattr,name=systemd"},
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", FSType: "cgroup", VFSOptions: "rw,cpu,cpuacct"},
		{Mountpoint: "/sys/fs/cgroup/pids", Root: "/", FSType: "cgroup", VFSOptions: "rw,pids"},
		{Mountpoint: "/tmp/other/rootfs/sys/fs/cgroup/pids", Root: "/", FSType: "cgroup", VFSOptions: "rw,pids"},
	}
	own := []procCgroup{
		{"cpu,cpuacct", "/c1"}, {"pids", "/c1"}, {"name=systemd", "/c1"}, {"", "/c1"},
	}
	m := specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}}
	flags := uintptr(unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV | unix.MS_RELATIME)
	tmpfs := mountPlan{dest: "/sys/fs/cgroup", steps: []mountStep{{kind: stepMount, source: "tmpfs", fstype: "tmpfs", flags: flags, data: "mode=755"}}}
	finish := []mountPlan{{dest: "/sys/fs/cgroup", steps: []mountStep{{kind: stepBindRemount, flags: flags | unix.MS_RDONLY}}}}
	bind := func(dest, src string) mountPlan {
		return mountPlan{dest: dest, steps: []mountStep{
			{kind: stepMount, source: src, fstype: "bind", flags: unix.MS_BIND | unix.MS_REC},
			{kind: stepBindRemount, flags: flags | unix.MS_RDONLY},
		}}
	}
	cg := func(dest, fstype, data string, fb mountPlan) mountPlan {
		return mountPlan{dest: dest, steps: []mountStep{{kind: stepMount, source: "cgroup", fstype: fstype, flags: flags | unix.MS_RDONLY, data: data}}, fallback: &fb}
	}
	links := [][2]string{{"/sys/fs/cgroup/cpu", "cpu,cpuacct"}, {"/sys/fs/cgroup/cpuacct", "cpu,cpuacct"}}

	t.Run("hybrid without cgroup namespace binds own cgroups", func(t *testing.T) {
		got, err := planCgroupMounts(m, hybrid, own, false)
		if err != nil {
			t.Fatal(err)
		}
		want := cgroupLayout{
			plans: []mountPlan{tmpfs,
				bind("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/systemd/c1"),
				bind("/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/c1"),
				bind("/sys/fs/cgroup/pids", "/sys/fs/cgroup/pids/c1"),
				bind("/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/c1"),
			},
			symlinks: links,
			finish:   finish,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("hybrid with cgroup namespace mounts hierarchies", func(t *testing.T) {
		got, err := planCgroupMounts(m, hybrid, own, true)
		if err != nil {
			t.Fatal(err)
		}
		want := cgroupLayout{
			plans: []mountPlan{tmpfs,
				cg("/sys/fs/cgroup/systemd", "cgroup", "name=systemd", bind("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/systemd/c1")),
				cg("/sys/fs/cgroup/cpu,cpuacct", "cgroup", "cpu,cpuacct", bind("/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/c1")),
				cg("/sys/fs/cgroup/pids", "cgroup", "pids", bind("/sys/fs/cgroup/pids", "/sys/fs/cgroup/pids/c1")),
				cg("/sys/fs/cgroup/unified", "cgroup2", "", bind("/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/c1")),
			},
			symlinks: links,
			finish:   finish,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("pure v2", func(t *testing.T) {
		v2 := []*mountinfo.Info{{Mountpoint: "/sys/fs/cgroup", Root: "/", FSType: "cgroup2"}}
		got, err := planCgroupMounts(m, v2, own, true)
		if err != nil {
			t.Fatal(err)
		}
		want := cgroupLayout{plans: []mountPlan{cg("/sys/fs/cgroup", "cgroup2", "", bind("/sys/fs/cgroup", "/sys/fs/cgroup/c1"))}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		got, err = planCgroupMounts(m, v2, own, false)
		if err != nil {
			t.Fatal(err)
		}
		want = cgroupLayout{plans: []mountPlan{bind("/sys/fs/cgroup", "/sys/fs/cgroup/c1")}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("no cgroupns: got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("no cgroup mounts", func(t *testing.T) {
		if _, err := planCgroupMounts(m, nil, own, false); !errors.Is(err, ErrInvalidMount) {
			t.Errorf("err = %v, want ErrInvalidMount", err)
		}
	})
	t.Run("not in hierarchy", func(t *testing.T) {
		if _, err := planCgroupMounts(m, hybrid, nil, false); !errors.Is(err, ErrInvalidMount) {
			t.Errorf("err = %v, want ErrInvalidMount", err)
		}
	})
}

func TestDetachCount(t *testing.T) {
	root := "/tmp/b/rootfs"
	host := &mountinfo.Info{ID: 1, Parent: 0, Mountpoint: "/", Root: "/", Major: 254}
	overlay := &mountinfo.Info{ID: 2, Parent: 1, Mountpoint: root, Root: "/", Major: 0, Minor: 40}
	tests := []struct {
		name  string
		infos []*mountinfo.Info
		want  int
	}{
		{name: "nothing mounted", infos: []*mountinfo.Info{host}, want: 0},
		{
			name: "self bind of a plain directory",
			infos: []*mountinfo.Info{host,
				{ID: 10, Parent: 1, Mountpoint: root, Root: root, Major: 254},
				{ID: 11, Parent: 10, Mountpoint: root + "/proc", Root: "/", Major: 0, Minor: 5}},
			want: 1,
		},
		{
			name:  "caller's overlay only",
			infos: []*mountinfo.Info{host, overlay},
			want:  0,
		},
		{
			name: "self bind on the caller's overlay",
			infos: []*mountinfo.Info{host, overlay,
				{ID: 10, Parent: 2, Mountpoint: root, Root: "/", Minor: 40},
				{ID: 11, Parent: 10, Mountpoint: root + "/dev", Root: "/", Minor: 41}},
			want: 1,
		},
		{
			name: "mount stacked on the self bind",
			infos: []*mountinfo.Info{host, overlay,
				{ID: 10, Parent: 2, Mountpoint: root, Root: "/", Minor: 40},
				{ID: 12, Parent: 10, Mountpoint: root, Root: "/", Minor: 99}},
			want: 2,
		},
		{
			name: "bind of another directory is not ours",
			infos: []*mountinfo.Info{host,
				{ID: 10, Parent: 1, Mountpoint: root, Root: "/srv", Major: 254}},
			want: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := detachCount(tc.infos, root); got != tc.want {
				t.Errorf("detachCount = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestHasNamespace(t *testing.T) {
	s := &specs.Spec{Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.MountNamespace}, {Type: specs.PIDNamespace, Path: "/proc/1/ns/pid"}}}}
	for _, tc := range []struct {
		t    specs.LinuxNamespaceType
		want bool
	}{{specs.MountNamespace, true}, {specs.PIDNamespace, true}, {specs.UserNamespace, false}} {
		if got := HasNamespace(s, tc.t); got != tc.want {
			t.Errorf("HasNamespace(%s) = %v", tc.t, got)
		}
	}
	if HasNamespace(&specs.Spec{}, specs.MountNamespace) || HasNamespace(nil, specs.MountNamespace) {
		t.Error("HasNamespace without linux section = true")
	}
}

// TestPlanIDMappedMount: with the tree the parent prepared, an idmapped
// bind is that tree attached with move_mount, then the usual remount and
// attributes; without one, or for a non-bind mount, it is refused.
func TestPlanIDMappedMount(t *testing.T) {
	tests := []struct {
		name    string
		m       specs.Mount
		tree    int
		want    []mountStep
		wantErr error
	}{
		{
			name: "idmap ro",
			m:    specs.Mount{Destination: "/data", Source: "/src", Options: []string{"bind", "idmap", "ro"}},
			tree: 7,
			want: []mountStep{{kind: stepMoveMount, fd: 7}, {kind: stepBindRemount, flags: unix.MS_RDONLY}},
		},
		{
			name: "mappings rbind",
			m: specs.Mount{Destination: "/data", Source: "/src", Options: []string{"rbind"},
				UIDMappings: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}},
			tree: 9,
			want: []mountStep{{kind: stepMoveMount, fd: 9}},
		},
		{name: "no tree", m: specs.Mount{Destination: "/data", Source: "/src", Options: []string{"bind", "ridmap"}}, tree: -1, wantErr: ErrIDMapUnsupported},
		{name: "not a bind", m: specs.Mount{Destination: "/data", Type: "tmpfs", Source: "tmpfs", Options: []string{"idmap"}}, tree: 7, wantErr: ErrInvalidMount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := planMount(tc.m, tc.m.Source, true, tc.tree)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.steps, tc.want) || got.dest != "/data" {
				t.Fatalf("plan = %+v, want steps %+v", got, tc.want)
			}
		})
	}
}
