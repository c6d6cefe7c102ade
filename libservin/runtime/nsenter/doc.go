// Package nsenter is servin-run's only cgo: a constructor that runs in
// `servin-run init` and `servin-run exec` children before the Go runtime
// starts (so the process is still single-threaded), joins existing
// namespaces with setns(2), creates new ones with unshare(2) (asking the
// parent to write uid/gid maps for a new user namespace), and forks the
// process that will become the container process with CLONE_PARENT, so it
// is a direct child of the runtime that started the re-exec.
//
// The protocol with the parent runs over a socket whose descriptor number
// is in the environment variable named by EnvInitPipe. Every message is a
// 4-byte little-endian length followed by the payload. The parent first
// sends the bootstrap (see Bootstrap.Encode); the child answers with
// messages starting with a letter: "U" (please write the id maps of my pid,
// then send "u"), "C" (clone3 could not place the container process in
// Bootstrap.CgroupV2: please move my pid there, then send "c"), "P<pid>"
// (the container process, done) or "E<text>" (failure). After "P", the same socket carries the Go-level init protocol.
//
// The container process's first message then says who sets it up: "G"
// (the Go init, which reads the rest of the protocol) or "X" and a program
// that the fast init (fastinit_linux.go) runs in C — the mounts, devices,
// pivot_root, credentials, capabilities and seccomp that
// libservin/runtime/linux.Program compiled — ending in the container
// process's execve, so no Go runtime starts in the container.
//
// Importing this package (blank import) from the runtime's main package is
// what installs the constructor.
//
// The package's other cgo uses: NewUserNamespace makes a user namespace
// with given maps for idmapped mounts without exec'ing anything;
// RelaySignals installs plain handlers that send an attached run's or
// exec's signals to the container process.
package nsenter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// EnvInitPipe names the environment variable carrying the sync socket's
// descriptor number; the constructor does nothing when it is unset.
const EnvInitPipe = "_SERVIN_INITPIPE"

// Join is an existing namespace to enter: Flag is its CLONE_NEW* constant.
type Join struct {
	Flag uintptr
	Path string
}

// Bootstrap says what the constructor does before the Go runtime starts.
type Bootstrap struct {
	// Joins are setns(2)ed in order; a user namespace must come first.
	Joins []Join
	// CloneFlags are unshare(2)d after the joins (CLONE_NEWUSER first).
	CloneFlags uintptr
	// CgroupV1 are cgroup v1 directories the process joins first, each
	// by writing "0" to its tasks file while it is single-threaded: no
	// cgroup.procs write by the parent, whose global lock waits for an
	// RCU grace period (~10 ms) on every container.
	CgroupV1 []string
	// CgroupV2 is the cgroup2 directory the container process is cloned
	// into (clone3 CLONE_INTO_CGROUP). A new cgroup namespace
	// (CLONE_NEWCGROUP in CloneFlags) is created by the container process
	// after that, so it is rooted at the container's cgroup.
	CgroupV2 string
	// TimeOffsets is written to /proc/self/timens_offsets after
	// unshare(CLONE_NEWTIME), e.g. "monotonic 10 0\nboottime 5 0\n".
	TimeOffsets string
}

// Encode renders b as the constructor's line protocol.
func (b Bootstrap) Encode() ([]byte, error) {
	var sb strings.Builder
	for _, j := range b.Joins {
		if strings.ContainsAny(j.Path, "\n\x00") {
			return nil, fmt.Errorf("namespace path %q: invalid character", j.Path)
		}
		fmt.Fprintf(&sb, "join %d %s\n", j.Flag, j.Path)
	}
	for _, d := range b.CgroupV1 {
		if err := checkPath(d); err != nil {
			return nil, err
		}
		fmt.Fprintf(&sb, "cgroup1 %s\n", d)
	}
	if b.CgroupV2 != "" {
		if err := checkPath(b.CgroupV2); err != nil {
			return nil, err
		}
		fmt.Fprintf(&sb, "cgroup2 %s\n", b.CgroupV2)
	}
	fmt.Fprintf(&sb, "clone %d\n", b.CloneFlags)
	for _, line := range strings.Split(strings.TrimSpace(b.TimeOffsets), "\n") {
		if line != "" {
			fmt.Fprintf(&sb, "timens %s\n", line)
		}
	}
	sb.WriteString("end\n")
	return []byte(sb.String()), nil
}

// checkPath rejects what the line protocol cannot carry, and what the
// constructor's fixed buffers would truncate.
func checkPath(p string) error {
	if strings.ContainsAny(p, "\n\x00") || len(p) > 4000 || !strings.HasPrefix(p, "/") {
		return fmt.Errorf("cgroup path %q: not an absolute path the bootstrap can carry", p)
	}
	return nil
}

// maxMessage bounds a message so a confused peer cannot make us allocate
// without limit.
const maxMessage = 64 << 20

// WriteMessage frames p on w.
func WriteMessage(w io.Writer, p []byte) error {
	buf := make([]byte, 4+len(p))
	binary.LittleEndian.PutUint32(buf, uint32(len(p)))
	copy(buf[4:], p)
	_, err := w.Write(buf)
	return err
}

// ReadMessage reads one framed message from r.
func ReadMessage(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	if n > maxMessage {
		return nil, errors.New("sync message too large")
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return nil, err
	}
	return p, nil
}
