// Package testutil (test-only; imported by _test files of libservin and cmd) holds helpers shared by servin's tests: root checks and
// generated fixtures (busybox root filesystems built from the host's static
// busybox, so no network or registry is needed).
package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// RequireRoot skips the test with a message when not running as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: this test needs root (run the suite as root to include it)")
	}
}

// BusyboxPath returns the path of a static busybox binary on the host, or
// skips the test when there is none (Debian package busybox-static).
func BusyboxPath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SERVIN_TEST_BUSYBOX"), "/bin/busybox", "/usr/bin/busybox"} {
		if p == "" {
			continue
		}
		if out, err := exec.Command("file", "-L", p).Output(); err == nil && strings.Contains(string(out), "dynamically") {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("skipping: no static busybox found (apt-get install busybox-static)")
	return ""
}

var (
	appletsOnce sync.Once
	applets     []string
)

// BusyboxRootfs populates dir with a minimal root filesystem: /bin/busybox,
// a symlink per applet in /bin, /etc/passwd and /etc/group with root and
// nobody, and empty /proc, /sys, /dev, /tmp. It returns dir.
func BusyboxRootfs(t testing.TB, dir string) string {
	t.Helper()
	bb := BusyboxPath(t)
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "tmp", "root", "home", "var"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	appletsOnce.Do(func() {
		out, err := exec.Command(bb, "--list").Output()
		if err == nil {
			applets = strings.Fields(string(out))
		}
	})
	for _, a := range applets {
		if a == "busybox" {
			continue
		}
		_ = os.Symlink("busybox", filepath.Join(dir, "bin", a))
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":  "root:x:0:\nnogroup:x:65534:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
