package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecurity(t *testing.T) {
	e := newEnv(t)
	out := e.ok("security", "check")
	for _, want := range []string{"user namespaces", "seccomp", "cgroups", "no-new-privileges"} {
		if !strings.Contains(out, want) {
			t.Errorf("check lacks %q:\n%s", want, out)
		}
	}
	var fs []struct{ Name string }
	if err := json.Unmarshal([]byte(e.ok("security", "check", "--json")), &fs); err != nil || len(fs) < 5 {
		t.Fatalf("check --json: %v %v", err, fs)
	}
	e.expect(0, "No-new-privileges:  no", "security", "info")
	e.expect(0, "PASS", "security", "test")
	e.expect(0, "NoNewPrivs:\t0", "run", "--rm", "busybox", "grep", "NoNewPrivs", "/proc/self/status")

	// Defaults apply to new containers.
	e.expect(125, "", "security", "config", "--user-ns")
	e.expect(125, "", "security", "config", "--uid-map", "0:1")
	for _, d := range []string{e.root, filepath.Dir(e.root)} {
		os.Chmod(d, 0o755) // the mapped root must reach its rootfs
	}
	e.ok("security", "config", "--no-new-privs", "--user-ns", "--uid-map", "0:100000:65536")
	e.expect(0, "uid map 0:100000:65536", "security", "info")
	e.expect(0, "NoNewPrivs:\t1", "run", "--rm", "busybox", "grep", "NoNewPrivs", "/proc/self/status")
	e.expect(0, "100000", "run", "--rm", "busybox", "cat", "/proc/self/uid_map")
	// The rootfs belongs to the mapped root: it can write to it.
	e.expect(0, "ok", "run", "--rm", "busybox", "sh", "-c", "touch /newfile && echo ok")
	out = e.ok("security", "test", "--user-ns")
	if strings.Contains(out, "FAIL") || !strings.Contains(out, "user namespace") {
		t.Fatalf("security test:\n%s", out)
	}
	e.ok("security", "config", "--reset")
	e.expect(0, "User namespace:     no", "security", "info")
}
