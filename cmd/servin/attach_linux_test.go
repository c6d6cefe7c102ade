package main_test

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

// TestAttach: attach to a running container's output and (with -i) its
// input, exit with its code; the detach keys leave it running with its
// stdin still open; a stopped container cannot be attached to.
func TestAttach(t *testing.T) {
	e := newEnv(t)

	id := strings.TrimSpace(e.ok("run", "-d", "-i", "busybox", "sh", "-c", "read x; echo got $x; exit 3"))
	out, stderr, code := e.runIn(strings.NewReader("hello\n"), "attach", id)
	if code != 3 || out != "got hello\n" {
		t.Fatalf("attach with input: exit %d, stdout %q, stderr %q; want 3 and \"got hello\"", code, out, stderr)
	}

	id = strings.TrimSpace(e.ok("run", "-d", "busybox", "sh", "-c", "sleep 1; echo done; exit 4"))
	if out, stderr, code := e.run("attach", "--no-stdin", id); code != 4 || out != "done\n" {
		t.Fatalf("attach --no-stdin: exit %d, stdout %q, stderr %q; want 4 and \"done\"", code, out, stderr)
	}
	if _, stderr, code := e.run("attach", id); code == 0 || !strings.Contains(stderr, "start it first") {
		t.Fatalf("attach to a stopped container: exit %d, stderr %q", code, stderr)
	}

	id = strings.TrimSpace(e.ok("run", "-d", "-i", "busybox", "sh", "-c", "while read x; do echo got $x; done"))
	if out, stderr, code := e.runIn(strings.NewReader("one\n\x10\x11two\n"), "attach", id); code != 0 || strings.Contains(out, "two") {
		t.Fatalf("attach and detach: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if st := e.inspect(id).State.Status; st != "running" {
		t.Fatalf("after detaching the container is %s", st)
	}
	// Its stdin was not closed: a second client's input still arrives
	// (and the output with it, before this client detaches).
	in, w := io.Pipe()
	cmd := e.cmd(in, "attach", "--detach-keys", "ctrl-x", id)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go w.Write([]byte("three\n"))
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "got three\n" {
		t.Errorf("second attach read %q, %v", line, err)
	}
	w.Write([]byte{24}) // ctrl-x
	w.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("second attach: %v", err)
	}
	if _, stderr, code := e.run("attach", "--detach-keys", "ctrl-", id); code == 0 || !strings.Contains(stderr, "invalid detach key") {
		t.Fatalf("bad --detach-keys: exit %d, stderr %q", code, stderr)
	}
}
