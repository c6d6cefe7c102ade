package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestTimerSlack: servin-run itself runs with a coarse timer slack (so the
// Go runtime's sysmon wakes up less), but whatever it starts gets its
// caller's slack: the container process through the fast and the Go init,
// an exec'd process, a hook.
func TestTimerSlack(t *testing.T) {
	const caller = "123457"
	e := newEnv(t, "cat", "/proc/self/timerslack_ns")
	e.slack = 123457
	hookOut := filepath.Join(t.TempDir(), "hook")
	// The hook's parent is servin-run: its main thread's slack is the
	// coarse one.
	e.spec.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "/bin/sh",
		Args: []string{"sh", "-c", "cat /proc/self/timerslack_ns /proc/$PPID/timerslack_ns > " + hookOut}}}}
	e.writeSpec()

	for _, goInit := range []bool{false, true} {
		var extra []string
		if goInit {
			extra = []string{"SERVIN_GO_INIT=1"}
		}
		out, errOut, code, log := e.runWith(extra, "run", "c1")
		if code != 0 {
			t.Fatalf("run (go init %v): exit %d: %s", goInit, code, errOut)
		}
		if want := map[bool]string{false: "init=fast", true: "init=go"}[goInit]; !strings.Contains(log, want) {
			t.Fatalf("run (go init %v) did not use %s:\n%s", goInit, want, log)
		}
		if strings.TrimSpace(out) != caller {
			t.Errorf("container process (go init %v) has timer slack %q, want the caller's %s", goInit, strings.TrimSpace(out), caller)
		}
		data, err := os.ReadFile(hookOut)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Fields(string(data)); len(got) != 2 || got[0] != caller || got[1] != "4000000" {
			t.Errorf("hook saw slack (own, servin-run's) %q, want %s and 4000000", got, caller)
		}
	}

	e.spec.Process.Args = []string{"sleep", "100"}
	e.spec.Hooks = nil
	e.writeSpec()
	e.mustRun("run", "-d", "c2")
	if out := e.mustRun("exec", "c2", "cat", "/proc/self/timerslack_ns"); strings.TrimSpace(out) != caller {
		t.Errorf("exec'd process has timer slack %q, want %s", strings.TrimSpace(out), caller)
	}
}
