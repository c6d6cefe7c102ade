package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeV1 makes a hybrid tree like this host's: v1 controllers, cpu and
// cpuacct apart, name=systemd, and "unified" with only hugetlb.
func fakeV1(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, c := range []string{"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd"} {
		mkdir(t, filepath.Join(root, c))
	}
	mkdir(t, filepath.Join(root, "unified"))
	writeTestFile(t, filepath.Join(root, "unified", "cgroup.controllers"), "hugetlb\n")
	writeTestFile(t, filepath.Join(root, "unified", "cgroup.subtree_control"), "")
	// A co-mount symlink must not count as a hierarchy.
	if err := os.Symlink("cpu", filepath.Join(root, "cpu,cpuacct")); err != nil {
		t.Fatal(err)
	}
	return root
}

func fakeV2(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeTestFile(t, filepath.Join(root, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n")
	writeTestFile(t, filepath.Join(root, "cgroup.subtree_control"), "")
	return root
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeTestFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func selfCgroup(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cgroup")
	writeTestFile(t, p, content)
	return p
}

const hostSelf = `9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/abc
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
`

func TestNewPaths(t *testing.T) {
	v1, v2 := fakeV1(t), fakeV2(t)
	self := selfCgroup(t, hostSelf)
	v2self := selfCgroup(t, "0::/user.slice/session-1.scope\n")
	tests := []struct {
		name, root, self, path, id string
		want                       map[string]string // key → path under root
		wantErr                    string
	}{
		{name: "absolute v1", root: v1, self: self, path: "/cgrouptest", id: "c1", want: map[string]string{
			"cpu": "cpu/cgrouptest", "cpuacct": "cpuacct/cgrouptest", "memory": "memory/cgrouptest",
			"pids": "pids/cgrouptest", "name=systemd": "systemd/cgrouptest", UnifiedKey: "unified/cgrouptest",
		}},
		{name: "relative v1 under own cgroup", root: v1, self: self, path: "testdir/cgrouptest/container", id: "c1", want: map[string]string{
			"memory": "memory/process_api/abc/testdir/cgrouptest/container",
			"pids":   "pids/testdir/cgrouptest/container", UnifiedKey: "unified/testdir/cgrouptest/container",
		}},
		{name: "default", root: v1, self: self, path: "", id: "web", want: map[string]string{
			"devices": "devices/servin/web", "freezer": "freezer/servin/web",
		}},
		{name: "relative cannot climb out", root: v1, self: self, path: "../../../etc", id: "c1", want: map[string]string{
			"pids": "pids/etc", "memory": "memory/process_api/abc/etc",
		}},
		{name: "absolute cannot climb out", root: v1, self: self, path: "/../../x", id: "c1", want: map[string]string{"blkio": "blkio/x"}},
		{name: "v2 absolute", root: v2, self: v2self, path: "/a/b", id: "c1", want: map[string]string{UnifiedKey: "a/b"}},
		{name: "v2 relative", root: v2, self: v2self, path: "c", id: "c1", want: map[string]string{UnifiedKey: "user.slice/session-1.scope/c"}},
		{name: "root cgroup refused", root: v1, self: self, path: "/", id: "c1", wantErr: "root cgroup"},
		{name: "relative dot refused", root: v1, self: self, path: "a/..", id: "c1", wantErr: "root cgroup"},
		{name: "empty tree", root: t.TempDir(), self: self, path: "/x", id: "c1", wantErr: "not mounted"},
		{name: "relative without own cgroup", root: v1, self: selfCgroup(t, "0::/\n"), path: "x", id: "c1", wantErr: "own cgroup"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := New(tc.path, tc.id, WithRoot(tc.root), WithSelfCgroup(tc.self))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			paths := m.Paths()
			for k, want := range tc.want {
				if got := paths[k]; got != filepath.Join(tc.root, want) {
					t.Errorf("%s: got %s, want %s", k, got, filepath.Join(tc.root, want))
				}
			}
			if tc.root == v2 && len(paths) != 1 {
				t.Errorf("v2 paths = %v, want only %s", paths, UnifiedKey)
			}
		})
	}
}

func TestDetectLayout(t *testing.T) {
	l, err := discover(fakeV1(t))
	if err != nil || l.mode != ModeHybrid {
		t.Fatalf("hybrid tree: mode %v, err %v", l, err)
	}
	l, err = discover(fakeV2(t))
	if err != nil || l.mode != ModeUnified {
		t.Fatalf("v2 tree: mode %v, err %v", l, err)
	}
	root := t.TempDir()
	mkdir(t, filepath.Join(root, "memory"))
	l, err = discover(root)
	if err != nil || l.mode != ModeLegacy {
		t.Fatalf("legacy tree: mode %v, err %v", l, err)
	}
	if m := DetectMode(); m == ModeNone {
		t.Errorf("DetectMode on this host = %v", m)
	}
}

func TestPathsRoundTrip(t *testing.T) {
	m := Load(map[string]string{"memory": "/sys/fs/cgroup/memory/x", "pids": "/sys/fs/cgroup/pids/x",
		PreexistingKey: "/sys/fs/cgroup/pids/x"})
	if !m.existing["/sys/fs/cgroup/pids/x"] || len(m.paths) != 2 {
		t.Fatalf("Load: paths %v existing %v", m.paths, m.existing)
	}
	p := m.Paths()
	if p[PreexistingKey] != "/sys/fs/cgroup/pids/x" || p["memory"] != "/sys/fs/cgroup/memory/x" {
		t.Fatalf("Paths = %v", p)
	}
	if m.isV2() || !Load(map[string]string{UnifiedKey: "/sys/fs/cgroup/x"}).isV2() {
		t.Error("isV2 wrong")
	}
}

func TestPageSizeName(t *testing.T) {
	for in, want := range map[uint64]string{2 << 20: "2MB", 1 << 30: "1GB", 64 << 10: "64KB", 3000: "3000B", 16 << 30: "16GB"} {
		if got := pageSizeName(in); got != want {
			t.Errorf("pageSizeName(%d) = %s, want %s", in, got, want)
		}
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		in   string
		want []uint16
		bad  bool
	}{
		{"0-3,8\n", []uint16{0, 1, 2, 3, 8}, false},
		{"0", []uint16{0}, false},
		{"", nil, false},
		{"3-1", nil, true},
		{"x", nil, true},
	}
	for _, tc := range tests {
		got, err := parseList(tc.in)
		if (err != nil) != tc.bad || len(got) != len(tc.want) {
			t.Errorf("parseList(%q) = %v, %v", tc.in, got, err)
		}
	}
}
