package runtime

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/servin/servin/libservin/runtime/nsenter"
	"golang.org/x/sys/unix"
)

// ParseSignal accepts "KILL", "SIGKILL", "kill" or "9".
func ParseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal number %d", n)
		}
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// forwardedSignals are the signals an attached `run` or `exec` relays to
// the container process: those a terminal, a shell's job control, a
// supervisor or a user sends to a foreground command. Not every signal, as
// runc does: Go enables each one for os/signal with a round trip to a
// locked thread, about 50 µs of CPU apiece, so all 64 (and disabling them
// again) cost ~3 ms per container. SIGWINCH resizes the terminal instead.
var forwardedSignals = []os.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGUSR1, unix.SIGUSR2,
	unix.SIGALRM, unix.SIGCONT, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGPWR,
	unix.SIGWINCH,
}

// relaySignals arranges for forwardedSignals to reach the container
// process once start(pid) is called; those that come before are sent then.
// The relay is a plain signal handler (nsenter.RelaySignals): os/signal
// enables each signal with a round trip to a locked thread, ~50 µs and two
// context switches apiece. With a terminal, SIGWINCH comes on sigs instead
// (it resizes the terminal; without one it is not relayed); sigs is nil
// when nothing will come on it. Without cgo it falls back to os/signal,
// subscribing sigs to them all in the background so that overlaps
// creating the container.
func relaySignals(term bool) (sigs chan os.Signal, start func(pid int), stop func()) {
	var handled []syscall.Signal
	for _, s := range forwardedSignals {
		if s != unix.SIGWINCH {
			handled = append(handled, s.(syscall.Signal))
		}
	}
	if err := nsenter.RelaySignals(handled); err == nil {
		if !term {
			return nil, nsenter.RelayTo, nsenter.RelayStop
		}
		sigs = make(chan os.Signal, 1)
		signal.Notify(sigs, unix.SIGWINCH)
		return sigs, nsenter.RelayTo, func() {
			nsenter.RelayStop()
			signal.Stop(sigs)
		}
	}
	sigs = make(chan os.Signal, 64)
	done := make(chan struct{})
	go func() {
		signal.Notify(sigs, forwardedSignals...)
		close(done)
	}()
	start = func(int) { <-done }
	stop = func() {
		go func() {
			<-done
			signal.Stop(sigs)
		}()
	}
	return sigs, start, stop
}
