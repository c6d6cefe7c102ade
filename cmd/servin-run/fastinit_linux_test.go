package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runWith is env.runEnv with a debug log, which it returns too.
func (e *env) runWith(extraEnv []string, args ...string) (string, string, int, string) {
	e.t.Helper()
	logFile := filepath.Join(e.t.TempDir(), "log")
	out, errOut, code := e.runEnv(extraEnv, append([]string{"--debug", "--log", logFile}, args...)...)
	log, _ := os.ReadFile(logFile)
	return out, errOut, code, string(log)
}

// inspectScript prints what a container process can see of its set-up,
// in a form that does not change between two runs of one config.
const inspectScript = `
id; umask; pwd; hostname; ulimit -n; ulimit -Hn
grep -E '^(Cap|NoNewPrivs|Seccomp|SigBlk|SigIgn)' /proc/self/status
cat /proc/self/oom_score_adj
awk '{ for (i = 7; $i != "-"; i++); print $5, $6, $(i+1), $(i+3) }' /proc/self/mountinfo | sed 's/size=[0-9a-z]*,*//'
for f in /dev/* /dev/pts/ptmx; do stat -c '%n %F %a %u %g %t %T' "$f"; done
readlink /dev/ptmx /dev/fd
ls -la /data /data/file /etc/linked 2>&1 | sed 's/  */ /g' | cut -d' ' -f1,3,4,9-
cat /data/file 2>&1; cat /proc/sys/net/ipv4/ip_forward
touch /tmp/a && chmod 700 /tmp/a && echo chmod-700-allowed
echo done
`

// TestFastInitMatchesGoInit runs configs through the C fast init and the
// Go init (SERVIN_GO_INIT=1) and compares everything the process sees; it
// also checks which one ran and that the result is what the config asks.
func TestFastInitMatchesGoInit(t *testing.T) {
	one := uint(1)
	tests := []struct {
		name   string
		modify func(e *env)
		fast   bool
		want   []string
	}{
		{"default", func(e *env) {}, true, []string{"uid=0(root) gid=0(root)", "0022", "NoNewPrivs:\t1", "/dev/null character special file 666 0 0 1 3", "chmod-700-allowed", "done"}},
		{"everything", func(e *env) {
			s := e.spec
			// Outside the rootfs: a mount through /etc/linked must land inside.
			escape := filepath.Join(filepath.Dir(e.bundle), "escaped")
			mustSymlink(t, "../../../../../../../.."+escape, filepath.Join(e.bundle, "rootfs/etc/linked"))
			mustSymlink(t, "/nowhere/yet", filepath.Join(e.bundle, "rootfs/dangling"))
			if err := os.MkdirAll(filepath.Join(e.bundle, "data"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(e.bundle, "afile"), []byte("file-content\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			s.Process.User = specs.User{UID: 1000, GID: 1001, AdditionalGids: []uint32{5, 7}, Umask: &[]uint32{0o077}[0]}
			s.Process.Cwd = "/tmp"
			s.Process.NoNewPrivileges = false
			s.Process.OOMScoreAdj = &[]int{123}[0]
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1000, Hard: 2000}}
			s.Process.Capabilities.Ambient = []string{"CAP_KILL"}
			s.Process.Capabilities.Inheritable = []string{"CAP_KILL"}
			s.Hostname = "fast-init"
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
			s.Linux.RootfsPropagation = "rslave"
			s.Linux.Devices = append(s.Linux.Devices, specs.LinuxDevice{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, FileMode: &[]os.FileMode{0o640}[0], UID: &[]uint32{1000}[0]})
			s.Linux.ReadonlyPaths = append(s.Linux.ReadonlyPaths, "/data")
			s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, "/proc/cpuinfo", "/missing")
			s.Mounts = append(s.Mounts,
				specs.Mount{Destination: "/data", Type: "bind", Source: "data", Options: []string{"rbind", "rw", "nosuid"}},
				specs.Mount{Destination: "/data/file", Type: "bind", Source: filepath.Join(e.bundle, "afile"), Options: []string{"bind", "ro"}},
				specs.Mount{Destination: "/etc/linked/deep", Type: "tmpfs", Source: "tmpfs", Options: []string{"nodev", "mode=0700"}},
				specs.Mount{Destination: "/dangling/sub", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m"}},
			)
			s.Linux.Seccomp = &specs.LinuxSeccomp{
				DefaultAction: specs.ActAllow,
				Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
				Syscalls: []specs.LinuxSyscall{{
					Names: []string{"chmod"}, Action: specs.ActErrno, ErrnoRet: &one,
					Args: []specs.LinuxSeccompArg{{Index: 1, Value: 0o700, Op: specs.OpEqualTo}},
				}, {
					Names: []string{"fchmodat", "fchmodat2"}, Action: specs.ActErrno, ErrnoRet: &one,
					Args: []specs.LinuxSeccompArg{{Index: 2, Value: 0o700, Op: specs.OpEqualTo}},
				}},
			}
		}, true, []string{"uid=1000 gid=1001 groups=5,7", "0077", "/tmp\nfast-init\n1000\n2000", "Seccomp:\t2", "NoNewPrivs:\t0",
			"CapAmb:\t0000000000000020", "\n123\n", "/dev/fuse character special file 640 1000 0 a e5", "/data rw,nosuid,relatime ext4", "/data ro,relatime ext4", "/data/file ro,relatime ext4", "deep rw,nodev,relatime tmpfs rw,mode=700", "/nowhere/yet/sub rw,relatime tmpfs",
			"file-content", "\n1\n", "done"}},
		{"terminal goes to the Go init", func(e *env) { e.spec.Process.Terminal = true }, false, nil},
		{"apparmor goes to the Go init", func(e *env) { e.spec.Process.ApparmorProfile = "servin-test" }, false, []string{"done"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var outs [2]string
			for i, extra := range [][]string{nil, {"SERVIN_GO_INIT=1"}} {
				e := newEnv(t, "sh", "-c", inspectScript)
				tc.modify(e)
				e.writeSpec()
				if e.spec.Process.Terminal {
					// run with its own pty: only which init ran matters here.
					_, _, _, log := e.runWith(extra, "run", "-d", "--console-socket", "/nonexistent", "c1")
					if strings.Contains(log, "init=fast") {
						t.Fatalf("terminal config ran the fast init: %s", log)
					}
					return
				}
				out, errOut, code, log := e.runWith(extra, "run", "c1")
				if code != 0 {
					t.Fatalf("run (env %v): exit %d: %s", extra, code, errOut)
				}
				wantInit := "init=go"
				if tc.fast && extra == nil {
					wantInit = "init=fast"
				}
				if !strings.Contains(log, wantInit) {
					t.Fatalf("env %v: want %s in the debug log:\n%s", extra, wantInit, log)
				}
				for _, w := range tc.want {
					if !strings.Contains(out, w) {
						t.Errorf("env %v: output lacks %q:\n%s", extra, w, out)
					}
				}
				if strings.Contains(out, "chmod-700-allowed") == (tc.name == "everything") {
					t.Errorf("env %v: seccomp filter effect wrong:\n%s", extra, out)
				}
				if _, err := os.Stat(filepath.Join(filepath.Dir(e.bundle), "escaped")); err == nil {
					t.Fatalf("env %v: a mount through a symlink created %s outside the rootfs", extra, filepath.Join(filepath.Dir(e.bundle), "escaped"))
				}
				outs[i] = strings.ReplaceAll(out, filepath.Dir(e.bundle), "BASE")
			}
			if outs[0] != outs[1] {
				t.Fatalf("fast init and Go init differ:\n--- fast\n%s\n--- go\n%s", outs[0], outs[1])
			}
		})
	}
}

// TestFastInitErrors: failures in the fast init are reported like the Go
// init's, and leave nothing behind.
func TestFastInitErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(e *env)
		want   string
	}{
		{"missing cwd", func(e *env) { e.spec.Process.Cwd = "/no/such/dir" }, `chdir to cwd ("/no/such/dir") set in config.json failed: no such file or directory`},
		{"missing binary", func(e *env) { e.spec.Process.Args = []string{"/no/such"} }, `exec: "/no/such"`},
		{"not in PATH", func(e *env) { e.spec.Process.Args = []string{"no-such-cmd"} }, `executable file not found in $PATH`},
		{"bad bind source", func(e *env) {
			e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/x", Type: "bind", Source: "/no/such/source", Options: []string{"bind"}})
		}, "bind source /no/such/source"},
		{"device clash", func(e *env) {
			e.spec.Linux.Devices = append(e.spec.Linux.Devices, specs.LinuxDevice{Path: "/bin/sh", Type: "c", Major: 1, Minor: 3})
		}, "exists and is not the requested device"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, extra := range [][]string{nil, {"SERVIN_GO_INIT=1"}} {
				e := newEnv(t, "true")
				tc.modify(e)
				e.writeSpec()
				_, errOut, code, _ := e.runWith(extra, "run", "c1")
				if code == 0 || !strings.Contains(errOut, tc.want) {
					t.Fatalf("env %v: exit %d, stderr %q, want failure with %q", extra, code, errOut, tc.want)
				}
				if out := e.mustRun("list", "-q"); strings.TrimSpace(out) != "" {
					t.Fatalf("env %v: containers left behind: %q", extra, out)
				}
			}
		})
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestFastInitContainment: mount targets, device nodes and files reached
// through hostile symlinks in the rootfs are created inside it, by both
// inits, and nothing appears outside.
func TestFastInitContainment(t *testing.T) {
	for _, extra := range [][]string{nil, {"SERVIN_GO_INIT=1"}} {
		e := newEnv(t)
		outside := filepath.Join(filepath.Dir(e.bundle), "outside")
		// Inside the container the same path names what landed in the rootfs.
		e.spec.Process.Args = []string{"sh", "-c", "ls -d " + outside + "/dev/x " + outside + "/file " + outside + "/dir/sub 2>&1; echo done"}
		rootfs := filepath.Join(e.bundle, "rootfs")
		// Absolute and relative links that would leave the rootfs if they
		// were followed on the host.
		mustSymlink(t, outside+"/dev", filepath.Join(rootfs, "devlink"))
		mustSymlink(t, "../../../../../../../../../.."+outside+"/file", filepath.Join(rootfs, "filelink"))
		mustSymlink(t, outside+"/dir", filepath.Join(rootfs, "dirlink"))
		mustSymlink(t, "loop2", filepath.Join(rootfs, "loop"))
		mustSymlink(t, "loop", filepath.Join(rootfs, "loop2"))
		if err := os.WriteFile(filepath.Join(e.bundle, "src"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		e.spec.Linux.Devices = append(e.spec.Linux.Devices, specs.LinuxDevice{Path: "/devlink/x", Type: "c", Major: 1, Minor: 3})
		e.spec.Mounts = append(e.spec.Mounts,
			specs.Mount{Destination: "/filelink", Type: "bind", Source: "src", Options: []string{"bind"}},
			specs.Mount{Destination: "/dirlink/sub", Type: "tmpfs", Source: "tmpfs"},
		)
		e.writeSpec()
		out, errOut, code, log := e.runWith(extra, "run", "c1")
		if code != 0 {
			t.Fatalf("env %v: exit %d: %s", extra, code, errOut)
		}
		if extra == nil && !strings.Contains(log, "init=fast") {
			t.Fatalf("not the fast init: %s", log)
		}
		for _, want := range []string{"/tmp/outside/dev/x\n", "/tmp/outside/file\n", "/tmp/outside/dir/sub\n", "done"} {
			if !strings.Contains(strings.ReplaceAll(out, outside, "/tmp/outside"), want) || strings.Contains(out, "No such file") {
				t.Errorf("env %v: the container lacks %q inside its rootfs:\n%s", extra, want, out)
			}
		}
		if _, err := os.Lstat(outside); err == nil {
			t.Fatalf("env %v: %s was created outside the rootfs", extra, outside)
		}
		// A mount target through a symlink loop fails cleanly.
		e2 := newEnv(t, "true")
		mustSymlink(t, "loop2", filepath.Join(e2.bundle, "rootfs", "loop"))
		mustSymlink(t, "loop", filepath.Join(e2.bundle, "rootfs", "loop2"))
		e2.spec.Mounts = append(e2.spec.Mounts, specs.Mount{Destination: "/loop/x", Type: "tmpfs", Source: "tmpfs"})
		e2.writeSpec()
		if _, errOut, code, _ := e2.runWith(extra, "run", "c1"); code == 0 || !strings.Contains(errOut, "/loop/x") {
			t.Fatalf("env %v: mount through a symlink loop: exit %d %q", extra, code, errOut)
		}
	}
}
