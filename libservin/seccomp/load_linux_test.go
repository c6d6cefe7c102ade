package seccomp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/seccomp"
	"github.com/servin/servin/libservin/testutil"
	"golang.org/x/sys/unix"
)

// The integration tests re-exec the test binary: the child installs a
// filter on itself (Load never comes off), runs syscalls and prints what
// they returned as one JSON line.
const (
	envChild    = "SERVIN_SECCOMP_CHILD"
	envDir      = "SERVIN_SECCOMP_DIR"
	envListener = "SERVIN_SECCOMP_LISTENER"
	envTsync    = "SERVIN_SECCOMP_TSYNC"
)

func TestMain(m *testing.M) {
	if s := os.Getenv(envChild); s != "" {
		runtime.LockOSThread()
		res, err := child(s)
		if err != nil {
			res = map[string]string{"error": err.Error()}
			if errors.Is(err, seccomp.ErrNotPermitted) {
				res["notPermitted"] = "true"
			}
		}
		b, _ := json.Marshal(res)
		fmt.Printf("%s\n", b)
		if err == nil && s == "default" {
			// The filter survives execve, as the container process's does.
			err = syscall.Exec("/bin/sh", []string{"sh", "-c", "cd / && pwd && echo exec-ok"}, os.Environ())
			fmt.Printf("exec: %v\n", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func result(err error) string {
	var e unix.Errno
	if err == nil {
		return "ok"
	}
	if errors.As(err, &e) {
		return unix.ErrnoName(e)
	}
	return err.Error()
}

func rawMkdir(path string, mode uint64) error {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return err
	}
	if _, _, e := unix.Syscall(unix.SYS_MKDIR, uintptr(unsafe.Pointer(p)), uintptr(mode), 0); e != 0 {
		return e
	}
	return nil
}

func getcwd() error {
	buf := make([]byte, 4096)
	_, err := unix.Getcwd(buf)
	return err
}

// onOtherThread runs f on a fresh locked thread.
func onOtherThread(f func() error) error {
	ch := make(chan error)
	go func() {
		runtime.LockOSThread()
		ch <- f()
		// the thread exits with the goroutine, unlocked never
	}()
	return <-ch
}

func denyProfile() *specs.LinuxSeccomp {
	e := uint(unix.EACCES)
	p := uint(unix.EPERM)
	c := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getcwd"}, Action: specs.ActErrno, ErrnoRet: &p},
			{Names: []string{"mkdir"}, Action: specs.ActErrno, ErrnoRet: &e,
				Args: []specs.LinuxSeccompArg{{Index: 1, Value: 0o700, Op: specs.OpEqualTo}}},
			{Names: []string{"mkdirat"}, Action: specs.ActErrno, ErrnoRet: &e,
				Args: []specs.LinuxSeccompArg{{Index: 2, Value: 0o700, Op: specs.OpEqualTo}}},
		},
	}
	if os.Getenv(envTsync) != "" {
		// WAIT_KILLABLE_RECV is dropped without a listener.
		c.Flags = []specs.LinuxSeccompFlag{seccomp.FlagTsync, specs.LinuxSeccompFlagWaitKillableRecv,
			specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow}
	}
	return c
}

func child(scenario string) (map[string]string, error) {
	dir := os.Getenv(envDir)
	res := map[string]string{}
	nnp := func() error { return unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }
	switch scenario {
	case "deny", "capsysadmin":
		if scenario == "deny" {
			if err := nnp(); err != nil {
				return nil, err
			}
		}
		if err := seccomp.Load(denyProfile(), nil); err != nil {
			return nil, err
		}
		res["getcwd"] = result(getcwd())
		res["mkdir700"] = result(rawMkdir(filepath.Join(dir, "a"), 0o700))
		res["mkdir755"] = result(rawMkdir(filepath.Join(dir, "b"), 0o755))
		// The kernel truncates the mode, the filter sees all 64 bits.
		res["mkdirHighBits"] = result(rawMkdir(filepath.Join(dir, "c"), 1<<32|0o700))
		res["mkdirat700"] = result(unix.Mkdirat(unix.AT_FDCWD, filepath.Join(dir, "d"), 0o700))
		res["otherThread"] = result(onOtherThread(getcwd))
	case "perm":
		// Neither no_new_privs nor CAP_SYS_ADMIN (dropped on this thread).
		caps, err := capability.NewPid2(0)
		if err != nil {
			return nil, err
		}
		if err := caps.Load(); err != nil {
			return nil, err
		}
		caps.Unset(capability.EFFECTIVE, capability.CAP_SYS_ADMIN)
		if err := caps.Apply(capability.CAPS); err != nil {
			return nil, err
		}
		return nil, seccomp.Load(denyProfile(), nil)
	case "default":
		if err := nnp(); err != nil {
			return nil, err
		}
		if err := seccomp.Load(seccomp.DefaultProfile(), nil); err != nil {
			return nil, err
		}
		res["getcwd"] = result(getcwd())
		res["unshareUTS"] = result(unix.Unshare(unix.CLONE_NEWUTS))
		res["mkdir"] = result(os.Mkdir(filepath.Join(dir, "x"), 0o700))
	case "notify":
		if err := nnp(); err != nil {
			return nil, err
		}
		c := &specs.LinuxSeccomp{
			DefaultAction:    specs.ActAllow,
			ListenerPath:     os.Getenv(envListener),
			ListenerMetadata: "servin-test-metadata",
			Syscalls:         []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActNotify}},
		}
		if os.Getenv(envTsync) != "" {
			c.Flags = []specs.LinuxSeccompFlag{seccomp.FlagTsync, specs.LinuxSeccompFlagWaitKillableRecv}
		}
		st := &specs.ContainerProcessState{Pid: os.Getpid(), State: specs.State{
			Version: specs.Version, ID: "ctr-1", Status: specs.StateCreating, Pid: os.Getpid(), Bundle: "/bundle"}}
		if err := seccomp.Load(c, st); err != nil {
			return nil, err
		}
		r, _, _ := unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
		res["getppid"] = fmt.Sprint(int(r))
	default:
		return nil, fmt.Errorf("unknown scenario %q", scenario)
	}
	return res, nil
}

// runChild runs a scenario and returns its JSON result and whole output.
func runChild(t *testing.T, scenario string, env ...string) (map[string]string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	// GORACE: a -race child would sleep a second at exit.
	cmd.Env = append(os.Environ(), append([]string{envChild + "=" + scenario, envDir + "=" + t.TempDir(), "GORACE=atexit_sleep_ms=0"}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", scenario, err, out)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	res := map[string]string{}
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("child %s output: %v\n%s", scenario, err, out)
	}
	return res, string(out)
}

func wantResults(t *testing.T, got, want map[string]string) {
	t.Helper()
	if got["error"] != "" {
		t.Fatalf("child failed: %s", got["error"])
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
}

func TestLoadDeny(t *testing.T) {
	for _, tsync := range []bool{false, true} {
		t.Run(fmt.Sprintf("tsync=%v", tsync), func(t *testing.T) {
			var env []string
			other := "ok" // without TSYNC other threads keep no filter
			if tsync {
				env = append(env, envTsync+"=1")
				other = "EPERM"
			}
			got, _ := runChild(t, "deny", env...)
			wantResults(t, got, map[string]string{
				"getcwd": "EPERM", "mkdir700": "EACCES", "mkdir755": "ok",
				"mkdirHighBits": "ok", "mkdirat700": "EACCES", "otherThread": other,
			})
		})
	}
}

func TestLoadWithoutPrivileges(t *testing.T) {
	got, _ := runChild(t, "perm")
	if got["notPermitted"] != "true" {
		t.Fatalf("got %v, want an error wrapping ErrNotPermitted", got)
	}
}

func TestLoadWithCapSysAdmin(t *testing.T) {
	testutil.RequireRoot(t)
	got, _ := runChild(t, "capsysadmin")
	wantResults(t, got, map[string]string{"getcwd": "EPERM", "mkdir700": "EACCES", "mkdir755": "ok"})
}

func TestLoadDefaultProfile(t *testing.T) {
	got, out := runChild(t, "default")
	want := map[string]string{"getcwd": "ok", "mkdir": "ok"}
	if os.Geteuid() == 0 {
		want["unshareUTS"] = "EPERM" // root could, the profile denies it
	}
	wantResults(t, got, want)
	if !strings.Contains(out, "\n/\nexec-ok\n") {
		t.Errorf("exec under the default profile failed:\n%s", out)
	}
}

// Notification structures of linux/seccomp.h (not in x/sys/unix).
type seccompData struct {
	Nr   int32
	Arch uint32
	IP   uint64
	Args [6]uint64
}

type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Data  seccompData
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// agent accepts one connection, checks the container process state and
// answers one notification with val.
func agent(l *net.UnixListener, val int64) (specs.ContainerProcessState, seccompNotif, error) {
	var st specs.ContainerProcessState
	var n seccompNotif
	conn, err := l.AcceptUnix()
	if err != nil {
		return st, n, err
	}
	defer conn.Close()
	buf, oob := make([]byte, 64<<10), make([]byte, unix.CmsgSpace(4*4))
	nb, noob, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return st, n, fmt.Errorf("read state: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:noob])
	if err != nil || len(msgs) != 1 {
		return st, n, fmt.Errorf("control messages: %v %v", msgs, err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return st, n, fmt.Errorf("SCM_RIGHTS: %v %v", fds, err)
	}
	fd := fds[0]
	defer unix.Close(fd)
	if err := json.NewDecoder(bufio.NewReader(bytes.NewReader(buf[:nb]))).Decode(&st); err != nil {
		return st, n, fmt.Errorf("decode state %q: %w", buf[:nb], err)
	}
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&n))); e != 0 {
		return st, n, fmt.Errorf("SECCOMP_IOCTL_NOTIF_RECV: %w", e)
	}
	resp := seccompNotifResp{ID: n.ID, Val: val}
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp))); e != 0 {
		return st, n, fmt.Errorf("SECCOMP_IOCTL_NOTIF_SEND: %w", e)
	}
	return st, n, nil
}

func TestLoadNotify(t *testing.T) {
	for _, tsync := range []bool{false, true} {
		t.Run(fmt.Sprintf("tsync=%v", tsync), func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "agent.sock")
			l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			type agentResult struct {
				st  specs.ContainerProcessState
				n   seccompNotif
				err error
			}
			done := make(chan agentResult, 1)
			go func() {
				st, n, err := agent(l, 4242)
				done <- agentResult{st, n, err}
			}()
			env := []string{envListener + "=" + sock}
			if tsync {
				env = append(env, envTsync+"=1")
			}
			got, _ := runChild(t, "notify", env...)
			a := <-done
			if a.err != nil {
				t.Fatalf("agent: %v", a.err)
			}
			wantResults(t, got, map[string]string{"getppid": "4242"})
			st := a.st
			if st.Version != specs.Version || len(st.Fds) != 1 || st.Fds[0] != specs.SeccompFdName ||
				st.Metadata != "servin-test-metadata" || st.State.ID != "ctr-1" || st.State.Status != specs.StateCreating ||
				st.State.Bundle != "/bundle" || st.Pid == 0 || st.Pid != st.State.Pid {
				t.Errorf("container process state: %+v", st)
			}
			audit, _ := seccomp.ArchInfo(seccomp.NativeArch())
			if a.n.Data.Nr != unix.SYS_GETPPID || a.n.Data.Arch != audit || int(a.n.Pid) != st.Pid {
				t.Errorf("notification: %+v", a.n)
			}
		})
	}
}

func TestSupported(t *testing.T) {
	if !seccomp.Supported() {
		t.Skip("skipping: the kernel has no seccomp filters")
	}
	f := seccomp.Features()
	if f.Enabled == nil || !*f.Enabled || len(f.Actions) != 9 || len(f.Archs) == 0 {
		t.Errorf("features: %+v", f)
	}
	sup := seccomp.SupportedFlags()
	// Kernel 5.19+ knows all four flags.
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	t.Logf("kernel %s: supported flags %v", unix.ByteSliceToString(uts.Release[:]), sup)
	if len(sup) != 4 && unix.ByteSliceToString(uts.Release[:]) >= "6" {
		t.Errorf("supported flags %v, want all four on Linux 6", sup)
	}
	for _, f := range sup {
		if !strings.HasPrefix(f, "SECCOMP_FILTER_FLAG_") {
			t.Errorf("flag %q", f)
		}
	}
}
