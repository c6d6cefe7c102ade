package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestTimerSlack: servin-run gives only the Go runtime's sysmon thread a
// coarse timer slack (fewer wake-ups); its other threads, and so whatever
// it starts — the container process through the fast and the Go init, an
// exec'd process, a hook — keep the caller's.
func TestTimerSlack(t *testing.T) {
	const caller = "123457"
	e := newEnv(t, "cat", "/proc/self/timerslack_ns")
	e.slack = 123457
	hookOut := filepath.Join(t.TempDir(), "hook")
	// The hook's parent is servin-run: its own slack first, then its
	// threads' (the main thread's first).
	e.spec.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "/bin/sh",
		Args: []string{"sh", "-c", `cat /proc/self/timerslack_ns /proc/$PPID/timerslack_ns > ` + hookOut +
			`; for t in /proc/$PPID/task/*; do cat /proc/${t##*/}/timerslack_ns; done >> ` + hookOut}}}}
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
		got := strings.Fields(string(data))
		if len(got) < 4 || got[0] != caller || got[1] != caller {
			t.Fatalf("hook and servin-run's main thread have slack %q, want the caller's %s", got, caller)
		}
		coarse := 0
		for _, s := range got[2:] {
			switch s {
			case "4000000":
				coarse++
			case caller:
			default:
				t.Errorf("a servin-run thread has slack %s", s)
			}
		}
		if coarse != 1 {
			t.Errorf("servin-run threads' slack %q: want exactly one (sysmon) at 4000000", got[2:])
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
