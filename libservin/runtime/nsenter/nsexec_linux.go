//go:build linux && cgo

package nsenter

/*
#cgo CFLAGS: -Wall -O2
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

// clone3's argument up to the cgroup field (CLONE_ARGS_SIZE_VER2), spelt
// out because older C libraries lack <linux/sched.h>'s struct clone_args.
struct servin_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

#define MAX_JOINS 16

static int sync_fd = -1;

void servin_fastinit(int sync_fd); // fastinit_linux.go

int servin_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int servin_read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

// servin_send_frame writes msg on fd with its 4-byte little-endian length.
int servin_send_frame(int fd, const char *msg, size_t n)
{
	unsigned char hdr[4] = { n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff };
	if (servin_write_all(fd, hdr, 4) < 0)
		return -1;
	return servin_write_all(fd, msg, n);
}

// servin_read_frame reads one framed message of at most max bytes from fd
// into a NUL-terminated buffer the caller frees; NULL on any failure.
char *servin_read_frame(int fd, uint32_t max, uint32_t *len)
{
	unsigned char hdr[4];
	if (servin_read_all(fd, hdr, 4) < 0)
		return NULL;
	uint32_t n = hdr[0] | (hdr[1] << 8) | (hdr[2] << 16) | ((uint32_t)hdr[3] << 24);
	if (n > max)
		return NULL;
	char *buf = malloc(n + 1);
	if (!buf || servin_read_all(fd, buf, n) < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

static int send_msg(const char *msg, size_t n)
{
	return servin_send_frame(sync_fd, msg, n);
}

static void bail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void bail(const char *fmt, ...)
{
	char buf[1024];
	int saved = errno;
	va_list ap;
	buf[0] = 'E';
	va_start(ap, fmt);
	int n = vsnprintf(buf + 1, sizeof(buf) - 64, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(buf) - 65)
		n = sizeof(buf) - 65;
	if (saved)
		n += snprintf(buf + 1 + n, 63, ": %s", strerror(saved));
	if (sync_fd >= 0)
		send_msg(buf, (size_t)n + 1);
	_exit(1);
}

static char *read_bootstrap(void)
{
	uint32_t n;
	char *buf = servin_read_frame(sync_fd, 1 << 20, &n);
	if (!buf)
		bail("read bootstrap");
	return buf;
}

static void wait_ack(char want)
{
	unsigned char hdr[4];
	char c = 0;
	if (servin_read_all(sync_fd, hdr, 4) < 0)
		bail("read ack");
	uint32_t n = hdr[0] | (hdr[1] << 8) | (hdr[2] << 16) | ((uint32_t)hdr[3] << 24);
	if (n < 1 || servin_read_all(sync_fd, &c, 1) < 0)
		bail("read ack payload");
	for (uint32_t i = 1; i < n; i++) {
		char skip;
		if (servin_read_all(sync_fd, &skip, 1) < 0)
			bail("read ack payload");
	}
	if (c != want) {
		errno = 0;
		bail("parent refused: got %c", c);
	}
}

// join_cgroup_v1 moves this (single-threaded) process into a cgroup v1
// directory by writing "0" to its tasks file. The kernel migrates the
// calling thread without taking the global cgroup_threadgroup_rwsem for
// writing, whose RCU grace period costs milliseconds on every
// cgroup.procs write; with one thread, the thread is the process. It runs
// before any namespace is joined or created, with the runtime's
// credentials and paths.
static void join_cgroup_v1(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/tasks", dir) >= (int)sizeof(path))
		bail("cgroup path too long");
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		bail("join cgroup %s", dir);
	if (servin_write_all(fd, "0", 1) < 0)
		bail("join cgroup %s", dir);
	close(fd);
}

// ask_join_cgroup2 has the parent move this process into the cgroup2
// directory through cgroup.procs.
static void ask_join_cgroup2(void)
{
	if (send_msg("C", 1) < 0)
		bail("ask to join cgroup");
	wait_ack('c');
}

// clone_container forks the container process with CLONE_PARENT. With a
// cgroup2 directory it is born there (clone3 CLONE_INTO_CGROUP), which
// needs no migration of a running process. When the kernel lacks clone3
// or CLONE_INTO_CGROUP (before 5.7: it fails before allocating a pid) the
// parent moves this process instead and a plain clone inherits the cgroup.
// Failures after the pid is allocated cannot be retried: the first
// process of a new pid namespace failing to fork leaves the namespace
// unable to allocate pids, so the permission case (a user namespace) is
// settled before (see servin_nsexec).
static pid_t clone_container(int cgroup2_fd)
{
	if (cgroup2_fd >= 0) {
		struct servin_clone_args args;
		memset(&args, 0, sizeof(args));
		args.flags = CLONE_PARENT | CLONE_INTO_CGROUP;
		// CLONE_PARENT makes the kernel use the caller's own exit
		// signal anyway; say SIGCHLD explicitly, as clone(2) below does,
		// since the runtime reaps the child with a plain wait4.
		args.exit_signal = SIGCHLD;
		args.cgroup = (uint64_t)cgroup2_fd;
		pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL))
			return pid;
		ask_join_cgroup2();
	}
	return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
}

static const char *ns_name(unsigned long flag)
{
	switch (flag) {
	case CLONE_NEWUSER: return "user";
	case CLONE_NEWNS: return "mount";
	case CLONE_NEWPID: return "pid";
	case CLONE_NEWNET: return "network";
	case CLONE_NEWIPC: return "ipc";
	case CLONE_NEWUTS: return "uts";
	case CLONE_NEWCGROUP: return "cgroup";
	case CLONE_NEWTIME: return "time";
	}
	return "unknown";
}

// servin_nsexec runs as a constructor, before the Go runtime exists.
void servin_nsexec(void)
{
	const char *env = getenv("_SERVIN_INITPIPE");
	if (!env || !*env)
		return;
	sync_fd = atoi(env);
	if (sync_fd <= 2)
		bail("invalid _SERVIN_INITPIPE %s", env);

	char *boot = read_bootstrap();
	unsigned long join_flag[MAX_JOINS];
	int join_fd[MAX_JOINS];
	int njoin = 0;
	unsigned long clone_flags = 0;
	char timens[1024] = "";
	size_t timens_len = 0;
	int cgroup2_fd = -1;

	for (char *line = strtok(boot, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "join ", 5) == 0) {
			char *end;
			unsigned long flag = strtoul(line + 5, &end, 10);
			if (*end != ' ')
				bail("bad join line");
			if (njoin == MAX_JOINS)
				bail("too many namespaces to join");
			// Open every path before joining any: a mount namespace
			// joined first would change what later paths name.
			int fd = open(end + 1, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				bail("open %s namespace %s", ns_name(flag), end + 1);
			join_flag[njoin] = flag;
			join_fd[njoin++] = fd;
		} else if (strncmp(line, "cgroup1 ", 8) == 0) {
			join_cgroup_v1(line + 8);
		} else if (strncmp(line, "cgroup2 ", 8) == 0) {
			if (cgroup2_fd >= 0)
				bail("two cgroup2 directories");
			cgroup2_fd = open(line + 8, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (cgroup2_fd < 0)
				bail("open cgroup %s", line + 8);
		} else if (strncmp(line, "clone ", 6) == 0) {
			clone_flags = strtoul(line + 6, NULL, 10);
		} else if (strncmp(line, "timens ", 7) == 0) {
			size_t l = strlen(line + 7);
			if (timens_len + l + 2 > sizeof(timens))
				bail("time offsets too long");
			memcpy(timens + timens_len, line + 7, l);
			timens_len += l;
			timens[timens_len++] = '\n';
			timens[timens_len] = 0;
		} else if (strcmp(line, "end") == 0) {
			break;
		}
	}
	free(boot);

	// In a user namespace (created or joined) this process may not write
	// the cgroup as clone3 CLONE_INTO_CGROUP checks; the parent moves it
	// first, with the runtime's credentials.
	int userns = (clone_flags & CLONE_NEWUSER) != 0;
	for (int i = 0; i < njoin; i++)
		userns |= join_flag[i] == CLONE_NEWUSER;
	if (cgroup2_fd >= 0 && userns) {
		ask_join_cgroup2();
		close(cgroup2_fd);
		cgroup2_fd = -1;
	}

	// The user namespace first (the caller orders it so), so that joins
	// and unshares after it happen with its privileges.
	for (int i = 0; i < njoin; i++) {
		// The kernel checks the type for us: setns fails with EINVAL
		// when the file is a namespace of another type.
		if (setns(join_fd[i], (int)join_flag[i]) < 0)
			bail("join %s namespace", ns_name(join_flag[i]));
		close(join_fd[i]);
		if (join_flag[i] == CLONE_NEWUSER) {
			if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
				bail("become root in joined user namespace");
		}
	}

	if (clone_flags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			bail("unshare user namespace");
		// The parent, still in the outer namespace, writes our maps.
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			bail("set dumpable");
		if (send_msg("U", 1) < 0)
			bail("ask for id maps");
		wait_ack('u');
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			bail("become root in new user namespace");
	}
	// A new cgroup namespace is rooted at the cgroup of the process that
	// creates it: the container process does that, once it is in the
	// container's cgroup (see clone_container).
	unsigned long rest = clone_flags & ~(unsigned long)(CLONE_NEWUSER | CLONE_NEWCGROUP);
	int new_cgroupns = (clone_flags & CLONE_NEWCGROUP) != 0;
	if (rest && unshare((int)rest) < 0)
		bail("unshare namespaces 0x%lx", rest);
	if ((rest & CLONE_NEWTIME) && timens_len > 0) {
		int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || servin_write_all(fd, timens, timens_len) < 0)
			bail("write time namespace offsets");
		close(fd);
	}

	// A new or joined pid (and time) namespace applies to children only;
	// fork always so there is one code path. CLONE_PARENT makes the
	// container process a child of the runtime, not of this process.
	int status[2] = { -1, -1 };
	if (new_cgroupns && pipe2(status, O_CLOEXEC) < 0)
		bail("create status pipe");
	// Without a user namespace, nothing in the container may open this
	// process's /proc/<pid>/exe (the runtime binary, CVE-2019-5736) until
	// it execs the container's process, which makes it dumpable again.
	// In a user namespace it must stay dumpable (the parent writes its
	// maps; the Go init reads /proc/self as the namespace's root): the
	// runtime execs a private copy of itself then.
	if (!userns && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("set non-dumpable");
	pid_t pid = clone_container(cgroup2_fd);
	if (pid < 0)
		bail("clone container process");
	if (pid == 0 && new_cgroupns) {
		int err = 0;
		if (unshare(CLONE_NEWCGROUP) < 0)
			err = errno;
		if (servin_write_all(status[1], &err, sizeof(err)) < 0 || err)
			_exit(1);
		close(status[0]);
		close(status[1]);
	}
	if (pid > 0) {
		if (new_cgroupns) {
			int err = 0;
			close(status[1]);
			if (servin_read_all(status[0], &err, sizeof(err)) < 0)
				bail("container process died creating its cgroup namespace");
			if (err) {
				errno = err;
				bail("unshare cgroup namespace");
			}
		}
		char msg[32];
		int n = snprintf(msg, sizeof(msg), "P%d", (int)pid);
		if (send_msg(msg, (size_t)n) < 0)
			_exit(1);
		_exit(0);
	}
	if (cgroup2_fd >= 0)
		close(cgroup2_fd);
	// The child: the parent's next message says whether the C fast init
	// sets the container up and execs its process (never returning), or
	// the Go init does, reading the rest of the protocol from the same
	// socket.
	servin_fastinit(sync_fd);
}

// servin_userns_child forks a child into a new user namespace that waits
// until the pipe end returned in *wfd is closed, then exits; it returns
// the child's pid or -errno. The raw clone copies only the calling thread
// of the (Go) process; the child runs nothing but read(2) and _exit(2),
// with every signal blocked so no Go handler runs in it.
static int servin_userns_child(int *wfd)
{
	int p[2];
	sigset_t all, old;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	int saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -saved;
	}
	*wfd = p[1];
	return pid;
}

__attribute__((constructor)) static void servin_nsenter_init(void)
{
	// One malloc arena: Go creates its threads with pthread_create, and
	// glibc gives each thread that frees or allocates its own arena (a
	// 128 MiB reservation, trimmed, and its first pages), several per
	// servin-run process for the few bytes cgo allocates.
	mallopt(M_ARENA_MAX, 1);
	servin_nsexec();
}
*/
import "C"

import (
	"fmt"
	"os"
	"syscall"
)

// userNamespaceChild starts a process in a new user namespace (see
// servin_userns_child); closing the returned pipe end lets it exit.
func userNamespaceChild() (pid int, release *os.File, err error) {
	var wfd C.int
	r := C.servin_userns_child(&wfd)
	if r < 0 {
		return 0, nil, fmt.Errorf("clone user namespace: %w", syscall.Errno(-r))
	}
	return int(r), os.NewFile(uintptr(wfd), "userns-release"), nil
}
