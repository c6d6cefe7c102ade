package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/spec"
	"github.com/servin/servin/libservin/testutil"
	"golang.org/x/sys/unix"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "servin-run-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "servin-run")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build servin-run: %v\n%s", err, out)
		os.Exit(1)
	}
	cleanCgroups := testutil.CgroupParents("servin", "libpod_parent", "servin-test-crash-*")
	code := m.Run()
	cleanCgroups()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one test's runtime root and bundle.
type env struct {
	t      *testing.T
	root   string
	bundle string
	spec   *specs.Spec
	// slack, when set, is the timer slack servin-run is started with.
	slack uint64
}

func newEnv(t *testing.T, args ...string) *env {
	t.Helper()
	testutil.RequireRoot(t)
	base := t.TempDir()
	e := &env{t: t, root: filepath.Join(base, "state"), bundle: filepath.Join(base, "bundle")}
	testutil.BusyboxRootfs(t, filepath.Join(e.bundle, "rootfs"))
	e.spec = spec.Default()
	e.spec.Process.Terminal = false
	e.spec.Root.Readonly = false
	e.spec.Process.Args = args
	t.Cleanup(func() {
		out, _ := exec.Command(binary, "--root", e.root, "list", "-q").Output()
		for _, id := range strings.Fields(string(out)) {
			_ = exec.Command(binary, "--root", e.root, "delete", "--force", id).Run()
		}
	})
	return e
}

func (e *env) writeSpec() {
	e.t.Helper()
	data, err := json.Marshal(e.spec)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.bundle, "config.json"), data, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// run executes servin-run with the env's root and returns stdout, stderr
// and the exit code.
func (e *env) run(args ...string) (string, string, int) {
	e.t.Helper()
	return e.runEnv(nil, args...)
}

// runEnv is run with extra environment variables.
func (e *env) runEnv(extraEnv []string, args ...string) (string, string, int) {
	e.t.Helper()
	cmd := exec.Command(binary, append([]string{"--root", e.root}, args...)...)
	cmd.Dir = e.bundle
	cmd.Env = append(os.Environ(), extraEnv...)
	// Files, not pipes: create passes its stdio to the container process,
	// which would keep a pipe open long after servin-run exits.
	dir := e.t.TempDir()
	stdout, _ := os.Create(filepath.Join(dir, "stdout"))
	stderr, _ := os.Create(filepath.Join(dir, "stderr"))
	defer stdout.Close()
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := e.start(cmd)
	if err == nil {
		err = cmd.Wait()
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("run servin-run %v: %v", args, err)
	}
	out, _ := os.ReadFile(stdout.Name())
	errOut, _ := os.ReadFile(stderr.Name())
	return string(out), string(errOut), code
}

// start starts cmd, from a thread with timer slack e.slack if set (a child
// inherits the slack of the thread that forks it).
func (e *env) start(cmd *exec.Cmd) error {
	if e.slack == 0 {
		return cmd.Start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(e.slack), 0, 0, 0); err != nil {
		return err
	}
	defer unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(old), 0, 0, 0)
	return cmd.Start()
}

func (e *env) mustRun(args ...string) string {
	e.t.Helper()
	out, errOut, code := e.run(args...)
	if code != 0 {
		e.t.Fatalf("servin-run %v: exit %d: %s", args, code, errOut)
	}
	return out
}

func (e *env) state(id string) specs.State {
	e.t.Helper()
	var st specs.State
	if err := json.Unmarshal([]byte(e.mustRun("state", id)), &st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *env) waitStatus(id string, want specs.ContainerState) {
	e.t.Helper()
	for i := 0; i < 500; i++ {
		if e.state(id).Status == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("container %s never reached %s", id, want)
}

func TestRunExitCodeAndOutput(t *testing.T) {
	e := newEnv(t, "sh", "-c", "echo out; echo err >&2; exit 7")
	e.writeSpec()
	out, errOut, code := e.run("run", "c1")
	if code != 7 || out != "out\n" || errOut != "err\n" {
		t.Fatalf("got code %d stdout %q stderr %q", code, out, errOut)
	}
	if list := e.mustRun("list", "-q"); list != "" {
		t.Fatalf("run left a container behind: %q", list)
	}
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t, "sh", "-c", "touch /tmp/ran; sleep 100")
	e.spec.Annotations = map[string]string{"org.example.key": "v"}
	e.writeSpec()
	pidFile := filepath.Join(t.TempDir(), "pid")
	e.mustRun("create", "--bundle", e.bundle, "--pid-file", pidFile, "c1")
	st := e.state("c1")
	if st.Status != specs.StateCreated || st.ID != "c1" || st.Bundle != e.bundle || st.Annotations["org.example.key"] != "v" {
		t.Fatalf("state after create: %+v", st)
	}
	pidData, _ := os.ReadFile(pidFile)
	if string(pidData) != strconv.Itoa(st.Pid) {
		t.Fatalf("pid file %q, state pid %d", pidData, st.Pid)
	}
	if _, err := os.Stat(filepath.Join(e.bundle, "rootfs/tmp/ran")); err == nil {
		t.Fatal("process ran before start")
	}
	if _, _, code := e.run("create", "--bundle", e.bundle, "c1"); code == 0 {
		t.Fatal("duplicate create succeeded")
	}
	if _, _, code := e.run("delete", "c1"); code == 0 {
		t.Fatal("delete of a created container without --force succeeded")
	}
	e.mustRun("start", "c1")
	e.waitStatus("c1", specs.StateRunning)
	if _, _, code := e.run("start", "c1"); code == 0 {
		t.Fatal("second start succeeded")
	}
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(filepath.Join(e.bundle, "rootfs/tmp/ran")); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(e.bundle, "rootfs/tmp/ran")); err != nil {
		t.Fatal("process did not run after start")
	}
	e.mustRun("kill", "c1", "KILL")
	e.waitStatus("c1", specs.StateStopped)
	before := e.mustRun("state", "c1")
	if _, _, code := e.run("kill", "c1", "TERM"); code == 0 {
		t.Fatal("kill of a stopped container succeeded")
	}
	if after := e.mustRun("state", "c1"); after != before {
		t.Fatalf("failed kill changed state:\n%s\n%s", before, after)
	}
	e.mustRun("delete", "c1")
	if _, _, code := e.run("state", "c1"); code == 0 {
		t.Fatal("state after delete succeeded")
	}
	if _, err := os.Stat(filepath.Join(e.root, "c1")); !os.IsNotExist(err) {
		t.Fatalf("state dir left after delete: %v", err)
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t, "true")
	e.writeSpec()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown container", []string{"state", "nope"}, "does not exist"},
		{"start unknown", []string{"start", "nope"}, "does not exist"},
		{"kill unknown", []string{"kill", "nope", "KILL"}, "does not exist"},
		{"delete unknown", []string{"delete", "nope"}, "does not exist"},
		{"no id", []string{"start"}, "start: takes exactly 1 argument, got 0"},
		{"kill without id", []string{"kill"}, "kill: takes at least 1 argument"},
		{"extra argument", []string{"delete", "a", "b"}, "delete: takes exactly 1 argument, got 2"},
		{"unknown flag", []string{"delete", "--bogus", "a"}, "delete: unknown flag: --bogus"},
		{"unknown command", []string{"bogus"}, `unknown command "bogus"`},
		{"bad id", []string{"create", "../x"}, "invalid container ID"},
		{"bad signal", []string{"kill", "x", "NOPE"}, "unknown signal"},
		{"missing bundle", []string{"create", "--bundle", "/nonexistent", "c9"}, "config.json not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := e.run(tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q; want non-zero and one line containing %q", code, errOut, tc.want)
			}
		})
	}
	if _, _, code := e.run("delete", "--force", "nope"); code != 0 {
		t.Fatal("delete --force of an unknown container must succeed")
	}
}

func TestBadConfigs(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(e *env)
		want   string
	}{
		{"invalid version", func(e *env) { e.spec.Version = "invalid" }, "ociVersion"},
		{"missing rootfs", func(e *env) { e.spec.Root.Path = "nope" }, "does not exist"},
		{"unknown capability", func(e *env) {
			e.spec.Process.Capabilities.Bounding = append(e.spec.Process.Capabilities.Bounding, "CAP_TEST")
		}, "unknown capability"},
		{"unknown rlimit", func(e *env) {
			e.spec.Process.Rlimits = append(e.spec.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_TEST"})
		}, "unknown rlimit"},
		{"missing binary", func(e *env) { e.spec.Process.Args = []string{"/no/such"} }, "no such file"},
		{"bad namespace path", func(e *env) {
			e.spec.Linux.Namespaces[1].Path = "/proc/self/ns/uts" // network slot, uts file
		}, "join network namespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "true")
			tc.mutate(e)
			e.writeSpec()
			_, errOut, code := e.run("create", "c1")
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d stderr %q, want failure with %q", code, errOut, tc.want)
			}
			if list := e.mustRun("list", "-q"); list != "" {
				t.Fatalf("failed create left %q", list)
			}
		})
	}
}

// TestProcessConfig checks what the process sees: user, groups, cwd, env,
// umask, rlimits, capabilities, no_new_privs, hostname.
func TestProcessConfig(t *testing.T) {
	e := newEnv(t, "sh", "-c", `id; pwd; echo $FOO; umask; ulimit -n; grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status; hostname; cat /proc/sys/kernel/domainname`)
	umask := uint32(0o027)
	e.spec.Process.User = specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{5, 6}, Umask: &umask}
	e.spec.Process.Cwd = "/tmp"
	e.spec.Process.Env = append(e.spec.Process.Env, "FOO=bar")
	e.spec.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 123, Hard: 456}}
	e.spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL", "CAP_CHOWN"}, Effective: []string{"CAP_KILL"}, Permitted: []string{"CAP_KILL"}, Inheritable: []string{"CAP_KILL"}, Ambient: []string{"CAP_KILL"}}
	e.spec.Hostname = "box"
	e.spec.Domainname = "example.org"
	e.writeSpec()
	out, errOut, code := e.run("run", "c1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"uid=1000 gid=1000 groups=5,6", "/tmp\n", "bar\n", "0027\n", "123\n",
		"CapEff:\t0000000000000020", "CapBnd:\t0000000000000021", "NoNewPrivs:\t1", "box\n", "example.org\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestHooks(t *testing.T) {
	e := newEnv(t, "true")
	log := filepath.Join(t.TempDir(), "hooks.log")
	hook := func(name string) specs.Hook {
		return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "echo " + name + " $(cat) >> " + log}}
	}
	e.spec.Hooks = &specs.Hooks{
		Prestart: []specs.Hook{hook("prestart")}, CreateRuntime: []specs.Hook{hook("createRuntime")},
		CreateContainer: []specs.Hook{hook("createContainer")}, Poststart: []specs.Hook{hook("poststart")},
		Poststop: []specs.Hook{hook("poststop")},
	}
	e.writeSpec()
	e.mustRun("run", "c1")
	data, _ := os.ReadFile(log)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	want := []string{"prestart", "createRuntime", "createContainer", "poststart", "poststop"}
	if len(lines) != len(want) {
		t.Fatalf("hook log:\n%s", data)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w+" {") || !strings.Contains(lines[i], `"id":"c1"`) {
			t.Errorf("line %d = %q, want %s with state", i, lines[i], w)
		}
	}
	if !strings.Contains(lines[0], `"status":"created"`) || !strings.Contains(lines[3], `"status":"running"`) {
		t.Errorf("hook states wrong:\n%s", data)
	}

	// A failing prestart hook fails create and leaves nothing.
	e2 := newEnv(t, "sh", "-c", "touch /ran")
	e2.spec.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "/bin/false"}}}
	e2.writeSpec()
	if _, _, code := e2.run("create", "c2"); code == 0 {
		t.Fatal("create with a failing prestart hook succeeded")
	}
	if _, _, code := e2.run("state", "c2"); code == 0 {
		t.Fatal("container exists after failed prestart")
	}
}

func TestJoinNamespaceByPath(t *testing.T) {
	a := newEnv(t, "sleep", "100")
	a.writeSpec()
	a.mustRun("run", "--detach", "a")
	pid := a.state("a").Pid
	b := newEnv(t, "sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts")
	for i, n := range b.spec.Linux.Namespaces {
		if n.Type == specs.NetworkNamespace || n.Type == specs.UTSNamespace {
			b.spec.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/%s", pid, spec.ProcName[n.Type])
		}
	}
	b.spec.Hostname = ""
	b.writeSpec()
	out := b.mustRun("run", "b")
	wantNet, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
	wantUTS, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/uts", pid))
	if out != wantNet+"\n"+wantUTS+"\n" {
		t.Fatalf("joined namespaces %q, want %s %s", out, wantNet, wantUTS)
	}
}

func TestPreserveFds(t *testing.T) {
	e := newEnv(t, "sh", "-c", "cat <&3")
	e.writeSpec()
	r, w, _ := os.Pipe()
	w.WriteString("through fd 3")
	w.Close()
	cmd := exec.Command(binary, "--root", e.root, "run", "--preserve-fds", "1", "--bundle", e.bundle, "c1")
	cmd.ExtraFiles = []*os.File{r}
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "through fd 3" {
		t.Fatalf("out %q err %v", out, err)
	}
}

// TestConsoleSocket: a terminal container sends its pty master over the
// console socket, and the process sees a tty.
func TestConsoleSocket(t *testing.T) {
	e := newEnv(t, "sh", "-c", "tty; echo done")
	e.spec.Process.Terminal = true
	e.writeSpec()
	sock := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		buf, oob := make([]byte, 256), make([]byte, unix.CmsgSpace(4))
		_, oobn, _, _, err := c.(*net.UnixConn).ReadMsgUnix(buf, oob)
		if err != nil {
			got <- err.Error()
			return
		}
		msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
		fds, _ := unix.ParseUnixRights(&msgs[0])
		master := os.NewFile(uintptr(fds[0]), "master")
		defer master.Close()
		var out bytes.Buffer
		tmp := make([]byte, 1024)
		for !strings.Contains(out.String(), "done") {
			n, err := master.Read(tmp)
			out.Write(tmp[:n])
			if err != nil {
				break
			}
		}
		got <- out.String()
	}()
	e.mustRun("create", "--console-socket", sock, "c1")
	e.mustRun("start", "c1")
	select {
	case out := <-got:
		if !strings.Contains(out, "/dev/pts/0") || !strings.Contains(out, "done") {
			t.Fatalf("console output %q", out)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no console output")
	}
	e.waitStatus("c1", specs.StateStopped)
	e.mustRun("delete", "c1")
}

func TestKillAll(t *testing.T) {
	e := newEnv(t, "sh", "-c", "sleep 100 & sleep 100 & wait")
	e.writeSpec()
	e.mustRun("run", "-d", "c1")
	e.mustRun("kill", "--all", "c1", "KILL")
	e.waitStatus("c1", specs.StateStopped)
	e.mustRun("delete", "c1")
}

func TestSpecCommand(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "spec", "--bundle", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var s specs.Spec
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if err := json.Unmarshal(data, &s); err != nil || s.Process == nil || s.Root.Path != "rootfs" {
		t.Fatalf("bad default spec: %v %s", err, data)
	}
	if err := exec.Command(binary, "spec", "--bundle", dir).Run(); err == nil {
		t.Fatal("spec overwrote an existing config.json")
	}
	out, err := exec.Command(binary, "features").Output()
	if err != nil || !strings.Contains(string(out), `"ociVersionMax": "1.3.0"`) {
		t.Fatalf("features: %v %s", err, out)
	}
}

var _ = syscall.SIGKILL

func TestExec(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.spec.Hostname = "inside"
	e.writeSpec()
	e.mustRun("run", "-d", "c1")
	initPid := e.state("c1").Pid

	out, errOut, code := e.run("exec", "c1", "sh", "-c", "hostname; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; exit 5")
	if code != 5 {
		t.Fatalf("exec exit %d (%s), want 5", code, errOut)
	}
	wantPid, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", initPid))
	wantMnt, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", initPid))
	if out != "inside\n"+wantPid+"\n"+wantMnt+"\n" {
		t.Fatalf("exec output %q, want the container's namespaces (%s %s)", out, wantPid, wantMnt)
	}

	out = e.mustRun("exec", "--user", "1000:1001", "--additional-gids", "7", "-e", "X=y", "--cwd", "/tmp", "c1", "sh", "-c", "id; pwd; echo $X")
	if out != "uid=1000 gid=1001 groups=7\n/tmp\ny\n" {
		t.Fatalf("exec with flags: %q", out)
	}

	proc := `{"args":["sh","-c","echo from-process-json"],"cwd":"/","user":{"uid":0,"gid":0},"env":["PATH=/bin"]}`
	pf := filepath.Join(t.TempDir(), "process.json")
	os.WriteFile(pf, []byte(proc), 0o644)
	if out := e.mustRun("exec", "--process", pf, "c1"); out != "from-process-json\n" {
		t.Fatalf("exec --process: %q", out)
	}

	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	e.mustRun("exec", "--detach", "--pid-file", pidFile, "c1", "sleep", "50")
	data, _ := os.ReadFile(pidFile)
	pid, err := strconv.Atoi(string(data))
	if err != nil || unix.Kill(pid, 0) != nil {
		t.Fatalf("detached exec pid file %q: %v", data, err)
	}
	ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid))
	if ns != wantPid {
		t.Fatalf("detached exec in pid ns %s, want %s", ns, wantPid)
	}

	if _, errOut, code := e.run("exec", "c1", "/no/such/binary"); code == 0 || !strings.Contains(errOut, "no such file") {
		t.Fatalf("exec of a missing binary: exit %d %q", code, errOut)
	}
	e.mustRun("kill", "c1", "KILL")
	e.waitStatus("c1", specs.StateStopped)
	if _, errOut, code := e.run("exec", "c1", "true"); code == 0 || !strings.Contains(errOut, "stopped") {
		t.Fatalf("exec in a stopped container: exit %d %q", code, errOut)
	}
}

// TestBinaryNotReachable is the CVE-2019-5736 check: while the init of a
// created container waits for start, a process in the container can see it
// as /proc/1; through the fast init and the Go init alike it is not
// dumpable, so its executable can be neither read nor resolved, and
// writing through it fails.
func TestBinaryNotReachable(t *testing.T) {
	for _, goInit := range []bool{false, true} {
		t.Run(map[bool]string{false: "fast init", true: "Go init"}[goInit], func(t *testing.T) {
			if goInit {
				t.Setenv("SERVIN_GO_INIT", "1")
			}
			e := newEnv(t, "true")
			e.writeSpec()
			before, err := os.ReadFile(binary)
			if err != nil {
				t.Fatal(err)
			}
			e.mustRun("create", "c1")
			out, _, _ := e.run("exec", "c1", "sh", "-c", "readlink /proc/1/exe; (echo pwned > /proc/1/exe) 2>/dev/null && echo WRITE-OK; "+
				"head -c 4 /proc/1/exe >/dev/null 2>&1 && echo READ-OK; grep -c . /proc/1/environ >/dev/null 2>&1 && echo ENV-OK; exit 0")
			if strings.Contains(out, "WRITE-OK") {
				t.Fatalf("container wrote through /proc/1/exe: %q", out)
			}
			if strings.Contains(out, "READ-OK") || strings.Contains(out, "ENV-OK") {
				t.Fatalf("the init is dumpable: the container read its /proc/1/exe or environ: %q", out)
			}
			if strings.Contains(out, binary) || strings.Contains(out, "servin-run-test") {
				t.Fatalf("container init runs the host binary: /proc/1/exe -> %q", out)
			}
			after, _ := os.ReadFile(binary)
			if !bytes.Equal(before, after) {
				t.Fatal("host servin-run binary changed")
			}
			e.mustRun("delete", "--force", "c1")
		})
	}
}

func TestSeccomp(t *testing.T) {
	eperm := uint(1)
	tests := []struct {
		name string
		nnp  bool
	}{{"with no_new_privs", true}, {"without no_new_privs", false}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "sh", "-c", "touch /tmp/a /tmp/b; chmod 700 /tmp/a && echo made-a; chmod 755 /tmp/b && echo made-b; cat /proc/self/status | grep '^Seccomp:'")
			e.spec.Process.NoNewPrivileges = tc.nnp
			e.spec.Linux.Seccomp = &specs.LinuxSeccomp{
				DefaultAction: specs.ActAllow,
				Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
				Syscalls: []specs.LinuxSyscall{{
					Names: []string{"chmod"}, Action: specs.ActErrno, ErrnoRet: &eperm,
					// mode is arg 1 of chmod and arg 2 of fchmodat: deny 0700 either way.
					Args: []specs.LinuxSeccompArg{{Index: 1, Value: 0o700, Op: specs.OpEqualTo}},
				}, {
					Names: []string{"fchmodat", "fchmodat2"}, Action: specs.ActErrno, ErrnoRet: &eperm,
					Args: []specs.LinuxSeccompArg{{Index: 2, Value: 0o700, Op: specs.OpEqualTo}},
				}},
			}
			e.writeSpec()
			out, errOut, _ := e.run("run", "c1")
			if strings.Contains(out, "made-a") || !strings.Contains(out, "made-b") || !strings.Contains(out, "Seccomp:\t2") {
				t.Fatalf("filter not in effect: stdout %q stderr %q", out, errOut)
			}
		})
	}
	e := newEnv(t, "true")
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_BOGUS"}
	e.writeSpec()
	if _, errOut, code := e.run("run", "c1"); code == 0 || !strings.Contains(errOut, "BOGUS") {
		t.Fatalf("bogus action accepted: %d %q", code, errOut)
	}
}

func TestSchedulingAndPersonality(t *testing.T) {
	e := newEnv(t, "sh", "-c", "grep -E '^(policy|prio)' /proc/self/sched | head -2; uname -m")
	e.spec.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch}
	e.spec.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 6}
	e.spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
	e.spec.Process.ApparmorProfile = "servin-test-profile"
	e.writeSpec()
	out, errOut, code := e.run("run", "c1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "policy") || !regexpMatch(`policy\s+:\s+3`, out) {
		t.Errorf("scheduler policy not SCHED_BATCH: %q", out)
	}
	if !strings.Contains(out, "i686") && !strings.Contains(out, "i386") {
		t.Errorf("personality LINUX32 not applied, uname -m: %q", out)
	}
	if _, err := os.Stat("/sys/module/apparmor/parameters/enabled"); err != nil && !strings.Contains(errOut, "apparmor profile") {
		t.Errorf("no warning for an apparmor profile on a host without AppArmor: %q", errOut)
	}
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

func TestNamespacesTimeAndCgroup(t *testing.T) {
	if _, err := os.Stat("/proc/self/ns/time"); err != nil {
		t.Skip("skipping: kernel without time namespaces")
	}
	e := newEnv(t, "sh", "-c", "cat /proc/uptime; readlink /proc/self/ns/cgroup; cat /proc/self/cgroup | grep -c ':/$'")
	e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
	e.spec.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: 86400 * 365}, "monotonic": {Secs: 1000}}
	e.writeSpec()
	out, errOut, code := e.run("run", "c1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	f := strings.Fields(out)
	up, _ := strconv.ParseFloat(f[0], 64)
	if up < 86400*365 {
		t.Errorf("boottime offset not applied: uptime %v", up)
	}
	host, _ := os.Readlink("/proc/self/ns/cgroup")
	if len(f) < 4 || f[2] == host {
		t.Fatalf("no new cgroup namespace: %q (host %s)", out, host)
	}
	if n, _ := strconv.Atoi(f[3]); n == 0 {
		t.Errorf("cgroup namespace not rooted at the container's cgroup: %q", out)
	}
}

func TestNoPivotAndReadonlyRoot(t *testing.T) {
	e := newEnv(t, "sh", "-c", "touch /x 2>/dev/null && echo WRITABLE; cat /proc/self/mountinfo | awk '$5==\"/\"{print $6}' | head -1")
	e.spec.Root.Readonly = true
	e.writeSpec()
	out, errOut, code := e.run("run", "--no-pivot", "c1")
	if code != 0 || strings.Contains(out, "WRITABLE") || !strings.HasPrefix(out, "ro") {
		t.Fatalf("--no-pivot with readonly root: exit %d out %q err %q", code, out, errOut)
	}
}

func TestJSONLog(t *testing.T) {
	e := newEnv(t, "true")
	e.writeSpec()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"runtime error", []string{"state", "nope"}, "does not exist"},
		{"command-line error", []string{"delete", "--bogus", "nope"}, "delete: unknown flag: --bogus"},
		{"missing argument", []string{"kill"}, "kill: takes at least 1 argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logf := filepath.Join(t.TempDir(), "log.json")
			if _, _, code := e.run(append([]string{"--log", logf, "--log-format", "json"}, tc.args...)...); code == 0 {
				t.Fatalf("%v succeeded", tc.args)
			}
			data, _ := os.ReadFile(logf)
			var line struct{ Level, Msg, Time string }
			if err := json.Unmarshal(bytes.TrimSpace(data), &line); err != nil || line.Level != "error" || !strings.Contains(line.Msg, tc.want) || line.Time == "" {
				t.Fatalf("log line %q: %v; want an error containing %q", data, err, tc.want)
			}
		})
	}
}

// TestCrashDuringCreate: a create killed half-way leaves nothing that
// `delete --force` cannot remove, cgroup included.
func TestCrashDuringCreate(t *testing.T) {
	e := newEnv(t, "true")
	// A prestart hook that blocks keeps create in the middle.
	marker := "servin-crash-test-" + strconv.Itoa(os.Getpid())
	e.spec.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "sleep 30; : " + marker}}}}
	e.spec.Linux.CgroupsPath = "/servin-test-crash-" + strconv.Itoa(os.Getpid())
	e.writeSpec()
	cmd := exec.Command(binary, "--root", e.root, "create", "--bundle", e.bundle, "c1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cg := filepath.Join("/sys/fs/cgroup/pids", e.spec.Linux.CgroupsPath)
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(filepath.Join(e.root, "c1", "state.json")); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(cg); err != nil {
		t.Fatalf("expected the cgroup to exist mid-create: %v", err)
	}
	// The hook runs in its own process group: kill the group (sh and sleep).
	if out, err := exec.Command("pgrep", "-f", marker).Output(); err == nil {
		for _, p := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(p); err == nil {
				syscall.Kill(-pid, syscall.SIGKILL)
			}
		}
	}
	for i := 0; i < 300; i++ {
		if _, _, code := e.run("delete", "--force", "c1"); code == 0 {
			if _, err := os.Stat(cg); err == nil {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(cg); err == nil {
		t.Fatalf("cgroup %s left after delete --force", cg)
	}
	if _, err := os.Stat(filepath.Join(e.root, "c1")); err == nil {
		t.Fatal("state left after delete --force")
	}
}

// TestRunForwardsSignals: an attached `run` relays the signals a user or
// supervisor sends it to the container process.
func TestRunForwardsSignals(t *testing.T) {
	for _, sig := range []unix.Signal{unix.SIGUSR1, unix.SIGTERM, unix.SIGHUP} {
		t.Run(unix.SignalName(sig), func(t *testing.T) {
			e := newEnv(t, "sh", "-c", fmt.Sprintf("trap 'echo got; exit 3' %d; echo ready; while :; do sleep 0.05; done", sig))
			e.writeSpec()
			cmd := exec.Command(binary, "--root", e.root, "run", "c1")
			cmd.Dir = e.bundle
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			cmd.Stdout = w
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			buf := make([]byte, 64)
			n, _ := r.Read(buf)
			if !strings.Contains(string(buf[:n]), "ready") {
				_ = cmd.Process.Kill()
				t.Fatalf("container did not start: %q", buf[:n])
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest := make([]byte, 64)
			m, _ := r.Read(rest)
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(string(rest[:m]), "got") {
				t.Fatalf("after %v: %v, output %q; want exit 3 and the trap's output", sig, err, rest[:m])
			}
		})
	}
}

// TestRunLateError: run starts its container over the init's socket (no
// exec fifo); a failure after the start message (here the execve of a
// script whose interpreter is missing) is reported, and nothing is left
// behind.
func TestRunLateError(t *testing.T) {
	e := newEnv(t, "/bad-script")
	if err := os.WriteFile(filepath.Join(e.bundle, "rootfs", "bad-script"), []byte("#!/no/such/interpreter\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e.writeSpec()
	_, errOut, code := e.run("run", "c1")
	if code == 0 || !strings.Contains(errOut, "exec /bad-script") {
		t.Fatalf("run of a script without interpreter: exit %d, stderr %q; want the exec error", code, errOut)
	}
	if out := e.mustRun("list", "-q"); strings.TrimSpace(out) != "" {
		t.Fatalf("left behind: %q", out)
	}
}

// TestIDMappedMount: a host directory owned by uid/gid 1000 bind-mounted
// with an idmapping appears owned by the mapped ids inside: by the mount's
// own maps (1000 -> 2000, the container has no user namespace), and by the
// container's user namespace maps with the bare idmap option (so 1000 on
// disk is 1000 inside a container mapped 0 -> 100000), recursively with
// ridmap.
func TestIDMappedMount(t *testing.T) {
	testutil.RequireRoot(t)
	if out, _ := exec.Command(binary, "features").Output(); !regexpMatch(`"idmap":\s*\{\s*"enabled":\s*true`, string(out)) {
		t.Skip("skipping: features says idmapped mounts are not supported here")
	}
	host := t.TempDir()
	if err := os.Chmod(host, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{host, filepath.Join(host, "f")} {
		if p != host {
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(p, 1000, 1000); err != nil {
			t.Fatal(err)
		}
	}
	m := func(opts ...string) specs.Mount {
		return specs.Mount{Destination: "/data", Type: "bind", Source: host, Options: opts}
	}
	own := m("bind", "idmap")
	own.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 1000, HostID: 2000, Size: 1}}
	own.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 1000, HostID: 2000, Size: 1}}
	tests := []struct {
		name   string
		mount  specs.Mount
		userns bool
		want   string
	}{
		{"mount maps", own, false, "2000:2000"},
		{"container maps", m("bind", "idmap"), true, "1000:1000"},
		{"container maps ridmap", m("rbind", "ridmap"), true, "1000:1000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "stat", "-c", "%u:%g", "/data/f")
			// The mapped root may not create it in the host-owned rootfs.
			if err := os.Mkdir(filepath.Join(e.bundle, "rootfs", "data"), 0o755); err != nil {
				t.Fatal(err)
			}
			if tc.userns {
				for d := e.bundle; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
					if err := os.Chmod(d, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
				e.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
				e.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
			}
			e.spec.Mounts = append(e.spec.Mounts, tc.mount)
			e.writeSpec()
			out, errOut, code := e.run("run", "c1")
			if code != 0 || strings.TrimSpace(out) != tc.want {
				t.Fatalf("stat through the idmapped mount: %q (exit %d, %s), want %s", out, code, errOut, tc.want)
			}
		})
	}
	// Without an idmapping the same file shows its on-disk owner.
	e := newEnv(t, "stat", "-c", "%u:%g", "/data/f")
	e.spec.Mounts = append(e.spec.Mounts, m("bind"))
	e.writeSpec()
	if out := e.mustRun("run", "c1"); strings.TrimSpace(out) != "1000:1000" {
		t.Fatalf("plain bind: %q", out)
	}
}
