//go:build linux && cgo

package nsenter

/*
#cgo CFLAGS: -Wall -O2
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

// The fast init: runs the program libservin/runtime/linux.Program built
// (see there for the format and the opcodes), in the container process,
// before any Go runtime exists in it, and execs the container's process.

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_seccomp
#define SYS_seccomp 317
#endif

#define FI_OPEN_TREE_CLONE 1
#define FI_AT_RECURSIVE 0x8000
#define FI_MOVE_MOUNT_F_EMPTY_PATH 0x4
#define FI_MOVE_MOUNT_T_EMPTY_PATH 0x40
#define FI_RESOLVE_NO_MAGICLINKS 0x02
#define FI_RESOLVE_IN_ROOT 0x10
#define FI_CLOSE_RANGE_CLOEXEC 4
#define FI_MOUNT_ATTR_RDONLY 0x1
#define FI_ST_NOSYMFOLLOW 0x2000
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

struct fi_open_how {
	uint64_t flags, mode, resolve;
};

struct fi_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

struct fi_cap_hdr {
	uint32_t version;
	int pid;
};

struct fi_cap_data {
	uint32_t effective, permitted, inheritable;
};

struct fi_sock_fprog {
	unsigned short len;
	void *filter;
};

// One decoded operation: NUL-terminated arguments (binary ones keep
// their length too).
struct fi_op {
	unsigned char code;
	int argc;
	char *argv[256];
	uint32_t alen[256];
};

static int fi_sync = -1;
static int fi_root = -1;
static const char *fi_rootfs = "";
static char fi_exe[PATH_MAX];

// Shared with the constructor (nsexec_linux.go).
int servin_write_all(int fd, const void *buf, size_t n);
int servin_send_frame(int fd, const char *msg, size_t n);
char *servin_read_frame(int fd, uint32_t max, uint32_t *len);
#define fi_write_all servin_write_all

static int fi_send(const char *msg, size_t n)
{
	return servin_send_frame(fi_sync, msg, n);
}

// fi_read_frame reads one framed message; the caller frees it.
static char *fi_read_frame(uint32_t *len)
{
	return servin_read_frame(fi_sync, 64u << 20, len);
}

// fi_send_json sends {"type":T} or {"type":T,"error":MSG}, the Go init's
// messages.
static int fi_send_json(const char *type, const char *msg)
{
	char out[8192];
	size_t o = (size_t)snprintf(out, sizeof(out), "{\"type\":\"%s\"", type);
	if (msg) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, ",\"error\":\"");
		for (const unsigned char *p = (const unsigned char *)msg; *p && o + 8 < sizeof(out); p++) {
			if (*p == '"' || *p == '\\') {
				out[o++] = '\\';
				out[o++] = (char)*p;
			} else if (*p < 0x20) {
				o += (size_t)snprintf(out + o, sizeof(out) - o, "\\u%04x", *p);
			} else {
				out[o++] = (char)*p;
			}
		}
		out[o++] = '"';
	}
	out[o++] = '}';
	return fi_send(out, o);
}

static void fi_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fi_fail(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fi_sync < 0 || fi_send_json("error", msg) < 0)
		fprintf(stderr, "servin-run init: %s\n", msg);
	_exit(1);
}

// fi_strerror is strerror spelt as Go spells errno values (lower case).
static const char *fi_strerror(int err)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "%s", strerror(err));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

static unsigned long long fi_u(const char *s)
{
	return strtoull(s, NULL, 10);
}

static long long fi_i(const char *s)
{
	return strtoll(s, NULL, 10);
}

static char *fi_fdpath(char *buf, int fd)
{
	snprintf(buf, 64, "/proc/self/fd/%d", fd);
	return buf;
}

// fi_open_in_root opens the container path p inside the rootfs as an
// O_PATH handle: openat2 RESOLVE_IN_ROOT, as the Go init's openInRoot.
static int fi_open_in_root(const char *p, uint64_t flags)
{
	struct fi_open_how how = { .flags = O_PATH | O_CLOEXEC | flags, .resolve = FI_RESOLVE_IN_ROOT | FI_RESOLVE_NO_MAGICLINKS };
	for (int i = 0; i < 128; i++) {
		int fd = (int)syscall(SYS_openat2, fi_root, p, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			return fd;
	}
	return -1;
}

// fi_target returns an O_PATH handle on the container path dest inside the
// rootfs, creating what is missing first (directories; the last component
// as an empty file when file is set). Existing symlinks are followed as if
// the rootfs were "/" (a dangling one gets its target created), ".." never
// leaves the rootfs, and every handle comes from openat2 RESOLVE_IN_ROOT:
// what the Go init gets from securejoin and MkdirAllHandle.
static int fi_target(const char *dest, int file)
{
	int fd = fi_open_in_root(dest, 0);
	if (fd >= 0 || (errno != ENOENT && errno != ENOTDIR))
		return fd;
	static char todo[2 * PATH_MAX], next[2 * PATH_MAX];
	char done[PATH_MAX] = "";
	size_t dlen = 0;
	int links = 0;
	if (strlen(dest) >= sizeof(todo)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(todo, dest);
	char *rest = todo;
	for (;;) {
		while (*rest == '/')
			rest++;
		if (!*rest)
			break;
		char *slash = strchr(rest, '/');
		size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
		char comp[NAME_MAX + 1];
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, rest, n);
		comp[n] = 0;
		rest += n;
		const char *r = rest;
		while (*r == '/')
			r++;
		int last = *r == 0;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			char *p = strrchr(done, '/');
			if (p) {
				*p = 0;
				dlen = (size_t)(p - done);
			}
			continue;
		}
		int dfd = fi_open_in_root(dlen ? done : "/", O_DIRECTORY);
		if (dfd < 0)
			return -1;
		struct stat st;
		int appendit = 1;
		if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) {
				close(dfd);
				return -1;
			}
			if (last && file) {
				int f = openat(dfd, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
				if (f < 0 && errno != EEXIST) {
					close(dfd);
					return -1;
				}
				if (f >= 0)
					close(f);
			} else if (mkdirat(dfd, comp, 0755) < 0 && errno != EEXIST) {
				close(dfd);
				return -1;
			}
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t tl = readlinkat(dfd, comp, target, sizeof(target) - 1);
			if (tl < 0) {
				close(dfd);
				return -1;
			}
			target[tl] = 0;
			if (++links > 255) {
				close(dfd);
				errno = ELOOP;
				return -1;
			}
			if ((size_t)snprintf(next, sizeof(next), "%s/%s", target, rest) >= sizeof(next)) {
				close(dfd);
				errno = ENAMETOOLONG;
				return -1;
			}
			strcpy(todo, next);
			rest = todo;
			if (target[0] == '/') {
				done[0] = 0;
				dlen = 0;
			}
			appendit = 0;
		}
		close(dfd);
		if (appendit) {
			if (dlen + 1 + n >= sizeof(done)) {
				errno = ENAMETOOLONG;
				return -1;
			}
			done[dlen++] = '/';
			memcpy(done + dlen, comp, n + 1);
			dlen += n;
		}
	}
	return fi_open_in_root(dlen ? done : "/", 0);
}

// fi_locked_flags is the Go init's statfsToMountFlags.
static unsigned long fi_locked_flags(unsigned long st, unsigned long wanted, unsigned long cleared)
{
	static const unsigned long pairs[][2] = {
		{ ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME }, { FI_ST_NOSYMFOLLOW, MS_NOSYMFOLLOW },
	};
	const unsigned long atime = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
	unsigned long out = 0;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (!(st & pairs[i][0]) || (cleared & pairs[i][1]))
			continue;
		if ((pairs[i][1] & atime) && (wanted & atime))
			continue;
		out |= pairs[i][1];
	}
	return out;
}

// fi_bind_remount is the Go init's bindRemount.
static int fi_bind_remount(const char *path, unsigned long flags, unsigned long cleared)
{
	if (mount("", path, "", MS_BIND | MS_REMOUNT | flags, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	struct statfs st;
	if (statfs(path, &st) < 0) {
		errno = EPERM;
		return -1;
	}
	unsigned long locked = fi_locked_flags((unsigned long)st.f_flags, flags, cleared);
	if (!(locked & ~flags)) {
		errno = EPERM;
		return -1;
	}
	return mount("", path, "", MS_BIND | MS_REMOUNT | flags | locked, NULL);
}

static const char *fi_kind_name(int kind)
{
	switch (kind) {
	case 0: return "mount";
	case 1: return "remount";
	case 2: return "propagate";
	case 3: return "setattr";
	}
	return "step";
}

// fi_step runs step i (8 arguments from a) on target.
static int fi_step(int target, char **a)
{
	char path[64];
	fi_fdpath(path, target);
	int kind = (int)fi_i(a[0]);
	const char *source = a[1], *fstype = a[2], *data = a[5];
	unsigned long flags = fi_u(a[3]), cleared = fi_u(a[4]);
	switch (kind) {
	case 0:
		return mount(source, path, fstype, flags, *data ? data : NULL);
	case 1:
		return fi_bind_remount(path, flags, cleared);
	case 2:
		return mount("", path, "", flags, NULL);
	case 3: {
		struct fi_mount_attr attr = { .attr_set = fi_u(a[6]), .attr_clr = fi_u(a[7]) };
		return (int)syscall(SYS_mount_setattr, target, "", AT_EMPTY_PATH | FI_AT_RECURSIVE, &attr, sizeof(attr));
	}
	}
	errno = EINVAL;
	return -1;
}

// fi_plan runs a mount plan (the Go init's runPlan). It returns 0, or -1
// with errno when the first step failed with EPERM or EBUSY and a fallback
// may run instead; other failures end the init.
static int fi_plan(struct fi_op *op, int may_fall_back)
{
	const char *dest = op->argv[0];
	int file = op->argv[1][0] == '1';
	int nsteps = (op->argc - 2) / 8;
	if (op->argv[1][0] == '?') {
		// A bind mount: a file over a file, a directory over anything else.
		struct stat st;
		if (nsteps > 0 && stat(op->argv[2 + 1], &st) < 0)
			fi_fail("prepare rootfs %s: mount %s: bind source %s: %s", fi_rootfs, dest, op->argv[3], fi_strerror(errno));
		file = nsteps > 0 && !S_ISDIR(st.st_mode);
	}
	int target = fi_target(dest, file);
	if (target < 0)
		fi_fail("prepare rootfs %s: mount %s: mount target %s: %s", fi_rootfs, dest, dest, fi_strerror(errno));
	for (int i = 0; i < nsteps; i++) {
		char **a = &op->argv[2 + 8 * i];
		if (fi_step(target, a) < 0) {
			int err = errno;
			if (i == 0 && may_fall_back && (err == EPERM || err == EBUSY)) {
				close(target);
				errno = err;
				return -1;
			}
			fi_fail("prepare rootfs %s: mount %s: %s %s on %s: %s", fi_rootfs, dest, fi_kind_name((int)fi_i(a[0])), a[2], dest, fi_strerror(err));
		}
		int kind = (int)fi_i(a[0]);
		if (kind != 0)
			continue;
		// Later steps act on the new mount, not the one below.
		int nt = fi_open_in_root(dest, 0);
		if (nt < 0)
			fi_fail("prepare rootfs %s: mount %s: reopen %s after mount: %s", fi_rootfs, dest, dest, fi_strerror(errno));
		close(target);
		target = nt;
	}
	close(target);
	return 0;
}

// fi_parent opens (creating it if needed) the parent directory of the
// container path p and points *base at p's last component.
static int fi_parent(const char *p, char *dir, size_t dircap, const char **base)
{
	const char *slash = strrchr(p, '/');
	if (!slash || slash[1] == 0) {
		errno = EINVAL;
		return -1;
	}
	size_t n = (size_t)(slash - p);
	if (n >= dircap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, p, n);
	dir[n] = 0;
	if (n == 0)
		strcpy(dir, "/");
	*base = slash + 1;
	int fd = fi_open_in_root(dir, O_DIRECTORY);
	if (fd >= 0)
		return fd;
	int made = fi_target(dir, 0);
	if (made < 0)
		return -1;
	close(made);
	return fi_open_in_root(dir, O_DIRECTORY);
}

// fi_device is the Go init's createDevice.
static void fi_device(struct fi_op *op)
{
	const char *path = op->argv[0], *base;
	mode_t mode = (mode_t)fi_u(op->argv[1]);
	dev_t dev = (dev_t)fi_u(op->argv[2]);
	uid_t uid = (uid_t)fi_i(op->argv[3]);
	gid_t gid = (gid_t)fi_i(op->argv[4]);
	char dir[PATH_MAX];
	int dfd = fi_parent(path, dir, sizeof(dir), &base);
	if (dfd < 0)
		fi_fail("prepare rootfs %s: create device %s: %s", fi_rootfs, path, fi_strerror(errno));
	int fifo = S_ISFIFO(mode);
	struct stat st;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if ((st.st_mode & S_IFMT) != (mode & S_IFMT) || (!fifo && st.st_rdev != dev))
			fi_fail("prepare rootfs %s: create device %s: invalid device: %s exists and is not the requested device", fi_rootfs, path, path);
	} else if (errno != ENOENT) {
		fi_fail("prepare rootfs %s: create device %s: %s", fi_rootfs, path, fi_strerror(errno));
	} else if (mknodat(dfd, base, mode, dev) < 0) {
		if (errno != EPERM || fifo)
			fi_fail("prepare rootfs %s: create device %s: mknod: %s", fi_rootfs, path, fi_strerror(errno));
		// Not permitted: the host's node, bind-mounted on an empty file.
		int f = openat(dfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (f < 0)
			fi_fail("prepare rootfs %s: create device %s: create bind target: %s", fi_rootfs, path, fi_strerror(errno));
		close(f);
		int t = fi_open_in_root(path, 0);
		char tp[64];
		if (t < 0 || mount(path, fi_fdpath(tp, t), "bind", MS_BIND, NULL) < 0)
			fi_fail("prepare rootfs %s: create device %s: bind host device: %s", fi_rootfs, path, fi_strerror(errno));
		close(t);
		close(dfd);
		return;
	}
	if (fchownat(dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		fi_fail("prepare rootfs %s: create device %s: chown: %s", fi_rootfs, path, fi_strerror(errno));
	if (fchmodat(dfd, base, mode & 07777, 0) < 0)
		fi_fail("prepare rootfs %s: create device %s: chmod: %s", fi_rootfs, path, fi_strerror(errno));
	close(dfd);
}

static void fi_symlink(struct fi_op *op)
{
	const char *path = op->argv[0], *target = op->argv[1], *base;
	char dir[PATH_MAX];
	int dfd = fi_parent(path, dir, sizeof(dir), &base);
	if (dfd < 0)
		fi_fail("prepare rootfs %s: create symlink %s: %s", fi_rootfs, path, fi_strerror(errno));
	if (op->argv[2][0] == '1' && unlinkat(dfd, base, 0) < 0 && errno != ENOENT)
		fi_fail("prepare rootfs %s: create symlink %s: %s", fi_rootfs, path, fi_strerror(errno));
	if (symlinkat(target, dfd, base) < 0 && errno != EEXIST)
		fi_fail("prepare rootfs %s: create symlink %s: %s", fi_rootfs, path, fi_strerror(errno));
	close(dfd);
}

static void fi_rootfs_op(const char *path)
{
	fi_rootfs = path;
	int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		fi_fail("prepare rootfs %s: open rootfs: %s", path, fi_strerror(errno));
	int tree = (int)syscall(SYS_open_tree, dir, "", FI_OPEN_TREE_CLONE | O_CLOEXEC | FI_AT_RECURSIVE | AT_EMPTY_PATH);
	if (tree < 0)
		fi_fail("prepare rootfs %s: bind rootfs onto itself: open_tree: %s", path, fi_strerror(errno));
	if (syscall(SYS_move_mount, tree, "", dir, "", FI_MOVE_MOUNT_F_EMPTY_PATH | FI_MOVE_MOUNT_T_EMPTY_PATH) < 0)
		fi_fail("prepare rootfs %s: bind rootfs onto itself: move_mount: %s", path, fi_strerror(errno));
	close(dir);
	fi_root = tree;
}

static void fi_pivot(void)
{
	int old = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (old < 0)
		fi_fail("prepare rootfs %s: open old root: %s", fi_rootfs, fi_strerror(errno));
	if (fchdir(fi_root) < 0)
		fi_fail("prepare rootfs %s: chdir to new root: %s", fi_rootfs, fi_strerror(errno));
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		fi_fail("prepare rootfs %s: pivot_root: %s", fi_rootfs, fi_strerror(errno));
	if (fchdir(old) < 0)
		fi_fail("prepare rootfs %s: chdir to old root: %s", fi_rootfs, fi_strerror(errno));
	if (mount("", ".", "", MS_SLAVE | MS_REC, NULL) < 0)
		fi_fail("prepare rootfs %s: make old root slave: %s", fi_rootfs, fi_strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		fi_fail("prepare rootfs %s: detach old root: %s", fi_rootfs, fi_strerror(errno));
	if (chdir("/") < 0)
		fi_fail("prepare rootfs %s: chdir /: %s", fi_rootfs, fi_strerror(errno));
	close(old);
	close(fi_root);
	fi_root = -1;
}

static int fi_missing(int err)
{
	return err == ENOENT || err == ENOTDIR;
}

static void fi_readonly(const char *p)
{
	if (mount(p, p, "", MS_BIND | MS_REC, NULL) < 0) {
		if (fi_missing(errno))
			return;
		fi_fail("readonly path %s: %s", p, fi_strerror(errno));
	}
	if (fi_bind_remount(p, MS_RDONLY, 0) < 0)
		fi_fail("readonly path %s: %s", p, fi_strerror(errno));
	struct fi_mount_attr attr = { .attr_set = FI_MOUNT_ATTR_RDONLY };
	if (syscall(SYS_mount_setattr, AT_FDCWD, p, FI_AT_RECURSIVE, &attr, sizeof(attr)) < 0 && errno != ENOSYS)
		fi_fail("readonly path %s: %s", p, fi_strerror(errno));
}

static void fi_mask(const char *p)
{
	struct stat st;
	if (stat(p, &st) < 0) {
		if (fi_missing(errno))
			return;
		fi_fail("mask path %s: %s", p, fi_strerror(errno));
	}
	int r;
	if (S_ISDIR(st.st_mode))
		r = mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555");
	else
		r = mount("/dev/null", p, "", MS_BIND, NULL);
	if (r < 0 && !(errno == ENOENT || errno == ENOTDIR))
		fi_fail("mask path %s: %s", p, fi_strerror(errno));
}

static void fi_write_file(const char *path, const char *val, const char *what, const char *name)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || fi_write_all(fd, val, strlen(val)) < 0)
		fi_fail("%s%s: open %s: %s", what, name, path, fi_strerror(errno));
	close(fd);
}

static void fi_bounding(unsigned long long keep, int last)
{
	struct fi_cap_hdr hdr = { 0x20080522, 0 };
	struct fi_cap_data data[2];
	if (syscall(SYS_capget, &hdr, data) < 0)
		fi_fail("load capabilities: %s", fi_strerror(errno));
	if (!(data[0].effective & (1u << 8)))
		return; // no CAP_SETPCAP: the bounding set cannot change
	for (int i = 0; i <= last; i++) {
		if (keep & (1ULL << i))
			continue;
		if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
			fi_fail("apply bounding capabilities: %s", fi_strerror(errno));
	}
}

static void fi_caps(struct fi_op *op)
{
	unsigned long long e = fi_u(op->argv[0]), p = fi_u(op->argv[1]), in = fi_u(op->argv[2]);
	struct fi_cap_hdr hdr = { 0x20080522, 0 };
	struct fi_cap_data data[2] = {
		{ (uint32_t)e, (uint32_t)p, (uint32_t)in },
		{ (uint32_t)(e >> 32), (uint32_t)(p >> 32), (uint32_t)(in >> 32) },
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		fi_fail("apply capabilities: %s", fi_strerror(errno));
	// Like runc, an ambient capability that is not permitted and
	// inheritable is skipped.
	for (int i = 3; i < op->argc; i++)
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)fi_i(op->argv[i]), 0, 0);
}

static void fi_user(struct fi_op *op)
{
	uid_t uid = (uid_t)fi_u(op->argv[0]);
	gid_t gid = (gid_t)fi_u(op->argv[1]);
	int n = op->argc - 2;
	gid_t groups[256];
	for (int i = 0; i < n; i++)
		groups[i] = (gid_t)fi_u(op->argv[2 + i]);
	if (syscall(SYS_setgroups, n, n ? groups : NULL) < 0)
		fi_fail("setgroups: %s", fi_strerror(errno));
	if (syscall(SYS_setresgid, gid, gid, gid) < 0)
		fi_fail("setgid %u: %s", (unsigned)gid, fi_strerror(errno));
	if (syscall(SYS_setresuid, uid, uid, uid) < 0)
		fi_fail("setuid %u: %s", (unsigned)uid, fi_strerror(errno));
}

static void fi_seccomp(struct fi_op *op)
{
	uint32_t n = op->alen[0];
	if (n == 0 || n % 8 != 0)
		fi_fail("load seccomp filter: bad program");
	// The argument may be unaligned in the program: copy it.
	void *prog = malloc(n);
	if (!prog)
		fi_fail("load seccomp filter: %s", fi_strerror(ENOMEM));
	memcpy(prog, op->argv[0], n);
	struct fi_sock_fprog fp = { (unsigned short)(n / 8), prog };
	unsigned long flags = fi_u(op->argv[1]);
	if (syscall(SYS_seccomp, 1, flags, &fp) != 0) {
		if (errno == EACCES)
			fi_fail("load seccomp filter: install seccomp filter: not permitted without no_new_privs or CAP_SYS_ADMIN");
		fi_fail("load seccomp filter: install seccomp filter: %s", fi_strerror(errno));
	}
}

// fi_executable is the Go init's lookPath check.
static int fi_executable(const char *p)
{
	struct stat st;
	if (stat(p, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

static void fi_lookpath(const char *name, const char *path)
{
	if (strchr(name, '/')) {
		if (fi_executable(name) < 0)
			fi_fail("exec: \"%s\": stat %s: %s", name, name, fi_strerror(errno));
		snprintf(fi_exe, sizeof(fi_exe), "%s", name);
		return;
	}
	const char *p = path;
	for (;;) {
		const char *c = strchr(p, ':');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		char cand[PATH_MAX];
		if (n == 0)
			snprintf(cand, sizeof(cand), "./%s", name);
		else
			snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, p, name);
		if (fi_executable(cand) == 0) {
			snprintf(fi_exe, sizeof(fi_exe), "%s", cand);
			return;
		}
		if (!c)
			break;
		p = c + 1;
	}
	fi_fail("exec: \"%s\": executable file not found in $PATH", name);
}

static void fi_close_from(int first)
{
	if (syscall(SYS_close_range, (unsigned)first, ~0U, FI_CLOSE_RANGE_CLOEXEC) == 0)
		return;
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		for (int fd = first; fd < 65536; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && fd >= first && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}

static void fi_ready(const char *mode, int fifo)
{
	if (fi_send_json("ready", NULL) < 0)
		fi_fail("send ready: %s", fi_strerror(errno));
	if (strcmp(mode, "direct") == 0) {
		uint32_t n;
		char *m = fi_read_frame(&n);
		if (!m)
			fi_fail("container init: parent went away before start");
		if (strcmp(m, "{\"type\":\"start\"}") != 0)
			fi_fail("init: expected a start message, got %s", m);
		free(m);
		return; // the socket closes with the execve (close-on-exec)
	}
	if (strcmp(mode, "fifo") == 0) {
		char p[64];
		int fd = open(fi_fdpath(p, fifo), O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			fi_fail("open exec fifo: %s", fi_strerror(errno));
		close(fifo);
		close(fi_sync);
		fi_sync = -1;
		// fd stays open until execve: its end of file tells start
		// that the process runs.
		if (fi_write_all(fd, "0", 1) < 0)
			fi_fail("write exec fifo: %s", fi_strerror(errno));
		return;
	}
	close(fi_sync);
	fi_sync = -1;
}

// fi_reset_signals gives the process what the Go init's execve gives it:
// no signal blocked, every ignored signal back to its default action
// except SIGHUP and SIGINT, which the Go runtime leaves ignored (an
// engine may start servin-run with SIGTERM ignored or blocked; the
// container's process must still see it).
static void fi_reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGHUP || sig == SIGINT)
			continue;
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) {
			sa.sa_handler = SIG_DFL;
			sigaction(sig, &sa, NULL);
		}
	}
}

static void fi_exec(struct fi_op *op)
{
	int argc = (int)fi_i(op->argv[0]);
	if (argc < 1 || argc > op->argc - 1)
		fi_fail("exec: bad arguments");
	char *argv[256], *envp[256];
	int envc = op->argc - 1 - argc;
	for (int i = 0; i < argc; i++)
		argv[i] = op->argv[1 + i];
	argv[argc] = NULL;
	for (int i = 0; i < envc; i++)
		envp[i] = op->argv[1 + argc + i];
	envp[envc] = NULL;
	fi_reset_signals();
	execve(fi_exe, argv, envp);
	fi_fail("exec %s: %s", argv[0], fi_strerror(errno));
}

// fi_decode splits the program into operations; it returns how many.
static int fi_decode(char *buf, uint32_t len, struct fi_op **out)
{
	int cap = 64, n = 0;
	struct fi_op *ops = malloc(sizeof(*ops) * (size_t)cap);
	uint32_t i = 0;
	while (ops && i < len) {
		if (n == cap) {
			cap *= 2;
			ops = realloc(ops, sizeof(*ops) * (size_t)cap);
			if (!ops)
				break;
		}
		if (len - i < 2)
			fi_fail("fast init: truncated program");
		struct fi_op *op = &ops[n++];
		op->code = (unsigned char)buf[i];
		op->argc = (unsigned char)buf[i + 1];
		i += 2;
		for (int a = 0; a < op->argc; a++) {
			if (len - i < 4)
				fi_fail("fast init: truncated program");
			unsigned char *h = (unsigned char *)buf + i;
			uint32_t l = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24;
			i += 4;
			if (l > len - i)
				fi_fail("fast init: truncated program");
			// NUL-terminate in place: move the bytes back over the
			// length field (4 bytes free) and end them with a NUL.
			memmove(buf + i - 4, buf + i, l);
			buf[i - 4 + l] = 0;
			op->argv[a] = buf + i - 4;
			op->alen[a] = l;
			i += l;
		}
	}
	if (!ops)
		fi_fail("fast init: %s", fi_strerror(ENOMEM));
	*out = ops;
	return n;
}

// servin_fastinit reads the parent's first message to the container
// process: "G" lets the caller go on into the Go init; "X" and a program
// runs the program, which ends in execve or _exit.
void servin_fastinit(int sync_fd)
{
	fi_sync = sync_fd;
	uint32_t len;
	char *msg = fi_read_frame(&len);
	if (!msg)
		_exit(1); // the parent is gone
	if (len == 1 && msg[0] == 'G') {
		free(msg);
		return;
	}
	if (len < 1 || msg[0] != 'X')
		fi_fail("fast init: unexpected message");
	struct fi_op *ops;
	int n = fi_decode(msg + 1, len - 1, &ops);
	int fell = 0; // the previous M failed and its F runs
	for (int k = 0; k < n; k++) {
		struct fi_op *op = &ops[k];
		char **a = op->argv;
		switch (op->code) {
		case 'S':
			if (setsid() < 0 && a[0][0] != '1')
				fi_fail("setsid: %s", fi_strerror(errno));
			break;
		case 'K':
			if (syscall(SYS_keyctl, 1, a[0]) < 0 && errno != ENOSYS && errno != EACCES && errno != EPERM)
				fi_fail("join session keyring: %s", fi_strerror(errno));
			break;
		case 'u':
			umask((mode_t)fi_u(a[0]));
			break;
		case 'p':
			if (mount("", "/", "", fi_u(a[0]), NULL) < 0)
				fi_fail("prepare rootfs %s: set propagation of /: %s", fi_rootfs, fi_strerror(errno));
			break;
		case 'R':
			fi_rootfs_op(a[0]);
			break;
		case 'M': {
			int can_fall = k + 1 < n && ops[k + 1].code == 'F';
			fell = fi_plan(op, can_fall) < 0;
			break;
		}
		case 'F':
			if (fell)
				fi_plan(op, 0);
			fell = 0;
			break;
		case 'D':
			fi_device(op);
			break;
		case 'L':
			fi_symlink(op);
			break;
		case 'P':
			fi_pivot();
			break;
		case 'a':
			if (mount("", "/", "", fi_u(a[0]), NULL) < 0)
				fi_fail("prepare rootfs %s: set rootfsPropagation %s: %s", fi_rootfs, a[1], fi_strerror(errno));
			break;
		case 'H':
			if (sethostname(a[0], strlen(a[0])) < 0)
				fi_fail("set hostname: %s", fi_strerror(errno));
			break;
		case 'h':
			if (setdomainname(a[0], strlen(a[0])) < 0)
				fi_fail("set domainname: %s", fi_strerror(errno));
			break;
		case 'Y':
			fi_write_file(a[1], a[2], "set sysctl ", a[0]);
			break;
		case 'r':
			fi_readonly(a[0]);
			break;
		case 'm':
			fi_mask(a[0]);
			break;
		case 'O':
			if (fi_bind_remount("/", MS_RDONLY, 0) < 0)
				fi_fail("remount root read-only: %s", fi_strerror(errno));
			break;
		case 'I':
			if (syscall(SYS_ioprio_set, 1, 0, (int)fi_i(a[0])) < 0)
				fi_fail("set io priority: %s", fi_strerror(errno));
			break;
		case 'o':
			fi_write_file("/proc/self/oom_score_adj", a[0], "set oom_score_adj", "");
			break;
		case 'N':
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				fi_fail("set no_new_privs: %s", fi_strerror(errno));
			break;
		case 'B':
			fi_bounding(fi_u(a[0]), (int)fi_i(a[1]));
			break;
		case 'Z':
			fi_seccomp(op);
			break;
		case 'k':
			if (prctl(PR_SET_KEEPCAPS, (unsigned long)fi_i(a[0]), 0, 0, 0) < 0)
				fi_fail("set keepcaps: %s", fi_strerror(errno));
			break;
		case 'U':
			fi_user(op);
			break;
		case 'C':
			fi_caps(op);
			break;
		case 'c':
			if (chdir(a[0]) < 0)
				fi_fail("chdir to cwd (\"%s\") set in config.json failed: %s", a[0], fi_strerror(errno));
			break;
		case 'x':
			fi_lookpath(a[0], a[1]);
			break;
		case 'X':
			fi_close_from((int)fi_i(a[0]));
			break;
		case 'W':
			fi_ready(a[0], (int)fi_i(a[1]));
			break;
		case 'l': {
			struct rlimit rl = { (rlim_t)fi_u(a[2]), (rlim_t)fi_u(a[3]) };
			if (setrlimit((int)fi_i(a[1]), &rl) < 0)
				fi_fail("set %s to %s/%s: %s", a[0], a[2], a[3], fi_strerror(errno));
			break;
		}
		case 'E':
			fi_exec(op);
			break;
		default:
			fi_fail("fast init: unknown operation %c", op->code);
		}
	}
	fi_fail("fast init: program ended without exec");
}
*/
import "C"
