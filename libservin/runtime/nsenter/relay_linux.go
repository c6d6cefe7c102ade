//go:build linux && cgo

package nsenter

/*
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// The signal relay of an attached run or exec: plain handlers that kill(2)
// the container process, instead of os/signal, which enables each signal
// with a round trip to a locked thread (~50 µs and two context switches
// apiece). Until the pid is set, signals are remembered and sent then.
static volatile sig_atomic_t relay_pid;
static volatile sig_atomic_t relay_pending[65];

static void relay_handler(int sig)
{
	int saved = errno;
	pid_t pid = relay_pid;
	if (pid > 0)
		syscall(SYS_kill, pid, sig);
	else if (pid == 0 && sig > 0 && sig < 65)
		relay_pending[sig] = 1;
	errno = saved;
}

static int relay_install(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = relay_handler;
	// SA_ONSTACK: it may run on a Go thread, whose goroutine stack is
	// small; Go gives every thread an alternate signal stack.
	sa.sa_flags = SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL) < 0 ? -errno : 0;
}

static void relay_to(int pid)
{
	relay_pid = pid;
	for (int sig = 1; sig < 65; sig++) {
		if (relay_pending[sig]) {
			relay_pending[sig] = 0;
			syscall(SYS_kill, pid, sig);
		}
	}
}

static void relay_stop(void)
{
	relay_pid = -1;
}
*/
import "C"

import (
	"fmt"
	"syscall"
)

// RelaySignals installs handlers that send each of sigs to the process
// given to RelayTo (and, until then, remember them). They replace the Go
// runtime's handlers for those signals: the caller must not use os/signal
// for them afterwards. It is for signals the Go runtime does not use
// itself (not SIGURG, SIGPROF, SIGCHLD, SIGPIPE or synchronous ones).
func RelaySignals(sigs []syscall.Signal) error {
	for _, s := range sigs {
		if r := C.relay_install(C.int(s)); r < 0 {
			return fmt.Errorf("install handler for %v: %w", s, syscall.Errno(-r))
		}
	}
	return nil
}

// RelayTo starts sending the relayed signals to pid, first those that came
// before.
func RelayTo(pid int) { C.relay_to(C.int(pid)) }

// RelayStop makes the relayed signals do nothing from now on (the process
// is gone; its pid may be reused).
func RelayStop() { C.relay_stop() }
