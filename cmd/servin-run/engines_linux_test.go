package main_test

// Real engines driving servin-run: podman (through conmon) and containerd
// (through its runc v2 shim), each with private state so the host's own
// engines, if any, are untouched.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/servin/servin/libservin/testutil"
)

func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("skipping: %s is not installed (apt-get install %s)", name, name)
	}
	return p
}

// podman runs podman with private storage and servin-run as the runtime.
type podman struct {
	t    *testing.T
	args []string
	env  []string
}

func newPodman(t *testing.T) *podman {
	testutil.RequireRoot(t)
	requireTool(t, "podman")
	dir := t.TempDir()
	conf := filepath.Join(dir, "containers.conf")
	// runtime_supports_json: podman decides from the runtime's base name
	// whether it may pass --log-format=json. The pinned ulimits keep
	// podman's defaults (above this host's hard limits) out.
	os.WriteFile(conf, []byte(`[containers]
default_ulimits = []
netns = "none"
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime_supports_json = ["servin-run"]
`), 0o644)
	p := &podman{t: t, env: append(os.Environ(), "CONTAINERS_CONF="+conf),
		args: []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "runroot"),
			"--runtime", binary, "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs"}}
	rootfs := testutil.BusyboxRootfs(t, filepath.Join(dir, "rootfs"))
	tarball := filepath.Join(dir, "busybox.tar")
	if out, err := exec.Command("tar", "-C", rootfs, "-cf", tarball, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	p.must("import", tarball, "localhost/busybox:latest")
	t.Cleanup(func() {
		p.run("rm", "--all", "--force", "--time", "0")
		// vfs layers and the run root hold nothing mounted once the
		// containers are gone.
	})
	return p
}

func (p *podman) run(args ...string) (string, string, int) {
	cmd := exec.Command("podman", append(append([]string{}, p.args...), args...)...)
	cmd.Env = p.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatalf("podman %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func (p *podman) must(args ...string) string {
	p.t.Helper()
	out, errOut, code := p.run(args...)
	if code != 0 {
		p.t.Fatalf("podman %v: exit %d: %s", args, code, errOut)
	}
	return out
}

func TestPodman(t *testing.T) {
	p := newPodman(t)
	img := "localhost/busybox"
	if out := p.must("run", "--rm", img, "echo", "hello"); out != "hello\n" {
		t.Fatalf("run --rm: %q", out)
	}
	if out := p.must("run", "--rm", "-e", "A=b", "-w", "/tmp", "-u", "1000:1000", img, "sh", "-c", "echo $A; pwd; id -u"); out != "b\n/tmp\n1000\n" {
		t.Fatalf("run -e -w -u: %q", out)
	}
	if _, _, code := p.run("run", "--rm", img, "sh", "-c", "exit 42"); code != 42 {
		t.Fatalf("exit code %d, want 42", code)
	}
	if out := p.must("run", "--rm", "--network", "none", img, "sh", "-c", "ls /sys/class/net"); out != "lo\n" {
		t.Fatalf("--network none sees %q", out)
	}
	if out := p.must("run", "--rm", "--memory", "64m", "--pids-limit", "20", img, "sh", "-c",
		"cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"); out != "67108864\n20\n" {
		t.Fatalf("--memory 64m --pids-limit 20 seen from inside: %q", out)
	}
	id := strings.TrimSpace(p.must("run", "-d", img, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"))
	if out := p.must("exec", id, "sh", "-c", "echo in-exec; exit 0"); out != "in-exec\n" {
		t.Fatalf("exec: %q", out)
	}
	if _, _, code := p.run("exec", id, "sh", "-c", "exit 3"); code != 3 {
		t.Fatalf("exec exit code %d, want 3", code)
	}
	if out := p.must("inspect", "--format", "{{.State.Status}}", id); strings.TrimSpace(out) != "running" {
		t.Fatalf("status %q", out)
	}
	p.must("stop", "-t", "5", id)
	if out := p.must("inspect", "--format", "{{.State.ExitCode}}", id); strings.TrimSpace(out) != "0" {
		t.Fatalf("exit code after stop: %q", out)
	}
	p.must("rm", id)

	// A terminal: podman hands servin-run a console socket.
	if out := p.must("run", "--rm", "-t", img, "tty"); !strings.HasPrefix(strings.TrimSpace(out), "/dev/pts/") {
		t.Fatalf("run -t: tty says %q", out)
	}
}

// containerd is a private containerd instance.
type containerd struct {
	t    *testing.T
	sock string
}

func newContainerd(t *testing.T) *containerd {
	testutil.RequireRoot(t)
	requireTool(t, "containerd")
	requireTool(t, "ctr")
	requireTool(t, "containerd-shim-runc-v2")
	dir, err := os.MkdirTemp("/tmp", "ctd")
	if err != nil {
		t.Fatal(err)
	}
	c := &containerd{t: t, sock: filepath.Join(dir, "c.sock")}
	conf := filepath.Join(dir, "config.toml")
	os.WriteFile(conf, []byte(fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = %q
[ttrpc]
  address = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.sock, c.sock+".ttrpc")), 0o644)
	logf, _ := os.Create(filepath.Join(dir, "containerd.log"))
	cmd := exec.Command("containerd", "--config", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		out, _ := exec.Command("ctr", "-a", c.sock, "task", "ls", "-q").Output()
		for _, id := range strings.Fields(string(out)) {
			exec.Command("ctr", "-a", c.sock, "task", "kill", "-s", "SIGKILL", id).Run()
			exec.Command("ctr", "-a", c.sock, "task", "delete", "--force", id).Run()
		}
		out, _ = exec.Command("ctr", "-a", c.sock, "containers", "ls", "-q").Output()
		for _, id := range strings.Fields(string(out)) {
			exec.Command("ctr", "-a", c.sock, "containers", "delete", id).Run()
		}
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		// Shims are their own sessions; none may outlive the test.
		killShims(dir)
		logf.Close()
		exec.Command("umount", "-R", filepath.Join(dir, "state")).Run()
		os.RemoveAll(dir)
	})
	for i := 0; i < 100; i++ {
		if exec.Command("ctr", "-a", c.sock, "version").Run() == nil {
			return c
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("containerd did not come up")
	return nil
}

func killShims(dir string) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if bytes.Contains(cmdline, []byte("containerd-shim")) && bytes.Contains(cmdline, []byte(dir)) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func (c *containerd) ctr(args ...string) (string, int) {
	cmd := exec.Command("ctr", append([]string{"-a", c.sock}, args...)...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("ctr %v: %v", args, err)
	}
	return string(out), code
}

func TestContainerd(t *testing.T) {
	c := newContainerd(t)
	rootfs := testutil.BusyboxRootfs(t, filepath.Join(t.TempDir(), "rootfs"))
	ctrRun := func(flag, id string, args ...string) []string {
		out := []string{"run", "--runc-binary", binary, "--rootfs"}
		if flag != "" {
			out = append(out, flag)
		}
		return append(append(out, rootfs, id), args...)
	}
	if out, code := c.ctr(ctrRun("--rm", "r1", "echo", "hello")...); code != 0 || out != "hello\n" {
		t.Fatalf("run --rm: exit %d %q", code, out)
	}
	if _, code := c.ctr(ctrRun("--rm", "r2", "sh", "-c", "exit 7")...); code != 7 {
		t.Fatalf("exit code %d, want 7", code)
	}
	if out, code := c.ctr(ctrRun("-d", "d1", "sleep", "100")...); code != 0 {
		t.Fatalf("run -d: exit %d %s", code, out)
	}
	if out, code := c.ctr("task", "exec", "--exec-id", "e1", "d1", "sh", "-c", "echo in-exec; exit 3"); code != 3 || out != "in-exec\n" {
		t.Fatalf("task exec: exit %d %q", code, out)
	}
	if out, code := c.ctr("task", "ls"); code != 0 || !strings.Contains(out, "RUNNING") {
		t.Fatalf("task ls: %q", out)
	}
	if out, code := c.ctr("task", "kill", "-s", "SIGKILL", "d1"); code != 0 {
		t.Fatalf("kill: %s", out)
	}
	for i := 0; i < 100; i++ {
		if out, _ := c.ctr("task", "ls"); strings.Contains(out, "STOPPED") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out, code := c.ctr("task", "delete", "d1"); code != 0 {
		t.Fatalf("task delete: %s", out)
	}
	if out, code := c.ctr("containers", "delete", "d1"); code != 0 {
		t.Fatalf("container delete: %s", out)
	}
}
