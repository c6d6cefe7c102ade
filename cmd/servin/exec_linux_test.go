package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// execRuntime is the runtime the exec tests use: runc until servin-run's
// exec is merged (TODO(lead): switch to "" = servin-run).
const execRuntime = ""

func TestExec(t *testing.T) {
	e := newEnv(t)
	e.runtime = execRuntime
	e.ok("run", "-d", "--name", "box", "-e", "FROMRUN=1", "busybox", "sleep", "1000")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"plain", []string{"box", "echo", "hi"}, 0, "hi\n"},
		{"env inherited", []string{"box", "sh", "-c", "echo $FROMRUN"}, 0, "1\n"},
		{"env", []string{"-e", "X=2", "box", "sh", "-c", "echo $X"}, 0, "2\n"},
		{"workdir", []string{"-w", "/tmp", "box", "pwd"}, 0, "/tmp\n"},
		{"user", []string{"-u", "nobody", "box", "id", "-u"}, 0, "65534\n"},
		{"exit code", []string{"box", "sh", "-c", "exit 5"}, 5, ""},
		{"not found", []string{"box", "nosuchcmd"}, 127, ""},
		{"tty", []string{"-t", "box", "tty"}, 0, "/dev/pts/"},
		{"sees container", []string{"box", "sh", "-c", "cat /proc/1/cmdline"}, 0, "sleep"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := e.run(append([]string{"exec"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exec %v: exit %d (want %d), stdout %q (want %q), stderr %q", tc.args, code, tc.code, out, tc.want, stderr)
			}
		})
	}
	t.Run("interactive", func(t *testing.T) {
		out, _, code := e.runIn(strings.NewReader("a\nb\nc\n"), "exec", "-i", "box", "wc", "-l")
		if code != 0 || strings.TrimSpace(out) != "3" {
			t.Fatalf("exec -i: %d %q", code, out)
		}
	})
	t.Run("detach", func(t *testing.T) {
		e.ok("exec", "-d", "box", "sh", "-c", "sleep 0.2; echo detached > /tmp/flag")
		e.waitFor("detached exec", func() bool {
			out, _, _ := e.run("exec", "box", "cat", "/tmp/flag")
			return out == "detached\n"
		})
	})
	t.Run("stopped", func(t *testing.T) {
		e.ok("create", "--name", "idle", "busybox", "true")
		e.expect(125, "", "exec", "idle", "true")
	})
}

func TestTopStats(t *testing.T) {
	e := newEnv(t)
	for _, rt := range []string{"", "runc"} {
		e.runtime = rt
		name := "top" + rt
		e.ok("run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 1000 & sleep 2000")
		out := e.ok("top", name)
		if !strings.Contains(out, "PID") || !strings.Contains(out, "sleep 1000") || !strings.Contains(out, "sleep 2000") {
			t.Fatalf("top (%s): %s", rt, out)
		}
		out = e.ok("stats", "--no-stream", name)
		if !strings.Contains(out, "MEM USAGE") || !strings.Contains(out, name) || !strings.Contains(out, "%") || !strings.Contains(out, "2\n") {
			t.Fatalf("stats (%s): %s", rt, out)
		}
		e.ok("rm", "-f", name)
	}
	e.ok("create", "--name", "notrunning", "busybox", "true")
	e.expect(125, "", "top", "notrunning")
}

func TestCp(t *testing.T) {
	e := newEnv(t)
	e.ok("create", "--name", "files", "busybox", "true")
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "in.txt"), []byte("into the box\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(host, "tree", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(host, "tree", "sub", "deep"), []byte("deep\n"), 0o644)
	e.ok("cp", filepath.Join(host, "in.txt"), "files:/tmp/")
	e.ok("cp", filepath.Join(host, "tree"), "files:/opt/tree")
	out := e.ok("start", "-a", "files")
	_ = out
	e.ok("rm", "files")

	// Copy in, run, copy out.
	e.ok("create", "--name", "box", "busybox", "sh", "-c", "cat /tmp/in.txt /opt/tree/sub/deep > /result")
	e.ok("cp", filepath.Join(host, "in.txt"), "box:/tmp/")
	e.ok("cp", filepath.Join(host, "tree"), "box:/opt/tree")
	e.ok("start", "-a", "box")
	e.ok("cp", "box:/result", filepath.Join(host, "result"))
	if data, err := os.ReadFile(filepath.Join(host, "result")); err != nil || string(data) != "into the box\ndeep\n" {
		t.Fatalf("copied out: %v %q", err, data)
	}
	e.ok("cp", "box:/opt/tree", filepath.Join(host, "back"))
	if data, err := os.ReadFile(filepath.Join(host, "back", "sub", "deep")); err != nil || string(data) != "deep\n" {
		t.Fatalf("tree copied out: %v %q", err, data)
	}
	// Symlinks in the container never lead out of its rootfs.
	e.ok("cp", filepath.Join(host, "in.txt"), "box:/etc/passwd")
	e.expect(125, "", "cp", "a", "b")
	e.expect(125, "", "cp", "box:/nonexistent", host)
}
