// Command timeit runs a command and prints its wall time and the resource
// usage of its whole process tree on one line:
//
//	wall_s=0.012345 maxrss_kb=10240 user_s=0.004 sys_s=0.008 status=0
//
// It makes itself a child subreaper, so descendants that are orphaned (a
// runtime's double-forked helpers) are reparented to it and reaped too: their
// usage then counts in RUSAGE_CHILDREN. maxrss_kb is the largest resident set
// of any single process of the tree (the kernel keeps the maximum, not a sum).
// The report goes to stderr, the command's own output is passed through, and
// timeit exits with the command's exit status. bench/runtime.sh uses it.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from <linux/prctl.h>.
const prSetChildSubreaper = 36

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: timeit [--] command [args...]")
		os.Exit(2)
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintf(os.Stderr, "timeit: set child subreaper: %v\n", errno)
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	status := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		status = ee.ExitCode()
	case err != nil:
		fmt.Fprintf(os.Stderr, "timeit: %v\n", err)
		os.Exit(2)
	}
	reapOrphans(5 * time.Second)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		fmt.Fprintf(os.Stderr, "timeit: getrusage: %v\n", err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "wall_s=%.6f maxrss_kb=%d user_s=%.6f sys_s=%.6f status=%d\n",
		wall.Seconds(), ru.Maxrss, tv(ru.Utime), tv(ru.Stime), status)
	os.Exit(status)
}

// reapOrphans waits for descendants reparented to us, for at most d; a
// detached container that outlives the command is not waited for longer.
func reapOrphans(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		switch {
		case errors.Is(err, syscall.ECHILD):
			return
		case err == nil && pid > 0:
			continue
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
