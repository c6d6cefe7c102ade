package runtime

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/servin/servin/libservin/testutil"
	"golang.org/x/sys/unix"
)

// TestSelfCopy checks the three ways of giving the init the runtime binary
// (CVE-2019-5736): same bytes, and no way to write them afterwards,
// not even as root through the /proc/self/fd magic link (which is what a
// container process would reach through /proc/<init>/exe).
func TestSelfCopy(t *testing.T) {
	testutil.RequireRoot(t)
	want, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		copy func(*os.File) (*os.File, error)
	}{
		{"view", func(*os.File) (*os.File, error) { return readOnlyView("/proc/self/exe") }},
		{"tmpfs", func(src *os.File) (*os.File, error) {
			f, mnt, err := tmpfsCopy(src)
			if err == nil {
				t.Cleanup(func() { mnt.Close() })
			}
			return f, err
		}},
		{"memfd", memfdCopy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := os.Open("/proc/self/exe")
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			f, err := tc.copy(src)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := os.ReadFile("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("copy differs from the binary (%d bytes, want %d)", len(got), len(want))
			}
			if _, err := unix.Write(int(f.Fd()), []byte("x")); err == nil {
				t.Fatal("wrote through the copy's own descriptor")
			}
			w, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), os.O_WRONLY, 0)
			if err == nil {
				_, err = w.Write([]byte("pwned"))
				w.Close()
				if err == nil {
					t.Fatal("reopened the copy for writing and wrote to it")
				}
			}
			var fs unix.Statfs_t
			if err := unix.Fstatfs(int(f.Fd()), &fs); err != nil {
				t.Fatal(err)
			}
			if tc.name != "memfd" && fs.Flags&unix.ST_RDONLY == 0 {
				t.Fatalf("the %s's mount is writable", tc.name)
			}
			if tc.name == "view" {
				// Not attached anywhere: no path in this (or any) mount
				// namespace reaches the view's mount.
				mid := mountID(t, int(f.Fd()))
				mi, err := os.ReadFile("/proc/self/mountinfo")
				if err != nil {
					t.Fatal(err)
				}
				for _, line := range strings.Split(string(mi), "\n") {
					if strings.HasPrefix(line, strconv.FormatUint(mid, 10)+" ") {
						t.Fatalf("the view's mount is attached: %s", line)
					}
				}
			}
			if tc.name == "memfd" {
				seals, err := unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
				want := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
				if err != nil || seals&want != want {
					t.Fatalf("memfd seals %#x (%v), want %#x", seals, err, want)
				}
			}
		})
	}
}

// mountID is the id of the mount fd is on.
func mountID(t *testing.T, fd int) uint64 {
	t.Helper()
	var st unix.Statx_t
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &st); err != nil {
		t.Fatal(err)
	}
	return st.Mnt_id
}

// TestSelfCopyRelease: each operation gets its own view or copy, and
// releasing it closes it (the init keeps its mapping; nothing else holds
// it).
func TestSelfCopyRelease(t *testing.T) {
	testutil.RequireRoot(t)
	for _, view := range []bool{true, false} {
		a, b := startSelfCopy(view), startSelfCopy(view)
		fa, err := a.get()
		if err != nil {
			t.Fatal(err)
		}
		fb, err := b.get()
		if err != nil {
			t.Fatal(err)
		}
		var sa, sb unix.Stat_t
		if err := unix.Fstat(int(fa.Fd()), &sa); err != nil {
			t.Fatal(err)
		}
		if err := unix.Fstat(int(fb.Fd()), &sb); err != nil {
			t.Fatal(err)
		}
		if sa.Dev == sb.Dev && sa.Ino == sb.Ino && mountID(t, int(fa.Fd())) == mountID(t, int(fb.Fd())) {
			t.Fatalf("view %v: two operations share one view or copy", view)
		}
		var self unix.Stat_t
		if err := unix.Stat("/proc/self/exe", &self); err != nil {
			t.Fatal(err)
		}
		if isView := sa.Ino == self.Ino && sa.Dev == self.Dev; isView != view {
			t.Fatalf("asked for a view: %v, got one: %v", view, isView)
		}
		fd := int(fa.Fd())
		a.release()
		a.release()
		if _, err := a.get(); err == nil {
			t.Fatal("get after release succeeded")
		}
		if err := unix.Fstat(fd, &sa); err == nil {
			t.Fatal("released view or copy still open")
		}
		b.release()
	}
}
