package runtime

import (
	"bytes"
	"os"
	"strconv"
	"testing"

	"github.com/servin/servin/libservin/testutil"
	"golang.org/x/sys/unix"
)

// TestSelfCopy checks both ways of copying the runtime binary for the
// init (CVE-2019-5736): same bytes, and no way to write them afterwards,
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
			if tc.name == "tmpfs" && fs.Flags&unix.ST_RDONLY == 0 {
				t.Fatal("the copy's tmpfs is writable")
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

// TestSelfCopyRelease: each operation gets its own copy, and releasing it
// closes it (the init keeps its mapping; nothing else holds it).
func TestSelfCopyRelease(t *testing.T) {
	testutil.RequireRoot(t)
	a, b := startSelfCopy(), startSelfCopy()
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
	if sa.Dev == sb.Dev && sa.Ino == sb.Ino {
		t.Fatal("two operations share one copy")
	}
	fd := int(fa.Fd())
	a.release()
	a.release()
	if _, err := a.get(); err == nil {
		t.Fatal("get after release succeeded")
	}
	if err := unix.Fstat(fd, &sa); err == nil {
		t.Fatal("released copy still open")
	}
	b.release()
}
