package unpack

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// extractor extracts one tar stream below an O_PATH fd of the root. Every
// lookup goes through openat2 RESOLVE_IN_ROOT from that fd, and every
// change is made with an *at call on a parent directory fd so obtained, with
// the last element never followed.
type extractor struct {
	root    int
	cfg     *applyConfig
	isRoot  bool
	dirs    map[string]int      // parent directory fds by clean path
	stale   []int               // dropped from dirs, closed after the entry
	created map[string]struct{} // paths this layer made (whiteouts spare them)
	later   []dirMeta           // directory times (and modes) set at the end
	buf     []byte
}

// dirMeta is what is set on a directory after its contents exist.
type dirMeta struct {
	path         string
	atime, mtime time.Time
	mode         uint32
	fixMode      bool
}

const maxCachedDirs = 256

var bufPool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

func extract(ctx context.Context, dir string, tr *tar.Reader, cfg *applyConfig) error {
	root, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	x := &extractor{
		root: root, cfg: cfg, isRoot: os.Geteuid() == 0, buf: *bp,
		dirs: map[string]int{}, created: map[string]struct{}{},
	}
	defer x.close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", readError(err))
		}
		err = x.entry(hdr, tr)
		x.closeStale()
		if err != nil {
			return fmt.Errorf("extract %q: %w", hdr.Name, err)
		}
	}
	return x.finishDirs()
}

func (x *extractor) close() {
	x.dropCache()
	x.closeStale()
	_ = unix.Close(x.root)
}

// dropCache forgets the cached directory fds (after a removal, a cached
// path may name another directory now). They are closed by closeStale once
// the current entry is done, as the entry may still be using one.
func (x *extractor) dropCache() {
	for k, fd := range x.dirs {
		x.stale = append(x.stale, fd)
		delete(x.dirs, k)
	}
}

func (x *extractor) closeStale() {
	for _, fd := range x.stale {
		_ = unix.Close(fd)
	}
	x.stale = x.stale[:0]
}

// openInRoot resolves p (clean, relative) inside the root.
func (x *extractor) openInRoot(p string, flags uint64) (int, error) {
	if p == "" {
		p = "."
	}
	how := unix.OpenHow{
		Flags:   flags | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	for {
		fd, err := unix.Openat2(x.root, p, &how)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue // EAGAIN: a concurrent rename raced the lookup
		}
		return fd, err
	}
}

// dirFD returns an fd for directory p inside the root, from the cache.
// With create, missing directories are made (mode 0755, as tar does).
func (x *extractor) dirFD(p string, create bool) (int, error) {
	if p == "" {
		return x.root, nil
	}
	if fd, ok := x.dirs[p]; ok {
		return fd, nil
	}
	fd, err := x.openInRoot(p, unix.O_PATH|unix.O_DIRECTORY)
	if err == unix.ENOENT && create {
		parent, base := splitPath(p)
		pfd, perr := x.dirFD(parent, true)
		if perr != nil {
			return -1, perr
		}
		if err := unix.Mkdirat(pfd, base, 0o755); err != nil && err != unix.EEXIST {
			return -1, fmt.Errorf("mkdir %s: %w", p, err)
		}
		fd, err = x.openInRoot(p, unix.O_PATH|unix.O_DIRECTORY)
	}
	if err != nil {
		return -1, fmt.Errorf("open directory %s: %w", p, err)
	}
	if len(x.dirs) >= maxCachedDirs {
		x.dropCache()
	}
	x.dirs[p] = fd
	return fd, nil
}

func (x *extractor) entry(hdr *tar.Header, r io.Reader) error {
	p, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	parent, base := splitPath(p)
	if strings.HasPrefix(base, whiteoutPrefix) {
		return x.whiteout(parent, base)
	}
	if p == "" {
		if hdr.Typeflag != tar.TypeDir {
			return fmt.Errorf("%w: the root can only be a directory", ErrUnsafePath)
		}
		base = "."
	}
	pfd, err := x.dirFD(parent, true)
	if err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		err = x.file(pfd, base, hdr, r)
	case tar.TypeDir:
		err = x.dir(pfd, p, base, hdr)
	case tar.TypeSymlink:
		err = x.create(pfd, base, func() error { return unix.Symlinkat(hdr.Linkname, pfd, base) })
		if err == nil {
			err = x.meta(pfd, base, hdr)
		}
		if err == nil {
			err = x.xattrsAt(pfd, base, hdr)
		}
	case tar.TypeLink:
		err = x.hardlink(pfd, base, hdr)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		err = x.node(pfd, base, hdr)
	case tar.TypeXGlobalHeader:
		return nil
	default:
		return fmt.Errorf("%w: unsupported type %q", ErrBadEntry, hdr.Typeflag)
	}
	if err != nil {
		return err
	}
	x.created[p] = struct{}{}
	return nil
}

// create runs mk, replacing whatever is at base when it already exists
// (a later entry wins, as in tar).
func (x *extractor) create(pfd int, base string, mk func() error) error {
	err := mk()
	if err == unix.EEXIST {
		if err := x.removeAt(pfd, base); err != nil {
			return err
		}
		err = mk()
	}
	return err
}

func (x *extractor) file(pfd int, base string, hdr *tar.Header, r io.Reader) error {
	var fd int
	err := x.create(pfd, base, func() (err error) {
		fd, err = unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(hdr.Mode)&0o777)
		return err
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	defer unix.Close(fd)
	if err := x.copy(fd, r); err != nil {
		return err
	}
	if err := x.chown(func(u, g int) error { return unix.Fchown(fd, u, g) }, hdr); err != nil {
		return err
	}
	if needChmod(hdr.Mode) {
		if err := unix.Fchmod(fd, uint32(hdr.Mode)&0o7777); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	if err := x.xattrs(hdr, func(k string, v []byte) error { return unix.Fsetxattr(fd, k, v, 0) }); err != nil {
		return err
	}
	return futimes(fd, hdr)
}

func (x *extractor) copy(fd int, r io.Reader) error {
	for {
		n, rerr := r.Read(x.buf)
		for b := x.buf[:n]; len(b) > 0; {
			w, err := unix.Write(fd, b)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return fmt.Errorf("write: %w", err)
			}
			b = b[w:]
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("read tar: %w", readError(rerr))
		}
	}
}

func (x *extractor) dir(pfd int, p, base string, hdr *tar.Header) error {
	mode := uint32(hdr.Mode) & 0o777
	if !x.isRoot {
		mode |= 0o700 // keep it writable for our own extraction; fixed at the end
	}
	err := unix.Mkdirat(pfd, base, mode)
	if err == unix.EEXIST {
		var st unix.Stat_t
		if err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("stat: %w", err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			err = x.create(pfd, base, func() error { return unix.Mkdirat(pfd, base, mode) })
		} else {
			err = nil // merge into the existing directory; its metadata is replaced below
			if st.Mode&0o7777 != mode {
				if err := chmodDir(pfd, base, mode); err != nil {
					return err
				}
			}
		}
	}
	if err != nil {
		return fmt.Errorf("mkdir: %w", err)
	}
	if err := x.chown(func(u, g int) error { return unix.Fchownat(pfd, base, u, g, unix.AT_SYMLINK_NOFOLLOW) }, hdr); err != nil {
		return err
	}
	fix := !x.isRoot && uint32(hdr.Mode)&0o700 != 0o700
	// Always: a new directory inherits the setgid bit of its parent.
	if !fix {
		if err := chmodDir(pfd, base, uint32(hdr.Mode)&0o7777); err != nil {
			return err
		}
	}
	if err := x.xattrsAt(pfd, base, hdr); err != nil {
		return err
	}
	x.later = append(x.later, dirMeta{path: p, atime: atime(hdr), mtime: hdr.ModTime, mode: uint32(hdr.Mode) & 0o7777, fixMode: fix})
	return nil
}

func (x *extractor) hardlink(pfd int, base string, hdr *tar.Header) error {
	target, err := cleanName(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("hardlink target: %w", err)
	}
	tparent, tbase := splitPath(target)
	if target == "" {
		return fmt.Errorf("%w: hardlink to the root directory", ErrBadEntry)
	}
	tfd, err := x.dirFD(tparent, false)
	if err != nil {
		return fmt.Errorf("%w: hardlink target %s: %w", ErrBadEntry, target, err)
	}
	err = x.create(pfd, base, func() error { return unix.Linkat(tfd, tbase, pfd, base, 0) })
	if err != nil {
		return fmt.Errorf("%w: hardlink to %s: %w", ErrBadEntry, target, err)
	}
	return nil
}

func (x *extractor) node(pfd int, base string, hdr *tar.Header) error {
	mode := uint32(hdr.Mode) & 0o7777
	switch hdr.Typeflag {
	case tar.TypeChar:
		mode |= unix.S_IFCHR
	case tar.TypeBlock:
		mode |= unix.S_IFBLK
	default:
		mode |= unix.S_IFIFO
	}
	dev := int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))
	err := x.create(pfd, base, func() error { return unix.Mknodat(pfd, base, mode, dev) })
	if err == unix.EPERM && hdr.Typeflag != tar.TypeFifo {
		// Unprivileged or in a user namespace: device nodes cannot be
		// made there (runtimes bind the host's into /dev anyway).
		x.cfg.log.Warn("skipping device node: not permitted", "name", hdr.Name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("mknod: %w", err)
	}
	if needChmod(hdr.Mode) {
		if err := unix.Fchmodat(pfd, base, mode&0o7777, 0); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	if err := x.meta(pfd, base, hdr); err != nil {
		return err
	}
	return x.xattrsAt(pfd, base, hdr)
}

// meta sets owner and times of base without following it.
func (x *extractor) meta(pfd int, base string, hdr *tar.Header) error {
	if err := x.chown(func(u, g int) error { return unix.Fchownat(pfd, base, u, g, unix.AT_SYMLINK_NOFOLLOW) }, hdr); err != nil {
		return err
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atime(hdr).UnixNano()), unix.NsecToTimespec(hdr.ModTime.UnixNano())}
	if err := unix.UtimesNanoAt(pfd, base, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

// chown sets the owner, translated by the ID mappings, when running as
// root; an unprivileged extraction keeps the caller as owner, as umoci's
// rootless mode does. It is set even for root:root, as a new inode takes
// the group of a setgid parent directory.
func (x *extractor) chown(set func(uid, gid int) error, hdr *tar.Header) error {
	if !x.isRoot {
		return nil
	}
	uid, err := mapID(x.cfg.uidMap, hdr.Uid)
	if err != nil {
		return fmt.Errorf("owner: %w", err)
	}
	gid, err := mapID(x.cfg.gidMap, hdr.Gid)
	if err != nil {
		return fmt.Errorf("group: %w", err)
	}
	if err := set(uid, gid); err != nil {
		return fmt.Errorf("chown %d:%d: %w", uid, gid, err)
	}
	return nil
}

// xattrsAt sets the entry's xattrs on base (any type but a regular file).
func (x *extractor) xattrsAt(pfd int, base string, hdr *tar.Header) error {
	if !hasXattrs(hdr) {
		return nil
	}
	fd, err := unix.Openat(pfd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open for xattrs: %w", err)
	}
	defer unix.Close(fd)
	// An O_PATH fd takes no f*xattr calls; its /proc/self/fd link names the
	// very inode opened (never re-resolved by name).
	proc := fmt.Sprintf("/proc/self/fd/%d", fd)
	return x.xattrs(hdr, func(k string, v []byte) error { return unix.Setxattr(proc, k, v, 0) })
}

const paxXattr = "SCHILY.xattr."

func hasXattrs(hdr *tar.Header) bool {
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, paxXattr) {
			return true
		}
	}
	return false
}

// xattrs sets the entry's SCHILY.xattr.* records. Overlay xattrs are never
// taken from a layer (a forged trusted.overlay.redirect or metacopy could
// point the merged view anywhere); security.* and trusted.* that the
// filesystem or our privileges refuse are skipped with a warning.
func (x *extractor) xattrs(hdr *tar.Header, set func(string, []byte) error) error {
	for k, v := range hdr.PAXRecords {
		name, ok := strings.CutPrefix(k, paxXattr)
		if !ok {
			continue
		}
		if strings.HasPrefix(name, "trusted.overlay.") || strings.HasPrefix(name, "user.overlay.") {
			x.cfg.log.Warn("dropping overlay xattr from layer", "name", hdr.Name, "xattr", name)
			continue
		}
		err := set(name, []byte(v))
		if err == nil {
			continue
		}
		// user.* xattrs are refused on symlinks (EPERM) by every filesystem.
		if errors.Is(err, unix.ENOTSUP) || ((errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)) &&
			(hdr.Typeflag == tar.TypeSymlink || strings.HasPrefix(name, "security.") || strings.HasPrefix(name, "trusted."))) {
			x.cfg.log.Warn("skipping xattr", "name", hdr.Name, "xattr", name, "err", err)
			continue
		}
		return fmt.Errorf("set xattr %s: %w", name, err)
	}
	return nil
}

// finishDirs sets directory times (and deferred modes) once their contents
// are complete, deepest first.
func (x *extractor) finishDirs() error {
	for i := len(x.later) - 1; i >= 0; i-- {
		d := x.later[i]
		parent, base := splitPath(d.path)
		if d.path == "" {
			base = "."
		}
		pfd, err := x.dirFD(parent, false)
		if err != nil {
			continue // removed by a later whiteout
		}
		// Opened without following: a later entry may have replaced the
		// directory by a symlink, which must not lead the chmod outside.
		fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			continue // removed or replaced by a later entry
		}
		if d.fixMode {
			if err := unix.Fchmod(fd, d.mode); err != nil {
				unix.Close(fd)
				return fmt.Errorf("chmod %s: %w", d.path, err)
			}
		}
		err = futimens(fd, d.atime, d.mtime)
		unix.Close(fd)
		x.closeStale()
		if err != nil {
			return fmt.Errorf("%s: %w", d.path, err)
		}
	}
	return nil
}

func atime(hdr *tar.Header) time.Time {
	if hdr.AccessTime.IsZero() {
		return hdr.ModTime
	}
	return hdr.AccessTime
}

func futimes(fd int, hdr *tar.Header) error { return futimens(fd, atime(hdr), hdr.ModTime) }

func futimens(fd int, at, mt time.Time) error {
	ts := [2]unix.Timespec{unix.NsecToTimespec(at.UnixNano()), unix.NsecToTimespec(mt.UnixNano())}
	// utimensat(fd, NULL, ...) is futimens(3).
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafePointer(&ts[0])), 0, 0, 0)
	if e != 0 {
		return fmt.Errorf("set times: %w", e)
	}
	return nil
}

// chmodDir changes the mode of directory base without following a symlink.
func chmodDir(pfd int, base string, mode uint32) error {
	fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open for chmod: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Fchmod(fd, mode); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return nil
}

var umask = func() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0o777
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "Umask:"); ok {
			var m int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%o", &m); err == nil {
				return m
			}
		}
	}
	return 0o777
}()

// needChmod says whether the mode given at creation is not the final one
// (special bits, or bits the umask removed).
func needChmod(mode int64) bool { return mode&0o7000 != 0 || mode&umask != 0 }
