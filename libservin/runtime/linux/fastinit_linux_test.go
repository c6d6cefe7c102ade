package linux

import (
	"encoding/binary"
	"os"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/spec"
)

// decodeProgram splits a fast-init program into opcodes and arguments.
func decodeProgram(t *testing.T, p []byte) (codes []byte, args [][]string) {
	t.Helper()
	for len(p) > 0 {
		if len(p) < 2 {
			t.Fatalf("truncated program")
		}
		code, n := p[0], int(p[1])
		p = p[2:]
		var as []string
		for i := 0; i < n; i++ {
			if len(p) < 4 {
				t.Fatalf("truncated argument")
			}
			l := binary.LittleEndian.Uint32(p)
			p = p[4:]
			if int(l) > len(p) {
				t.Fatalf("truncated argument")
			}
			as = append(as, string(p[:l]))
			p = p[l:]
		}
		codes = append(codes, code)
		args = append(args, as)
	}
	return codes, args
}

func TestProgramRouting(t *testing.T) {
	base := func() *InitConfig {
		s := spec.Default()
		s.Process.Terminal = false
		s.Mounts = nil // no cgroup mount: no host state needed
		return &InitConfig{ID: "c1", Rootfs: t.TempDir(), Spec: s, FifoFd: 5}
	}
	tests := []struct {
		name   string
		modify func(c *InitConfig)
		ok     bool
	}{
		{"default", func(c *InitConfig) {}, true},
		{"exec", func(c *InitConfig) { c.Exec = true; c.FifoFd = -1 }, true},
		{"terminal", func(c *InitConfig) { c.Spec.Process.Terminal = true }, false},
		{"user namespace", func(c *InitConfig) {
			c.Spec.Linux.Namespaces = append(c.Spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		}, false},
		{"joined mount namespace", func(c *InitConfig) {
			for i := range c.Spec.Linux.Namespaces {
				if c.Spec.Linux.Namespaces[i].Type == specs.MountNamespace {
					c.Spec.Linux.Namespaces[i].Path = "/proc/1/ns/mnt"
				}
			}
		}, false},
		{"no pivot", func(c *InitConfig) { c.NoPivot = true }, false},
		{"createContainer hook", func(c *InitConfig) {
			c.Spec.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}}
		}, false},
		{"poststart hook", func(c *InitConfig) {
			c.Spec.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "/bin/true"}}}
		}, true},
		{"selinux", func(c *InitConfig) { c.Spec.Process.SelinuxLabel = "x" }, false},
		{"scheduler", func(c *InitConfig) { c.Spec.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch} }, false},
		{"notify seccomp", func(c *InitConfig) {
			c.Spec.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/x"}
		}, false},
		{"bad capability: the Go init reports it", func(c *InitConfig) {
			c.Spec.Process.Capabilities.Bounding = []string{"CAP_BOGUS"}
		}, false},
		{"bad rlimit: the Go init reports it", func(c *InitConfig) {
			c.Spec.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 2, Hard: 1}}
		}, false},
		{"tmpcopyup", func(c *InitConfig) {
			c.Spec.Mounts = []specs.Mount{{Destination: "/x", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup"}}}
		}, false},
		{"300 additional gids", func(c *InitConfig) {
			for i := 0; i < 300; i++ {
				c.Spec.Process.User.AdditionalGids = append(c.Spec.Process.User.AdditionalGids, uint32(i))
			}
		}, false},
		{"300 environment variables", func(c *InitConfig) {
			for i := 0; i < 300; i++ {
				c.Spec.Process.Env = append(c.Spec.Process.Env, "A=b")
			}
		}, false},
		{"hostname without uts", func(c *InitConfig) {
			c.Spec.Hostname = "x"
			c.Spec.Linux.Namespaces = slices.DeleteFunc(c.Spec.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == specs.UTSNamespace })
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.modify(c)
			prog, _, ok := Program(c, os.Getpid())
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			codes, args := decodeProgram(t, prog)
			if codes[len(codes)-1] != fopExec {
				t.Fatalf("program does not end in exec: %q", codes)
			}
			if c.Exec == slices.Contains(codes, fopPivot) {
				t.Fatalf("exec %v, program %q", c.Exec, codes)
			}
			ready := args[slices.Index(codes, fopReady)]
			if want := map[bool]string{true: "none", false: "fifo"}[c.Exec]; ready[0] != want {
				t.Fatalf("ready mode %q, want %q", ready[0], want)
			}
		})
	}
}

// TestProgramSeccompOrder: with no_new_privs the filter is the last thing
// before exec; without, it goes in before the user change, as in the Go
// init.
func TestProgramSeccompOrder(t *testing.T) {
	for _, nnp := range []bool{true, false} {
		s := spec.Default()
		s.Process.Terminal = false
		s.Mounts = nil
		s.Process.NoNewPrivileges = nnp
		s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"chmod"}, Action: specs.ActErrno}}}
		prog, _, ok := Program(&InitConfig{ID: "c1", Rootfs: t.TempDir(), Spec: s, FifoFd: -1}, os.Getpid())
		if !ok {
			t.Fatal("not a fast-init config")
		}
		codes, args := decodeProgram(t, prog)
		z := slices.Index(codes, fopSeccomp)
		if z < 0 || len(args[z][0])%8 != 0 || len(args[z][0]) == 0 {
			t.Fatalf("no seccomp program in %q", codes)
		}
		user := slices.Index(codes, fopUser)
		if nnp && (z < user || codes[z+1] != fopExec) {
			t.Fatalf("no_new_privs: seccomp at %d, user at %d: %q", z, user, codes)
		}
		if !nnp && z > user {
			t.Fatalf("without no_new_privs: seccomp at %d after the user change at %d: %q", z, user, codes)
		}
	}
}
