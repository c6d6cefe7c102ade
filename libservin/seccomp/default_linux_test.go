package seccomp_test

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/seccomp"
	"golang.org/x/sys/unix"
)

func TestDefaultProfile(t *testing.T) {
	p := seccomp.DefaultProfile()
	if p == nil || p.DefaultAction != specs.ActErrno || len(p.Syscalls) < 10 {
		t.Fatalf("default profile: %+v", p)
	}
	if seccomp.NativeArch() != specs.ArchX86_64 {
		t.Skipf("skipping: checks are written for amd64 hosts, not %s", seccomp.NativeArch())
	}
	prog, err := seccomp.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("default profile: %d rules, %d instructions", len(p.Syscalls), len(prog))
	a, x86 := specs.ArchX86_64, specs.ArchX86
	eperm := errnoRet(unix.EPERM)
	tests := []struct {
		name string
		call call
		want uint32
	}{
		{"read", call{arch: a, name: "read"}, retAllow},
		{"execve", call{arch: a, name: "execve"}, retAllow},
		{"getcwd", call{arch: a, name: "getcwd"}, retAllow},
		{"x86 read", call{arch: x86, name: "read"}, retAllow},
		{"x86 socketcall", call{arch: x86, name: "socketcall"}, retAllow},
		{"x32 read", call{arch: specs.ArchX32, name: "read"}, retAllow},
		{"aarch64 is a bad arch here", call{arch: specs.ArchAARCH64, name: "read"}, retKill},
		{"mount needs CAP_SYS_ADMIN", call{arch: a, name: "mount"}, eperm},
		{"unshare needs CAP_SYS_ADMIN", call{arch: a, name: "unshare"}, eperm},
		{"kexec_load", call{arch: a, name: "kexec_load"}, eperm},
		{"clone3 is ENOSYS for glibc's fallback", call{arch: a, name: "clone3"}, errnoRet(unix.ENOSYS)},
		{"clone without namespaces", call{arch: a, name: "clone", args: [6]uint64{uint64(unix.SIGCHLD)}}, retAllow},
		{"clone with CLONE_NEWUSER", call{arch: a, name: "clone", args: [6]uint64{unix.CLONE_NEWUSER | uint64(unix.SIGCHLD)}}, eperm},
		{"personality query", call{arch: a, name: "personality", args: [6]uint64{0xffffffff}}, retAllow},
		{"personality other", call{arch: a, name: "personality", args: [6]uint64{0x0400000}}, eperm},
		{"socket AF_INET", call{arch: a, name: "socket", args: [6]uint64{unix.AF_INET}}, retAllow},
		{"syscall newer than the table", call{arch: a, nr: 999}, errnoRet(unix.ENOSYS)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := eval(t, prog, tc.call); got != tc.want {
				t.Errorf("got %#x, want %#x", got, tc.want)
			}
		})
	}
}

func TestDefaultProfileForSysAdmin(t *testing.T) {
	if seccomp.NativeArch() != specs.ArchX86_64 {
		t.Skip("skipping: amd64 only")
	}
	p, err := seccomp.DefaultProfileFor([]string{"CAP_SYS_ADMIN"})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := seccomp.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"mount", "unshare", "setns"} {
		if got := eval(t, prog, call{arch: specs.ArchX86_64, name: n}); got != retAllow {
			t.Errorf("%s with CAP_SYS_ADMIN: got %#x, want allow", n, got)
		}
	}
}

func BenchmarkCompileDefaultProfile(b *testing.B) {
	p := seccomp.DefaultProfile()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := seccomp.Compile(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilterDefaultProfile measures instructions run per syscall in
// the default profile's filter (the kernel caches constant results per
// syscall since Linux 5.11, so this is the uncached cost).
func BenchmarkFilterDefaultProfile(b *testing.B) {
	prog, err := seccomp.Compile(seccomp.DefaultProfile())
	if err != nil {
		b.Fatal(err)
	}
	audit, _ := seccomp.ArchInfo(seccomp.NativeArch())
	steps, n := 0, 0
	for b.Loop() {
		for nr := range int32(450) {
			_, s, err := seccomp.RunBPF(prog, seccomp.SeccompData{Nr: nr, Arch: audit}, false)
			if err != nil {
				b.Fatal(err)
			}
			steps += s
			n++
		}
	}
	b.ReportMetric(float64(steps)/float64(n), "insns/syscall")
}

func TestParseProfile(t *testing.T) {
	const doc = `{
	"defaultAction": "SCMP_ACT_ERRNO",
	"archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
	            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
	"syscalls": [
		{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}
	]}`
	p, err := seccomp.ParseProfile([]byte(doc), []string{"CAP_CHOWN"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Syscalls) != 1 || len(p.Architectures) != 2 {
		t.Errorf("profile: %+v", p)
	}
	p, err = seccomp.ParseProfile([]byte(doc), []string{"CAP_SYS_ADMIN"})
	if err != nil || len(p.Syscalls) != 2 {
		t.Errorf("with CAP_SYS_ADMIN: %+v %v", p, err)
	}
	if _, err := seccomp.ParseProfile([]byte("{"), nil); err == nil {
		t.Error("bad JSON parsed")
	}
}
