//go:build linux

package main

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// sysmonSlack is the timer slack given to the Go runtime's sysmon thread.
const sysmonSlack = "4000000" // ns

// slowSysmon gives the Go runtime's sysmon thread a coarse timer slack.
// sysmon sleeps 20 µs between checks for a while after each system call
// long enough for it to take the P back, so a short-lived servin-run woke
// it ~80 times per container; with 50 runtimes sharing 2 CPUs each wake-up
// is a context switch, ~0.8 ms of CPU per container in all (it is what
// kept 50 containers at once above crun). With a 4 ms slack the kernel
// batches those wake-ups. Only sysmon: timed waits elsewhere in the
// runtime (a stop-the-world polls in 100 µs sleeps) are on servin-run's
// critical path, and threads that start processes must keep the caller's
// slack for them to inherit.
//
// sysmon is the first thread the Go runtime creates (runtime.main, before
// any package init), so it has the lowest thread id after the main
// thread's, allowing for one wrap of the pid counter. Writing another
// thread's /proc/<tid>/timerslack_ns needs CAP_SYS_NICE; without it (or
// if anything fails) nothing changes.
func slowSysmon() {
	fd, err := unix.Open("/proc/self/task", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	var names []string
	var buf [2048]byte
	for {
		n, err := unix.Getdents(fd, buf[:])
		if err != nil || n <= 0 {
			break
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	unix.Close(fd)
	// The main thread's id as /proc numbers it (the same as Getpid's
	// unless /proc belongs to another pid namespace).
	var link [32]byte
	n, err := unix.Readlink("/proc/self", link[:])
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(string(link[:n]))
	if err != nil {
		return
	}
	above, below := 0, 0 // lowest tid above pid, lowest below
	for _, name := range names {
		tid, err := strconv.Atoi(name)
		if err != nil || tid == pid {
			continue
		}
		if tid > pid && (above == 0 || tid < above) {
			above = tid
		}
		if tid < pid && (below == 0 || tid < below) {
			below = tid
		}
	}
	sysmon := above
	if sysmon == 0 {
		sysmon = below
	}
	if sysmon == 0 {
		return
	}
	f, err := unix.Open("/proc/"+strconv.Itoa(sysmon)+"/timerslack_ns", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	_, _ = unix.Write(f, []byte(sysmonSlack))
	unix.Close(f)
}
