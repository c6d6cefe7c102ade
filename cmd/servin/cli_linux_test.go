package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDispatch(t *testing.T) {
	e := newEnv(t)
	// image → servin-image (next to servin), with --root passed on.
	e.expect(0, "busybox", "image", "ls")
	// An unknown command runs servin-<name> if one exists.
	tool := filepath.Join(binDir, "servin-hello")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\necho \"hello $* root=$SERVIN_ROOT\"\nexit 4\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(tool)
	out, _, code := e.run("hello", "a", "--flag")
	if code != 4 || out != "hello a --flag root="+e.root+"\n" {
		t.Fatalf("servin hello: %d %q", code, out)
	}
	// On PATH too.
	pathDir := t.TempDir()
	os.WriteFile(filepath.Join(pathDir, "servin-onpath"), []byte("#!/bin/sh\necho on-path\n"), 0o755)
	t.Setenv("PATH", pathDir+":"+os.Getenv("PATH"))
	e.expect(0, "on-path\n", "onpath")
	// Found but not runnable: 126.
	os.WriteFile(filepath.Join(pathDir, "servin-broken"), []byte("#!/nonexistent/interpreter\n"), 0o755)
	e.expect(126, "", "broken")
	// Unknown: 127 with one clear line.
	_, stderr, code := e.run("nosuchthing")
	if code != 127 || !strings.Contains(stderr, "'nosuchthing' is not a servin command") {
		t.Fatalf("unknown command: %d %q", code, stderr)
	}
	// registry/compose name their tools when missing.
	if _, stderr, code := e.run("compose", "up"); code != 127 || !strings.Contains(stderr, "servin-compose") {
		t.Fatalf("compose without servin-compose: %d %q", code, stderr)
	}
	// help lists built-ins and the tools found.
	out = e.ok("help")
	for _, want := range []string{"run", "exec", "volume", "image", "hello", "onpath", "servin-image", "--log-level"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	e.expect(0, "--restart", "help", "run")
}

func TestCompletion(t *testing.T) {
	e := newEnv(t)
	for shell, want := range map[string]string{"bash": "complete -o default", "zsh": "#compdef servin", "fish": "complete -c servin"} {
		if out := e.ok("completion", shell); !strings.Contains(out, want) {
			t.Errorf("completion %s lacks %q", shell, want)
		}
	}
	// Dynamic completion of subcommands works through cobra's __complete.
	if out := e.ok("__complete", "vol"); !strings.Contains(out, "volume") {
		t.Errorf("__complete vol: %q", out)
	}
}

func TestGlobalLogging(t *testing.T) {
	e := newEnv(t)
	e.ok("--log-level", "debug", "run", "--rm", "busybox", "true")
	data, err := os.ReadFile(e.logFile)
	if err != nil {
		t.Fatal(err)
	}
	var sawSource, sawMonitor bool
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line not JSON: %q", line)
		}
		if rec["source"] != nil {
			sawSource = true
		}
		if rec["monitor"] != nil {
			sawMonitor = true
		}
	}
	if !sawSource || !sawMonitor {
		t.Errorf("debug log lacks caller info (%v) or monitor records (%v):\n%s", sawSource, sawMonitor, data)
	}
	_, stderr, code := e.run("--log-level", "loud", "ls")
	if code != 125 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "servin: ") {
		t.Fatalf("bad level: %d %q", code, stderr)
	}
	// --verbose puts info records on stderr.
	_, stderr, _ = e.run("--verbose", "run", "--rm", "--pull", "never", "nosuchimage")
	if !strings.Contains(stderr, "servin: ") {
		t.Fatalf("error line missing: %q", stderr)
	}
	// Errors are one line and exit 125.
	_, stderr, code = e.run("inspect", "nosuchcontainer")
	if code != 125 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "no such container") {
		t.Fatalf("error: %d %q", code, stderr)
	}
	if _, _, code := e.run("run", "--no-such-flag", "busybox"); code != 125 {
		t.Fatalf("bad flag exit %d", code)
	}
}
