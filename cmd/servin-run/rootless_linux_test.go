package main_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/testutil"
)

// rootlessUser returns an unprivileged user to run as, creating one (and
// removing it afterwards) when the machine has none to spare.
func rootlessUser(t *testing.T) (uid, gid int) {
	t.Helper()
	const name = "servin-rootless-test"
	u, err := user.Lookup(name)
	if err != nil {
		if out, err := exec.Command("useradd", "--no-create-home", "--shell", "/bin/sh", name).CombinedOutput(); err != nil {
			t.Skipf("skipping: cannot create a test user: %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("userdel", name).Run() })
		if u, err = user.Lookup(name); err != nil {
			t.Fatal(err)
		}
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

// TestRootless runs a `spec --rootless` bundle as an ordinary user.
func TestRootless(t *testing.T) {
	testutil.RequireRoot(t)
	uid, gid := rootlessUser(t)
	// The user must reach the test binary and the bundle.
	os.Chmod(filepath.Dir(binary), 0o755)
	base, err := os.MkdirTemp("", "servin-rootless")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	os.Chmod(base, 0o755)
	bundle := filepath.Join(base, "bundle")
	testutil.BusyboxRootfs(t, filepath.Join(bundle, "rootfs"))
	filepath.Walk(base, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, uid, gid) })

	as := func(args ...string) (string, string, int) {
		cmd := exec.Command(binary, args...)
		cmd.Dir = bundle
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + base, "XDG_RUNTIME_DIR=" + filepath.Join(base, "run")}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	os.MkdirAll(filepath.Join(base, "run"), 0o700)
	os.Chown(filepath.Join(base, "run"), uid, gid)
	if _, errOut, code := as("spec", "--rootless"); code != 0 {
		t.Fatalf("spec --rootless: %s", errOut)
	}
	var s specs.Spec
	data, _ := os.ReadFile(filepath.Join(bundle, "config.json"))
	json.Unmarshal(data, &s)
	s.Process.Terminal = false
	s.Process.Args = []string{"sh", "-c", "id -u; cat /proc/self/uid_map; touch /tmp/x && echo wrote"}
	s.Root.Readonly = false
	data, _ = json.Marshal(&s)
	os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644)

	out, errOut, code := as("run", "r1")
	if code != 0 {
		t.Fatalf("rootless run: exit %d: %s", code, errOut)
	}
	fields := strings.Fields(out)
	if len(fields) < 5 || fields[0] != "0" || fields[1] != "0" || fields[2] != strconv.Itoa(uid) || fields[4] != "wrote" {
		t.Fatalf("rootless container saw %q, want uid 0 mapped to %d", out, uid)
	}
	// Limits need a delegated cgroup, which this user does not have.
	limit := int64(64 << 20)
	s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit}}
	data, _ = json.Marshal(&s)
	os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644)
	if _, errOut, code := as("run", "r2"); code == 0 || !strings.Contains(errOut, "delegated cgroup") {
		t.Fatalf("rootless run with a memory limit: exit %d %q, want a clear error", code, errOut)
	}
	if out, _, _ := as("list", "-q"); out != "" {
		t.Fatalf("rootless runs left containers: %q", out)
	}
}
