package seccomp

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/servin/servin/libservin/internal/unixsock"
	"os"
	"runtime"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Filter is a compiled seccomp configuration ready to install: the
// program, its flags and, for SCMP_ACT_NOTIFY, the connection to the
// agent's listenerPath, opened by Prepare while that path is still
// reachable (before pivot_root).
type Filter struct {
	prog  []unix.SockFilter
	flags uint
	conn  *os.File // nil unless the filter notifies
	state *specs.ContainerProcessState
}

// Prepare compiles c and, when it uses SCMP_ACT_NOTIFY, connects to
// c.ListenerPath, so that the socket is open before the caller changes
// root or drops privileges. state is the container process state sent to
// the agent with the listener fd (ociVersion, fds and metadata are filled
// in); it may be nil when c does not notify. The caller must call Load or
// Close on the result.
func Prepare(c *specs.LinuxSeccomp, state *specs.ContainerProcessState) (*Filter, error) {
	prog, err := Compile(c)
	if err != nil {
		return nil, err
	}
	f := &Filter{prog: prog, flags: installFlags(c)}
	if !usesNotify(c) {
		return f, nil
	}
	if state == nil {
		return nil, fmt.Errorf("%w: SCMP_ACT_NOTIFY needs the container process state", ErrInvalid)
	}
	st := *state
	st.Fds = []string{specs.SeccompFdName}
	if st.Version == "" {
		st.Version = specs.Version
	}
	if st.Metadata == "" {
		st.Metadata = c.ListenerMetadata
	}
	f.state = &st
	conn, err := unixsock.Dial(c.ListenerPath)
	if err != nil {
		return nil, fmt.Errorf("connect to seccomp listener %s: %w", c.ListenerPath, err)
	}
	f.conn = conn
	return f, nil
}

// Load installs the filter on the calling thread (every thread of the
// process with SECCOMP_FILTER_FLAG_TSYNC) and, for a notifying filter,
// sends the listener fd and the container process state to the agent and
// closes the connection.
//
// Load locks the calling goroutine to its OS thread and never unlocks it:
// the filter belongs to that thread, so the execve(2) that follows must run
// on it. The thread needs no_new_privs or CAP_SYS_ADMIN in its user
// namespace; without either the error wraps ErrNotPermitted.
func (f *Filter) Load() error {
	runtime.LockOSThread()
	fd, err := install(f.prog, f.flags)
	if err != nil {
		f.Close()
		return err
	}
	if f.conn == nil {
		return nil
	}
	defer f.Close()
	defer unix.Close(fd)
	return sendListener(f.conn, fd, f.state)
}

// Close closes the connection to the agent, if any; it is safe to call
// more than once.
func (f *Filter) Close() error {
	if f.conn == nil {
		return nil
	}
	err := f.conn.Close()
	f.conn = nil
	return err
}

// Load compiles and installs c on the calling thread, as Prepare followed
// by (*Filter).Load. listenerPath must be reachable from the caller's
// mount namespace at this point: a container init that has already
// pivoted into the rootfs should use Prepare before pivot_root instead.
func Load(c *specs.LinuxSeccomp, state *specs.ContainerProcessState) error {
	f, err := Prepare(c, state)
	if err != nil {
		return err
	}
	return f.Load()
}

// Install compiles and installs c like Load, but does not talk to an
// agent: it returns the listener fd (SECCOMP_FILTER_FLAG_NEW_LISTENER) of a
// notifying filter, or -1, for the caller to pass on, e.g. to a parent
// process in the host's namespaces that calls SendListener (as runc does).
func Install(c *specs.LinuxSeccomp) (int, error) {
	prog, err := Compile(c)
	if err != nil {
		return -1, err
	}
	runtime.LockOSThread()
	return install(prog, installFlags(c))
}

// installFlags are the seccomp(2) flags for a valid config.
func installFlags(c *specs.LinuxSeccomp) uint {
	flags, _ := filterFlags(c) // checked by Compile
	if !usesNotify(c) {
		// WAIT_KILLABLE_RECV only means something with a listener, and
		// the kernel rejects it without one.
		return flags &^ flagWaitKillableRecv
	}
	flags |= flagNewListener
	if flags&flagTsync != 0 {
		// TSYNC and NEW_LISTENER together need TSYNC_ESRCH (Linux 5.7).
		flags |= flagTsyncESRCH
	}
	return flags
}

// SendListener connects to the agent at listenerPath and sends it the
// listener fd with SCM_RIGHTS together with the container process state
// JSON, then closes the connection (runtime-spec "listenerPath").
func SendListener(listenerPath string, listenerFd int, state *specs.ContainerProcessState) error {
	conn, err := unixsock.Dial(listenerPath)
	if err != nil {
		return fmt.Errorf("connect to seccomp listener %s: %w", listenerPath, err)
	}
	defer conn.Close()
	st := *state
	st.Fds = []string{specs.SeccompFdName}
	if st.Version == "" {
		st.Version = specs.Version
	}
	return sendListener(conn, listenerFd, &st)
}

func sendListener(conn *os.File, fd int, state *specs.ContainerProcessState) error {
	msg, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("encode container process state: %w", err)
	}
	// One sendmsg carries the fd and the whole state (runtime-spec allows
	// several, with the fds in the first).
	if err := unixsock.SendFd(conn, msg, fd); err != nil {
		return fmt.Errorf("send seccomp listener fd to %s: %w", conn.Name(), err)
	}
	return nil
}

// install calls seccomp(SECCOMP_SET_MODE_FILTER) and returns the listener
// fd when flags has NEW_LISTENER, else -1.
func install(prog []unix.SockFilter, flags uint) (int, error) {
	if len(prog) == 0 {
		return -1, fmt.Errorf("install seccomp filter: %w: empty program", ErrInvalid)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	switch {
	case errno == unix.EACCES:
		return -1, fmt.Errorf("install seccomp filter: %w", ErrNotPermitted)
	case errno == unix.EINVAL && flags != 0:
		return -1, fmt.Errorf("install seccomp filter with flags %#x: the kernel rejects the filter or a flag: %w", flags, errno)
	case errno == unix.ESRCH:
		return -1, fmt.Errorf("install seccomp filter: another thread cannot be synchronized (TSYNC): %w", errno)
	case errno != 0:
		return -1, fmt.Errorf("install seccomp filter: %w", errno)
	}
	if flags&flagNewListener != 0 {
		return int(r), nil
	}
	if r != 0 {
		// Without TSYNC_ESRCH, a TSYNC failure returns the thread's id.
		return -1, fmt.Errorf("install seccomp filter: thread %d cannot be synchronized (TSYNC)", r)
	}
	return -1, nil
}

// Supported reports whether the kernel implements seccomp filters
// (CONFIG_SECCOMP_FILTER), for `servin-run features`.
func Supported() bool {
	if _, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); errors.Is(err, unix.EINVAL) {
		return false
	}
	act := uint32(retAllow)
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&act)))
	return errno == 0
}

// SupportedFlags lists the known flags the running kernel accepts
// (linux.seccomp.supportedFlags): a flag is probed with a NULL program,
// which the kernel answers with EFAULT once it has accepted the flags.
func SupportedFlags() []string {
	var out []string
	for _, name := range KnownFlags() {
		b := flagBits[specs.LinuxSeccompFlag(name)]
		if b == flagWaitKillableRecv {
			b |= flagNewListener // the kernel wants it with a listener
		}
		_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(b), 0)
		if errno == unix.EFAULT {
			out = append(out, name)
		}
	}
	return out
}

// Program compiles c for a loader outside Go (servin-run's C init): the
// filter as struct sock_filter array bytes in native byte order and the
// SECCOMP_FILTER_FLAG_* bits to install it with. A filter that notifies
// (SCMP_ACT_NOTIFY) needs Prepare and Load instead: ok is false then.
func Program(c *specs.LinuxSeccomp) (prog []byte, flags uint, ok bool, err error) {
	if usesNotify(c) {
		return nil, 0, false, nil
	}
	p, err := Compile(c)
	if err != nil {
		return nil, 0, false, err
	}
	if len(p) == 0 {
		return nil, 0, false, fmt.Errorf("install seccomp filter: %w: empty program", ErrInvalid)
	}
	out := make([]byte, 0, 8*len(p))
	for _, ins := range p {
		out = binary.NativeEndian.AppendUint16(out, ins.Code)
		out = append(out, ins.Jt, ins.Jf)
		out = binary.NativeEndian.AppendUint32(out, ins.K)
	}
	return out, installFlags(c), true, nil
}
