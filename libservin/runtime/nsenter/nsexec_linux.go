//go:build linux && cgo

package nsenter

/*
#cgo CFLAGS: -Wall -O2
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#define MAX_JOINS 16

static int sync_fd = -1;

static int write_all(int fd, const void *buf, size_t n)
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

static int read_all(int fd, void *buf, size_t n)
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

static int send_msg(const char *msg, size_t n)
{
	unsigned char hdr[4] = { n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff };
	if (write_all(sync_fd, hdr, 4) < 0)
		return -1;
	return write_all(sync_fd, msg, n);
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
	unsigned char hdr[4];
	if (read_all(sync_fd, hdr, 4) < 0)
		bail("read bootstrap header");
	uint32_t n = hdr[0] | (hdr[1] << 8) | (hdr[2] << 16) | ((uint32_t)hdr[3] << 24);
	if (n > (1 << 20))
		bail("bootstrap too large");
	char *buf = malloc(n + 1);
	if (!buf)
		bail("alloc bootstrap");
	if (read_all(sync_fd, buf, n) < 0)
		bail("read bootstrap");
	buf[n] = 0;
	return buf;
}

static void wait_ack(char want)
{
	unsigned char hdr[4];
	char c = 0;
	if (read_all(sync_fd, hdr, 4) < 0)
		bail("read ack");
	uint32_t n = hdr[0] | (hdr[1] << 8) | (hdr[2] << 16) | ((uint32_t)hdr[3] << 24);
	if (n < 1 || read_all(sync_fd, &c, 1) < 0)
		bail("read ack payload");
	for (uint32_t i = 1; i < n; i++) {
		char skip;
		if (read_all(sync_fd, &skip, 1) < 0)
			bail("read ack payload");
	}
	if (c != want) {
		errno = 0;
		bail("parent refused: got %c", c);
	}
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
	unsigned long rest = clone_flags & ~(unsigned long)CLONE_NEWUSER;
	if (rest && unshare((int)rest) < 0)
		bail("unshare namespaces 0x%lx", rest);
	if ((rest & CLONE_NEWTIME) && timens_len > 0) {
		int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write_all(fd, timens, timens_len) < 0)
			bail("write time namespace offsets");
		close(fd);
	}

	// A new or joined pid (and time) namespace applies to children only;
	// fork always so there is one code path. CLONE_PARENT makes the
	// container process a child of the runtime, not of this process.
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		bail("clone container process");
	if (pid > 0) {
		char msg[32];
		int n = snprintf(msg, sizeof(msg), "P%d", (int)pid);
		if (send_msg(msg, (size_t)n) < 0)
			_exit(1);
		_exit(0);
	}
	// The child: go on into the Go runtime, which reads the rest of the
	// protocol from the same socket.
}

__attribute__((constructor)) static void servin_nsenter_init(void)
{
	servin_nsexec();
}
*/
import "C"
