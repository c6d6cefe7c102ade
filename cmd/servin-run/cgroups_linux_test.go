package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/cgroups"
	"github.com/servin/servin/libservin/testutil"
)

// fakeCgroupContainer writes the state of a container whose process is a
// sleeping child in a fresh cgroup, as create records it (cgroupPaths),
// so the cgroup commands can be tested apart from create.
func fakeCgroupContainer(t *testing.T) (root, id string, pid int, m *cgroups.Manager) {
	t.Helper()
	testutil.RequireRoot(t)
	if cgroups.DetectMode() == cgroups.ModeNone {
		t.Skip("skipping: no cgroups")
	}
	root = t.TempDir()
	id = fmt.Sprintf("cgcli-%d-%d", os.Getpid(), time.Now().UnixNano())
	m, err := cgroups.New("/servin-test-"+id, id)
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command("sleep", "300")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = child.Process.Kill()
		_, _ = child.Process.Wait()
		if err := m.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err := m.Apply(child.Process.Pid); err != nil {
		t.Fatal(err)
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	start, _ := strconv.ParseUint(fields[19], 10, 64)
	rec := map[string]any{"id": id, "bundle": "/", "rootfs": "/", "pid": child.Process.Pid, "pidStartTime": start,
		"created": time.Now().UTC(), "owner": "root", "spec": map[string]any{"ociVersion": "1.3.0"}, "cgroupPaths": m.Paths()}
	data, _ := json.Marshal(rec)
	if err := os.MkdirAll(filepath.Join(root, id), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, id, "state.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return root, id, child.Process.Pid, m
}

func runBin(t *testing.T, root, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--root", root}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

func mustBin(t *testing.T, root, stdin string, args ...string) string {
	t.Helper()
	out, errOut, code := runBin(t, root, stdin, args...)
	if code != 0 {
		t.Fatalf("servin-run %v: exit %d: %s", args, code, errOut)
	}
	return out
}

func cgroupFile(t *testing.T, dir, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func TestCgroupCommands(t *testing.T) {
	root, id, pid, m := fakeCgroupContainer(t)
	v2 := cgroups.IsV2()

	// ps
	if out := mustBin(t, root, "", "ps", "--format", "json", id); strings.TrimSpace(out) != fmt.Sprintf("[%d]", pid) {
		t.Errorf("ps json = %q", out)
	}
	out := mustBin(t, root, "", "ps", id, "-o", "pid,comm")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "PID") || !strings.Contains(lines[1], "sleep") {
		t.Errorf("ps table = %q", out)
	}

	// pause / resume
	if _, errOut, code := runBin(t, root, "", "resume", id); code == 0 {
		t.Error("resume of a running container succeeded")
	} else if !strings.Contains(errOut, "not paused") {
		t.Errorf("resume error %q", errOut)
	}
	mustBin(t, root, "", "pause", id)
	if paused, err := m.State(); err != nil || !paused {
		t.Errorf("after pause: %v %v", paused, err)
	}
	mustBin(t, root, "", "resume", id)
	if paused, _ := m.State(); paused {
		t.Error("paused after resume")
	}

	// update by flags and by a resources file on stdin
	mustBin(t, root, "", "update", "--pids-limit", "42", "--cpu-shares", "512", "--memory", "64m", "--l3-cache-schema", "L3:0=f", id)
	if !v2 {
		for file, want := range map[string]string{"pids.max": "42", "cpu.shares": "512", "memory.limit_in_bytes": "67108864"} {
			key := strings.SplitN(file, ".", 2)[0]
			if got := cgroupFile(t, m.Path(key), file); got != want {
				t.Errorf("%s = %s, want %s", file, got, want)
			}
		}
	}
	mustBin(t, root, `{"pids":{"limit":7}}`, "update", "-r", "-", id)
	pidsDir := m.Path("pids")
	if v2 {
		pidsDir = m.Path(cgroups.UnifiedKey)
	}
	if got := cgroupFile(t, pidsDir, "pids.max"); got != "7" {
		t.Errorf("pids.max after --resources = %s", got)
	}
	if _, errOut, code := runBin(t, root, "", "update", "--memory", "lots", id); code == 0 || !strings.Contains(errOut, "--memory") {
		t.Errorf("bad --memory: code %d, %q", code, errOut)
	}

	// events --stats prints one event line
	out = mustBin(t, root, "", "events", "--stats", id)
	var ev struct {
		Type string        `json:"type"`
		ID   string        `json:"id"`
		Data cgroups.Stats `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.Type != "stats" || ev.ID != id || ev.Data.Pids.Current != 1 || ev.Data.Pids.Limit != 7 {
		t.Errorf("events --stats = %q (%v)", out, err)
	}
	// The stream: an interval of 100ms gives several lines before it is stopped.
	cmd := exec.Command(binary, "--root", root, "events", "--interval", "100ms", id)
	var stream bytes.Buffer
	cmd.Stdout = &stream
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(450 * time.Millisecond)
	_ = cmd.Process.Signal(os.Interrupt)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if n := strings.Count(stream.String(), `"type":"stats"`); n < 2 {
		t.Errorf("events stream gave %d stats lines: %q", n, stream.String())
	}

	// unknown container
	if _, _, code := runBin(t, root, "", "pause", "nope"); code == 0 {
		t.Error("pause of an unknown container succeeded")
	}
}

// TestCgroupJoin checks where the container process and an exec'd process
// land: every hierarchy (v1 controllers, named ones and cgroup2) at the
// container's cgroup, which the init joins itself (tasks in v1, clone3
// CLONE_INTO_CGROUP in v2, or the parent's cgroup.procs write in a user
// namespace); with a cgroup namespace, rooted there.
func TestCgroupJoin(t *testing.T) {
	if cgroups.DetectMode() == cgroups.ModeNone {
		t.Skip("skipping: no cgroups")
	}
	for _, tc := range []struct{ cgroupns, userns bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		cgroupns := tc.cgroupns
		t.Run(fmt.Sprintf("cgroupns=%v,userns=%v", tc.cgroupns, tc.userns), func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			if tc.userns {
				// The busybox rootfs is world-readable; its parents up to
				// the test's temporary directory must be searchable by the
				// mapped root (the directories above are).
				for d := e.bundle; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
					if err := os.Chmod(d, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
				e.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
				e.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
			}
			path := fmt.Sprintf("/servin-test-join-%d-%v-%v", os.Getpid(), tc.cgroupns, tc.userns)
			e.spec.Linux.CgroupsPath = path
			want := path
			var nss []specs.LinuxNamespace
			for _, n := range e.spec.Linux.Namespaces {
				if n.Type != specs.CgroupNamespace {
					nss = append(nss, n)
				}
			}
			if cgroupns {
				nss = append(nss, specs.LinuxNamespace{Type: specs.CgroupNamespace})
				want = "/"
			}
			e.spec.Linux.Namespaces = nss
			e.writeSpec()
			check := func(what, out string) {
				t.Helper()
				lines := strings.Fields(out)
				if len(lines) == 0 {
					t.Fatalf("%s: no /proc/self/cgroup", what)
				}
				for _, l := range lines {
					if parts := strings.SplitN(l, ":", 3); len(parts) != 3 || parts[2] != want {
						t.Fatalf("%s: %q not at %s:\n%s", what, l, want, out)
					}
				}
			}
			e.mustRun("run", "-d", "c1")
			pid := e.state("c1").Pid
			host, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Fields(string(host)) {
				if !strings.HasSuffix(l, ":"+path) {
					t.Fatalf("container process seen from the host: %q not in %s:\n%s", l, path, host)
				}
			}
			check("exec", e.mustRun("exec", "c1", "cat", "/proc/self/cgroup"))
			e.mustRun("delete", "--force", "c1")
		})
	}
}
