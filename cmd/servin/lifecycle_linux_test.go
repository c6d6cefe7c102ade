package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestDetachLogsStopRm(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.ok("run", "-d", "--name", "ticker", "--label", "tier=web", "busybox", "sh", "-c",
		"trap 'echo got-term; exit 7' TERM; echo start; echo to-stderr >&2; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"))
	if len(id) != 64 {
		t.Fatalf("-d printed %q", id)
	}
	e.waitFor("ticks", func() bool { out, _, _ := e.run("logs", "ticker"); return strings.Contains(out, "tick 3") })

	// ls: running, formats, filters.
	if out := e.ok("ls"); !strings.Contains(out, id[:12]) || !strings.Contains(out, "Up ") || !strings.Contains(out, "ticker") {
		t.Fatalf("ls: %s", out)
	}
	e.expect(0, id[:12]+"\n", "ps", "-q")
	e.expect(0, "ticker running tier=web\n", "ls", "--format", "{{.Names}} {{.State}} {{.Labels}}")
	e.expect(0, "NAMES", "ls", "--format", "table {{.ID}}\t{{.Names}}")
	if out := e.ok("ls", "--format", "json"); !strings.Contains(out, `"Names":"ticker"`) {
		t.Fatalf("json format: %s", out)
	}
	for _, f := range []string{"name=tick", "label=tier", "label=tier=web", "status=running", "id=" + id[:5]} {
		e.expect(0, id[:12], "ls", "-q", "--filter", f)
	}
	for _, f := range []string{"name=nomatch", "label=tier=db", "status=exited"} {
		if out := e.ok("ls", "-q", "--filter", f); out != "" {
			t.Errorf("filter %s matched: %q", f, out)
		}
	}
	e.expect(125, "", "ls", "--filter", "bogus=1")

	// logs: streams, tail, timestamps, since/until.
	out, stderr, _ := e.run("logs", "ticker")
	if !strings.HasPrefix(out, "start\ntick 0\n") || stderr != "to-stderr\n" {
		t.Fatalf("logs: %q / %q", out, stderr)
	}
	if out := e.ok("logs", "--tail", "1", "ticker"); strings.Count(out, "\n") != 1 {
		t.Fatalf("--tail 1: %q", out)
	}
	out = e.ok("logs", "-t", "--tail", "1", "ticker")
	if ts, _, _ := strings.Cut(out, " "); !validTime(ts) {
		t.Fatalf("-t: %q", out)
	}
	if out := e.ok("logs", "--since", "1h", "ticker"); !strings.Contains(out, "start") {
		t.Fatalf("--since 1h: %q", out)
	}
	if out := e.ok("logs", "--until", "1h", "ticker"); out != "" {
		t.Fatalf("--until 1h ago: %q", out)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if out := e.ok("logs", "--since", future, "ticker"); out != "" {
		t.Fatalf("--since future: %q", out)
	}
	if out := e.ok("logs", "--until", future, "ticker"); !strings.Contains(out, "start") {
		t.Fatalf("--until future: %q", out)
	}
	// The log file is JSON lines with time, stream and log.
	c := e.inspect(id)
	data, err := os.ReadFile(c.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	var first struct{ Time, Stream, Log string }
	for _, line := range strings.Split(string(data), "\n") {
		if err := json.Unmarshal([]byte(line), &first); err != nil || !validTime(first.Time) {
			t.Fatalf("log line %q: %v", line, err)
		}
		if first.Stream == "stdout" { // stderr may come first: the streams are concurrent
			break
		}
	}
	if first.Log != "start\n" {
		t.Fatalf("first stdout line: %+v", first)
	}

	// logs -f follows until the container stops.
	follow := e.cmd(nil, "logs", "-f", "--tail", "0", "ticker")
	var fout strings.Builder
	follow.Stdout = &fout
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}

	// rm refuses a running container.
	e.expect(125, "", "rm", "ticker")
	start := time.Now()
	e.expect(0, "ticker", "stop", "-t", "5", "ticker")
	if time.Since(start) > 4*time.Second {
		t.Errorf("stop waited %s although the container handles TERM", time.Since(start))
	}
	done := make(chan error, 1)
	go func() { done <- follow.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		follow.Process.Kill()
		t.Fatal("logs -f did not end when the container stopped")
	}
	if !strings.HasSuffix(fout.String(), "got-term\n") || strings.Contains(fout.String(), "start") {
		t.Fatalf("logs -f: %q", fout.String())
	}
	c = e.inspect("ticker")
	if c.State.Status != "exited" || c.State.ExitCode != 7 || c.State.FinishedAt.IsZero() {
		t.Fatalf("state after stop: %+v", c.State)
	}
	e.expect(0, "7\n", "wait", "ticker")
	e.expect(0, "Exited (7)", "ls", "-a")
	if out := e.ok("ls", "-q"); out != "" {
		t.Fatalf("ls without -a shows stopped: %q", out)
	}
	e.expect(0, "exited\n", "inspect", "-f", "{{.State.Status}}", "ticker")

	// start again: same container, logs appended.
	e.expect(0, "ticker", "start", "ticker")
	e.waitFor("restarted", func() bool { out, _, _ := e.run("logs", "ticker"); return strings.Count(out, "start\n") == 2 })
	// kill -s sends the signal.
	e.expect(0, "ticker", "kill", "-s", "TERM", "ticker")
	e.expect(0, "7\n", "wait", "ticker")

	// restart of a stopped container runs it again.
	e.expect(0, "ticker", "restart", "-t", "1", "ticker")
	e.waitFor("running", func() bool { return e.inspect("ticker").State.Status == "running" })
	e.expect(0, "ticker", "kill", "ticker")
	e.expect(0, "137\n", "wait", "ticker")

	e.expect(0, "ticker", "rm", "ticker")
	if _, err := os.Stat(filepath.Dir(c.LogPath)); !os.IsNotExist(err) {
		t.Errorf("logs left after rm: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.root, "containers", id)); !os.IsNotExist(err) {
		t.Errorf("container directory left after rm: %v", err)
	}
}

func validTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func TestStopKillsAfterTimeout(t *testing.T) {
	e := newEnv(t)
	e.ok("run", "-d", "--name", "stubborn", "busybox", "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done")
	start := time.Now()
	e.ok("stop", "-t", "1", "stubborn")
	if d := time.Since(start); d < time.Second || d > 8*time.Second {
		t.Errorf("stop -t 1 took %s", d)
	}
	if c := e.inspect("stubborn"); c.State.ExitCode != 137 {
		t.Fatalf("exit code %d, want 137 (SIGKILL)", c.State.ExitCode)
	}
	// rm -f removes a running container.
	e.ok("run", "-d", "--name", "victim", "busybox", "sleep", "100")
	e.ok("rm", "-f", "victim")
	if out := e.ok("ls", "-aq", "--filter", "name=victim"); out != "" {
		t.Fatalf("rm -f left %q", out)
	}
}

func TestAmbiguousPrefix(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := 0; i < 20; i++ {
		ids = append(ids, strings.TrimSpace(e.ok("create", "busybox", "true")))
	}
	// With 20 random IDs, two share a first hex digit.
	seen := map[byte]bool{}
	for _, id := range ids {
		if seen[id[0]] {
			_, stderr, code := e.run("inspect", id[:1])
			if code != 125 || !strings.Contains(stderr, "ambiguous") {
				t.Fatalf("ambiguous prefix: %d %q", code, stderr)
			}
			return
		}
		seen[id[0]] = true
	}
	t.Fatal("no shared prefix among 20 IDs")
}

func TestRestartPolicy(t *testing.T) {
	e := newEnv(t)
	e.ok("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3")
	e.waitFor("two restarts", func() bool {
		c := e.inspect("flaky")
		return c.State.Status == "exited" && c.State.RestartCount == 2 && c.State.MonitorPid == 0
	})
	if out := e.ok("logs", "flaky"); strings.Count(out, "run\n") != 3 {
		t.Fatalf("on-failure:2 ran %d times: %q", strings.Count(out, "run\n"), out)
	}
	e.ok("run", "-d", "--name", "fine", "--restart", "on-failure", "busybox", "true")
	e.expect(0, "0\n", "wait", "fine")
	if c := e.inspect("fine"); c.State.RestartCount != 0 {
		t.Fatalf("on-failure restarted a successful container")
	}
	e.ok("run", "-d", "--name", "forever", "--restart", "always", "busybox", "sh", "-c", "echo x; sleep 0.1")
	e.waitFor("restarts", func() bool { return e.inspect("forever").State.RestartCount >= 2 })
	e.ok("stop", "-t", "1", "forever")
	c := e.inspect("forever")
	if c.State.Status != "exited" {
		t.Fatalf("stop did not end restart=always: %+v", c.State)
	}
	n := c.State.RestartCount
	time.Sleep(500 * time.Millisecond)
	if e.inspect("forever").State.RestartCount != n {
		t.Fatal("restarted after stop")
	}
}

func TestLogRotation(t *testing.T) {
	e := newEnv(t)
	e.ok("run", "--name", "noisy", "--log-opt", "max-size=4k", "--log-opt", "max-file=2", "busybox", "seq", "1", "3000")
	c := e.inspect("noisy")
	fi, err := os.Stat(c.LogPath)
	if err != nil || fi.Size() > 4096 {
		t.Fatalf("log file: %v size %d > 4k", err, fi.Size())
	}
	if _, err := os.Stat(c.LogPath + ".1"); err != nil {
		t.Fatalf("no rotated file: %v", err)
	}
	if _, err := os.Stat(c.LogPath + ".2"); err == nil {
		t.Fatal("max-file=2 kept a third file")
	}
	out := e.ok("logs", "noisy")
	if !strings.HasSuffix(out, "\n3000\n") {
		t.Fatalf("logs end: %q", out[max(0, len(out)-20):])
	}
	e.expect(125, "", "run", "--rm", "--log-opt", "max-size=abc", "busybox", "true")
}

// TestServinKilled: killing the attached servin leaves the container
// running; its monitor records the exit.
func TestServinKilled(t *testing.T) {
	e := newEnv(t)
	cmd := e.cmd(nil, "run", "--name", "survivor", "busybox", "sh", "-c", "sleep 1; echo finished")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e.waitFor("running", func() bool {
		out, _, _ := e.run("ls", "-q", "--filter", "name=survivor")
		return out != ""
	})
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	e.expect(0, "0\n", "wait", "survivor")
	e.expect(0, "finished", "logs", "survivor")
}

// TestRebootRecovery: a container recorded as running under another boot
// shows as exited, not lost.
func TestRebootRecovery(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.ok("create", "--name", "old", "busybox", "true"))
	p := filepath.Join(e.root, "containers", id, "container.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	rec["state"] = map[string]any{"status": "running", "pid": 999999, "monitorPid": 999998, "bootID": "another-boot", "exitCode": 0}
	data, _ = json.Marshal(rec)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	e.expect(0, "Exited (255)", "ls", "-a")
	c := e.inspect("old")
	if c.State.Status != "exited" || !strings.Contains(c.State.Error, "reboot") {
		t.Fatalf("state: %+v", c.State)
	}
	// It can be started again.
	e.ok("start", "old")
	e.expect(0, "0\n", "wait", "old")
}

// TestImageInUse: servin-image refuses to remove an image a container uses.
func TestImageInUse(t *testing.T) {
	e := newEnv(t)
	e.ok("create", "--name", "user", "busybox", "true")
	if _, _, code := e.run("image", "rm", "busybox"); code == 0 {
		t.Fatal("servin image rm removed an image in use")
	}
	e.ok("rm", "user")
	e.ok("image", "rm", "busybox")
}

var _ = exec.Command

// TestConcurrentStart: two starts at once run the container once.
func TestConcurrentStart(t *testing.T) {
	e := newEnv(t)
	e.ok("create", "--name", "once", "busybox", "sh", "-c", "echo ran; sleep 2")
	a, b := e.cmd(nil, "start", "once"), e.cmd(nil, "start", "once")
	a.Start()
	b.Start()
	a.Wait()
	b.Wait()
	e.expect(0, "0\n", "wait", "once")
	if out := e.ok("logs", "once"); out != "ran\n" {
		t.Fatalf("container ran %d times", strings.Count(out, "ran"))
	}
}
