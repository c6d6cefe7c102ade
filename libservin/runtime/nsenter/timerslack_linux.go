//go:build linux && cgo

package nsenter

/*
extern unsigned long servin_caller_slack;
*/
import "C"

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// EnvTimerSlack names the environment variable that carries the caller's
// timer slack (nanoseconds) to an init, which restores it before anything
// else, so the container process inherits it.
//
// Why servin-run changes its own: the Go runtime's sysmon thread sleeps
// 20 µs between checks for a while after every system call that blocks
// (and a P is taken from it), so a short-lived servin-run wakes up ~80
// times per container; with 50 runtimes competing for 2 CPUs each wake-up
// is a context switch, ~0.8 ms of CPU per container in all. A coarse
// timer slack (PR_SET_TIMERSLACK, set by the constructor before the Go
// runtime creates its threads, which inherit it) lets the kernel batch
// those wake-ups; nothing in servin-run needs sub-millisecond timers. The
// slack is per thread and inherited by children, so every child gets the
// caller's back: the init through EnvTimerSlack, other children through
// WithCallerTimerSlack.
const EnvTimerSlack = "_SERVIN_TIMERSLACK"

// CallerTimerSlack is the timer slack the process started with (for an
// init: the one its runtime's caller had), 0 when unknown.
func CallerTimerSlack() uint64 { return uint64(C.servin_caller_slack) }

// WithCallerTimerSlack calls start, which starts a child process (say
// exec.Cmd.Start), on a thread whose timer slack is the caller's, so the
// child inherits that and not servin-run's coarse one.
func WithCallerTimerSlack(start func() error) error {
	want := CallerTimerSlack()
	if want == 0 {
		return start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cur, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil || uint64(cur) == want {
		return start()
	}
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(want), 0, 0, 0); err != nil {
		return start()
	}
	defer unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(cur), 0, 0, 0)
	return start()
}
