package linux

import (
	"reflect"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMountOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []string
		want mountOptions
	}{
		{name: "empty"},
		{name: "defaults", opts: []string{"defaults"}},
		{
			name: "default tmpfs",
			opts: []string{"nosuid", "strictatime", "mode=755", "size=65536k"},
			want: mountOptions{flags: unix.MS_NOSUID | unix.MS_STRICTATIME, data: []string{"mode=755", "size=65536k"}},
		},
		{
			name: "ro then rw",
			opts: []string{"ro", "rw"},
			want: mountOptions{cleared: unix.MS_RDONLY},
		},
		{
			name: "rw then ro",
			opts: []string{"rw", "ro"},
			want: mountOptions{flags: unix.MS_RDONLY},
		},
		{
			name: "rbind rprivate ro",
			opts: []string{"rbind", "rprivate", "ro"},
			want: mountOptions{flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY, propagation: []uintptr{unix.MS_PRIVATE | unix.MS_REC}},
		},
		{
			name: "all propagation",
			opts: []string{"shared", "rshared", "slave", "rslave", "private", "rprivate", "unbindable", "runbindable"},
			want: mountOptions{propagation: []uintptr{
				unix.MS_SHARED, unix.MS_SHARED | unix.MS_REC, unix.MS_SLAVE, unix.MS_SLAVE | unix.MS_REC,
				unix.MS_PRIVATE, unix.MS_PRIVATE | unix.MS_REC, unix.MS_UNBINDABLE, unix.MS_UNBINDABLE | unix.MS_REC,
			}},
		},
		{
			name: "set flags",
			opts: []string{"nodev", "noexec", "nosuid", "noatime", "nodiratime", "relatime", "sync", "dirsync", "mand", "iversion", "lazytime", "silent", "nosymfollow", "remount"},
			want: mountOptions{flags: unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOSUID | unix.MS_NOATIME | unix.MS_NODIRATIME |
				unix.MS_RELATIME | unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_MANDLOCK | unix.MS_I_VERSION |
				unix.MS_LAZYTIME | unix.MS_SILENT | unix.MS_NOSYMFOLLOW | unix.MS_REMOUNT},
		},
		{
			name: "clear flags",
			opts: []string{"nodev", "dev", "noexec", "exec", "nosuid", "suid", "async", "atime", "diratime", "loud", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "symfollow"},
			want: mountOptions{cleared: unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOSUID | unix.MS_SYNCHRONOUS | unix.MS_NOATIME |
				unix.MS_NODIRATIME | unix.MS_SILENT | unix.MS_I_VERSION | unix.MS_LAZYTIME | unix.MS_MANDLOCK |
				unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_NOSYMFOLLOW},
		},
		{
			name: "recursive set",
			opts: []string{"rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow"},
			want: mountOptions{attrSet: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
				unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW},
		},
		{
			name: "recursive clear",
			opts: []string{"rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow"},
			want: mountOptions{attrClr: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
				unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW},
		},
		{
			name: "rro then rrw",
			opts: []string{"rro", "rrw"},
			want: mountOptions{attrClr: unix.MOUNT_ATTR_RDONLY},
		},
		{
			name: "rnoatime",
			opts: []string{"rnoatime"},
			want: mountOptions{attrSet: unix.MOUNT_ATTR_NOATIME, attrClr: unix.MOUNT_ATTR__ATIME},
		},
		{
			name: "rnoatime then rstrictatime",
			opts: []string{"rnoatime", "rstrictatime"},
			want: mountOptions{attrSet: unix.MOUNT_ATTR_STRICTATIME, attrClr: unix.MOUNT_ATTR__ATIME},
		},
		{
			name: "rrelatime",
			opts: []string{"rrelatime"},
			want: mountOptions{attrSet: unix.MOUNT_ATTR_RELATIME, attrClr: unix.MOUNT_ATTR__ATIME},
		},
		{
			name: "ratime rnorelatime rnostrictatime",
			opts: []string{"ratime", "rnorelatime", "rnostrictatime"},
			want: mountOptions{attrSet: unix.MOUNT_ATTR_RELATIME, attrClr: unix.MOUNT_ATTR__ATIME},
		},
		{
			name: "tmpcopyup and data",
			opts: []string{"tmpcopyup", "uid=5", "mode=1777"},
			want: mountOptions{tmpcopyup: true, data: []string{"uid=5", "mode=1777"}},
		},
		{name: "idmap", opts: []string{"idmap"}, want: mountOptions{idmap: true}},
		{name: "ridmap", opts: []string{"ridmap"}, want: mountOptions{idmap: true, ridmap: true}},
		{
			name: "unknown passes through",
			opts: []string{"newinstance", "ptmxmode=0666", "weird-option"},
			want: mountOptions{data: []string{"newinstance", "ptmxmode=0666", "weird-option"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseMountOptions(tc.opts)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseMountOptions(%q)\n got %+v\nwant %+v", tc.opts, got, tc.want)
			}
		})
	}
}

// TestEveryListedOptionRecognised checks that no option of runtime-spec
// config.md's Linux mount options table ends up in mount(2) data.
func TestEveryListedOptionRecognised(t *testing.T) {
	listed := []string{
		"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime", "loud",
		"mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime",
		"nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime",
		"remount", "rexec", "rnoatime", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid",
		"rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid",
		"rsymfollow", "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow", "sync",
		"tmpcopyup", "unbindable", "idmap", "ridmap",
	}
	known := KnownMountOptions()
	for _, o := range listed {
		if got := parseMountOptions([]string{o}); len(got.data) != 0 {
			t.Errorf("option %q went to data: %+v", o, got)
		}
		if !slices.Contains(known, o) {
			t.Errorf("KnownMountOptions lacks %q", o)
		}
	}
	// rnodev is missing from the table but is the obvious recursive nodev
	// (runc has it too).
	if want := len(listed) + 1; len(known) != want || !slices.Contains(known, "rnodev") {
		t.Errorf("KnownMountOptions has %d options, want %d: %q", len(known), want, known)
	}
}

func TestStatfsToMountFlags(t *testing.T) {
	tests := []struct {
		name            string
		st              int64
		wanted, cleared uintptr
		want            uintptr
	}{
		{name: "none", st: 0, want: 0},
		{name: "locked nosuid nodev", st: unix.ST_NOSUID | unix.ST_NODEV, want: unix.MS_NOSUID | unix.MS_NODEV},
		{name: "ro and noexec", st: unix.ST_RDONLY | unix.ST_NOEXEC, want: unix.MS_RDONLY | unix.MS_NOEXEC},
		{name: "explicit clear wins", st: unix.ST_NOSUID | unix.ST_NODEV, cleared: unix.MS_NOSUID, want: unix.MS_NODEV},
		{name: "relatime kept without own atime", st: unix.ST_RELATIME, want: unix.MS_RELATIME},
		{name: "own atime wins", st: unix.ST_RELATIME | unix.ST_NOSUID, wanted: unix.MS_STRICTATIME, want: unix.MS_NOSUID},
		{name: "nosymfollow", st: stNoSymfollow, want: unix.MS_NOSYMFOLLOW},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := statfsToMountFlags(tc.st, tc.wanted, tc.cleared); got != tc.want {
				t.Errorf("got %#x, want %#x", got, tc.want)
			}
		})
	}
}

func TestRootPropagation(t *testing.T) {
	tests := []struct {
		value         string
		before, after uintptr
		ok            bool
	}{
		{"", unix.MS_SLAVE | unix.MS_REC, 0, true},
		{"slave", unix.MS_SLAVE | unix.MS_REC, unix.MS_SLAVE, true},
		{"rslave", unix.MS_SLAVE | unix.MS_REC, unix.MS_SLAVE | unix.MS_REC, true},
		{"shared", unix.MS_SLAVE | unix.MS_REC, unix.MS_SHARED, true},
		{"rshared", unix.MS_SLAVE | unix.MS_REC, unix.MS_SHARED | unix.MS_REC, true},
		{"private", unix.MS_PRIVATE | unix.MS_REC, unix.MS_PRIVATE, true},
		{"rprivate", unix.MS_PRIVATE | unix.MS_REC, unix.MS_PRIVATE | unix.MS_REC, true},
		{"unbindable", unix.MS_SLAVE | unix.MS_REC, unix.MS_UNBINDABLE, true},
		{"runbindable", unix.MS_SLAVE | unix.MS_REC, unix.MS_UNBINDABLE | unix.MS_REC, true},
		{"bogus", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			b, a, ok := rootPropagation(tc.value)
			if b != tc.before || a != tc.after || ok != tc.ok {
				t.Errorf("rootPropagation(%q) = %#x, %#x, %v; want %#x, %#x, %v", tc.value, b, a, ok, tc.before, tc.after, tc.ok)
			}
		})
	}
}
