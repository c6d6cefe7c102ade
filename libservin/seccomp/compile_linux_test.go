package seccomp_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/seccomp"
	"golang.org/x/sys/unix"
)

const (
	retAllow = unix.SECCOMP_RET_ALLOW
	retKill  = unix.SECCOMP_RET_KILL_THREAD
	retErrno = unix.SECCOMP_RET_ERRNO
)

func errnoRet(e unix.Errno) uint32 { return retErrno | uint32(e) }

func uptr(v uint) *uint { return &v }

// call is one syscall as a filter sees it.
type call struct {
	arch specs.Arch
	name string
	nr   int32 // used when name is empty
	args [6]uint64
}

func eval(t *testing.T, prog []unix.SockFilter, c call) uint32 {
	t.Helper()
	audit, be := seccomp.ArchInfo(c.arch)
	nr := c.nr
	if c.name != "" {
		n, ok := seccomp.SyscallNumber(c.arch, c.name)
		if !ok {
			t.Fatalf("no syscall %s on %s", c.name, c.arch)
		}
		nr = int32(n)
	}
	ret, _, err := seccomp.RunBPF(prog, seccomp.SeccompData{Nr: nr, Arch: audit, Args: c.args}, be)
	if err != nil {
		t.Fatalf("run filter for %+v: %v", c, err)
	}
	return ret
}

func mustCompile(t testing.TB, c *specs.LinuxSeccomp, native specs.Arch) []unix.SockFilter {
	t.Helper()
	prog, err := seccomp.CompileFor(c, native)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return prog
}

func TestCompileActions(t *testing.T) {
	x86 := specs.ArchX86_64
	tests := []struct {
		name string
		cfg  specs.LinuxSeccomp
		call call
		want uint32
	}{
		{"default allow", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"getcwd"}, Action: specs.ActErrno}}},
			call{arch: x86, name: "read"}, retAllow},
		{"errno defaults to EPERM", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"getcwd"}, Action: specs.ActErrno}}},
			call{arch: x86, name: "getcwd"}, errnoRet(unix.EPERM)},
		{"errnoRet", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"chmod", "getcwd"}, Action: specs.ActErrno, ErrnoRet: uptr(13)}}},
			call{arch: x86, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"defaultErrnoRet", specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uptr(95),
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}},
			call{arch: x86, name: "write"}, errnoRet(unix.EOPNOTSUPP)},
		{"default errno EPERM", specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}},
			call{arch: x86, name: "write"}, errnoRet(unix.EPERM)},
		{"allow under errno default", specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}},
			call{arch: x86, name: "read"}, retAllow},
		{"unknown nr gets ENOSYS", specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}},
			call{arch: x86, nr: 1000}, errnoRet(unix.ENOSYS)},
		{"nr -1 gets ENOSYS", specs.LinuxSeccomp{DefaultAction: specs.ActErrno},
			call{arch: x86, nr: -1}, errnoRet(unix.ENOSYS)},
		{"unknown nr under allow default", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActKill}}},
			call{arch: x86, nr: 1000}, retAllow},
		{"kill", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActKill}}},
			call{arch: x86, name: "ptrace"}, unix.SECCOMP_RET_KILL_THREAD},
		{"kill process", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActKillProcess}}},
			call{arch: x86, name: "ptrace"}, unix.SECCOMP_RET_KILL_PROCESS},
		{"kill thread", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActKillThread}}},
			call{arch: x86, name: "ptrace"}, unix.SECCOMP_RET_KILL_THREAD},
		{"trap", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActTrap}}},
			call{arch: x86, name: "ptrace"}, unix.SECCOMP_RET_TRAP},
		{"trace with errnoRet", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActTrace, ErrnoRet: uptr(7)}}},
			call{arch: x86, name: "ptrace"}, unix.SECCOMP_RET_TRACE | 7},
		{"trace defaults to EPERM", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActTrace}}},
			call{arch: x86, name: "ptrace"}, unix.SECCOMP_RET_TRACE | 1},
		{"log", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActLog}}},
			call{arch: x86, name: "ptrace"}, unix.SECCOMP_RET_LOG},
		{"notify", specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/x",
			Syscalls: []specs.LinuxSyscall{{Names: []string{"ptrace"}, Action: specs.ActNotify}}},
			call{arch: x86, name: "ptrace"}, unix.SECCOMP_RET_USER_NOTIF},
		{"default log", specs.LinuxSeccomp{DefaultAction: specs.ActLog},
			call{arch: x86, name: "ptrace"}, unix.SECCOMP_RET_LOG},
		{"default kill process", specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess},
			call{arch: x86, name: "read"}, unix.SECCOMP_RET_KILL_PROCESS},
		{"unknown names are skipped", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"no_such_syscall", "getcwd"}, Action: specs.ActErrno}}},
			call{arch: x86, name: "getcwd"}, errnoRet(unix.EPERM)},
		{"rule with the default action is dropped", specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"read"}, Action: specs.ActErrno},
				{Names: []string{"read"}, Action: specs.ActAllow},
			}},
			call{arch: x86, name: "read"}, retAllow},
		{"unconditional rule beats conditional", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: uptr(5), Args: []specs.LinuxSeccompArg{{Index: 0, Value: 3, Op: specs.OpEqualTo}}},
				{Names: []string{"read"}, Action: specs.ActKillProcess},
			}},
			call{arch: x86, name: "read", args: [6]uint64{3}}, unix.SECCOMP_RET_KILL_PROCESS},
		{"first matching conditional rule wins", specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: uptr(5), Args: []specs.LinuxSeccompArg{{Index: 0, Value: 3, Op: specs.OpGreaterEqual}}},
				{Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: uptr(6), Args: []specs.LinuxSeccompArg{{Index: 0, Value: 3, Op: specs.OpEqualTo}}},
			}},
			call{arch: x86, name: "read", args: [6]uint64{3}}, errnoRet(5)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog := mustCompile(t, &tc.cfg, specs.ArchX86_64)
			if got := eval(t, prog, tc.call); got != tc.want {
				t.Errorf("got %#x, want %#x", got, tc.want)
			}
		})
	}
}

func TestCompileArchitectures(t *testing.T) {
	rules := []specs.LinuxSyscall{{Names: []string{"getcwd"}, Action: specs.ActErrno, ErrnoRet: uptr(13)}}
	tests := []struct {
		name   string
		native specs.Arch
		arches []specs.Arch
		call   call
		want   uint32
	}{
		{"native amd64", specs.ArchX86_64, nil, call{arch: specs.ArchX86_64, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"native always included", specs.ArchX86_64, []specs.Arch{specs.ArchX86}, call{arch: specs.ArchX86_64, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"x86 listed", specs.ArchX86_64, []specs.Arch{specs.ArchX86}, call{arch: specs.ArchX86, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"x86 numbers differ", specs.ArchX86_64, []specs.Arch{specs.ArchX86}, call{arch: specs.ArchX86, nr: 79}, retAllow},
		{"x86 not listed is bad arch", specs.ArchX86_64, nil, call{arch: specs.ArchX86, name: "read"}, retKill},
		{"arm not listed is bad arch", specs.ArchX86_64, []specs.Arch{specs.ArchX86, specs.ArchX32}, call{arch: specs.ArchARM, name: "read"}, retKill},
		{"x32 listed", specs.ArchX86_64, []specs.Arch{specs.ArchX32}, call{arch: specs.ArchX32, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"x32 other syscall", specs.ArchX86_64, []specs.Arch{specs.ArchX32}, call{arch: specs.ArchX32, name: "read"}, retAllow},
		{"nr -1 is not x32", specs.ArchX86_64, nil, call{arch: specs.ArchX86_64, nr: -1}, retAllow},
		{"x32 not listed is bad arch", specs.ArchX86_64, []specs.Arch{specs.ArchX86}, call{arch: specs.ArchX32, name: "read"}, retKill},
		{"native arm64", specs.ArchAARCH64, nil, call{arch: specs.ArchAARCH64, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"arm64 native, arm listed", specs.ArchAARCH64, []specs.Arch{specs.ArchARM}, call{arch: specs.ArchARM, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"arm64 native, x86_64 data", specs.ArchAARCH64, []specs.Arch{specs.ArchARM}, call{arch: specs.ArchX86_64, name: "getcwd"}, retKill},
		{"big-endian s390x", specs.ArchS390X, nil, call{arch: specs.ArchS390X, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"table-less arch is treated as not listed", specs.ArchS390X, []specs.Arch{specs.ArchS390}, call{arch: specs.ArchS390, nr: 183}, retKill},
		{"native 386", specs.ArchX86, nil, call{arch: specs.ArchX86, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"386 native, x32 only", specs.ArchX86, []specs.Arch{specs.ArchX32}, call{arch: specs.ArchX32, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"386 native, x32 only, x86_64 data", specs.ArchX86, []specs.Arch{specs.ArchX32}, call{arch: specs.ArchX86_64, name: "getcwd"}, retKill},
		{"riscv64", specs.ArchRISCV64, nil, call{arch: specs.ArchRISCV64, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"ppc64le", specs.ArchPPC64LE, []specs.Arch{specs.ArchPPC64}, call{arch: specs.ArchPPC64, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"mips o32", specs.ArchMIPS64, []specs.Arch{specs.ArchMIPS}, call{arch: specs.ArchMIPS, name: "getcwd"}, errnoRet(unix.EACCES)},
		{"loongarch64", specs.ArchLOONGARCH64, nil, call{arch: specs.ArchLOONGARCH64, name: "getcwd"}, errnoRet(unix.EACCES)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: tc.arches, Syscalls: rules}
			prog := mustCompile(t, cfg, tc.native)
			if got := eval(t, prog, tc.call); got != tc.want {
				t.Errorf("got %#x, want %#x", got, tc.want)
			}
		})
	}
}

func TestSyscallTables(t *testing.T) {
	tests := []struct {
		arch specs.Arch
		name string
		want uint32
	}{
		{specs.ArchX86_64, "read", 0},
		{specs.ArchX86_64, "getcwd", 79},
		{specs.ArchX86_64, "clone3", 435},
		{specs.ArchX86, "getcwd", 183},
		{specs.ArchX86, "socketcall", 102},
		{specs.ArchX86, "_llseek", 140},
		{specs.ArchAARCH64, "getcwd", 17},
		{specs.ArchAARCH64, "openat", 56},
		{specs.ArchARM, "getcwd", 183},
		{specs.ArchARM, "cacheflush", 0x0f0002},
		{specs.ArchARM, "set_tls", 0x0f0005},
		{specs.ArchX32, "read", 0x40000000},
		{specs.ArchX32, "execve", 0x40000000 | 520},
		{specs.ArchX32, "rt_sigaction", 0x40000000 | 512},
		{specs.ArchMIPS, "getcwd", 4203},
		{specs.ArchS390X, "getcwd", 183},
	}
	for _, tc := range tests {
		t.Run(string(tc.arch)+"/"+tc.name, func(t *testing.T) {
			got, ok := seccomp.SyscallNumber(tc.arch, tc.name)
			if !ok || got != tc.want {
				t.Errorf("got %d, %v; want %d", got, ok, tc.want)
			}
		})
	}
	for _, miss := range []struct {
		arch specs.Arch
		name string
	}{
		{specs.ArchX86_64, "socketcall"}, {specs.ArchAARCH64, "open"}, {specs.ArchX32, "_sysctl"},
		{specs.ArchX32, "uselib"}, {specs.ArchARM, "syscall_mask"}, {specs.ArchAARCH64, "arch_specific_syscall"},
	} {
		if nr, ok := seccomp.SyscallNumber(miss.arch, miss.name); ok {
			t.Errorf("%s %s: got %d, want no such syscall", miss.arch, miss.name, nr)
		}
	}
}

// cmp64 is the reference semantics of an operator.
func cmp64(op specs.LinuxSeccompOperator, arg, v, v2 uint64) bool {
	switch op {
	case specs.OpEqualTo:
		return arg == v
	case specs.OpNotEqual:
		return arg != v
	case specs.OpLessThan:
		return arg < v
	case specs.OpLessEqual:
		return arg <= v
	case specs.OpGreaterThan:
		return arg > v
	case specs.OpGreaterEqual:
		return arg >= v
	case specs.OpMaskedEqual:
		return arg&v == v2
	}
	panic(op)
}

var ops = []specs.LinuxSeccompOperator{
	specs.OpEqualTo, specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual,
	specs.OpGreaterThan, specs.OpGreaterEqual, specs.OpMaskedEqual,
}

func TestCompileArgOperators(t *testing.T) {
	const hi = 1 << 32
	tests := []struct {
		op          specs.LinuxSeccompOperator
		value, two  uint64
		arg         uint64
		wantMatched bool
	}{
		{specs.OpEqualTo, 0o700, 0, 0o700, true},
		{specs.OpEqualTo, 0o700, 0, 0o700 | hi, false}, // same low half
		{specs.OpEqualTo, 5 | 7*hi, 0, 5 | 7*hi, true},
		{specs.OpNotEqual, 5, 0, 5 | hi, true},
		{specs.OpNotEqual, 5 | hi, 0, 5 | hi, false},
		{specs.OpGreaterThan, 2*hi - 1, 0, 2 * hi, true},
		{specs.OpGreaterThan, 2 * hi, 0, 2*hi - 1, false},
		{specs.OpGreaterThan, 3 * hi, 0, 3*hi + 1, true},
		{specs.OpGreaterThan, 3*hi + 1, 0, 3*hi + 1, false},
		{specs.OpGreaterEqual, 3*hi + 1, 0, 3*hi + 1, true},
		{specs.OpGreaterEqual, 3*hi + 2, 0, 3*hi + 1, false},
		{specs.OpLessThan, 2 * hi, 0, 2*hi - 1, true},
		{specs.OpLessThan, 2*hi + 5, 0, 2*hi + 5, false},
		{specs.OpLessThan, 5, 0, hi, false},
		{specs.OpLessEqual, 2*hi + 5, 0, 2*hi + 5, true},
		{specs.OpLessEqual, 2*hi + 5, 0, 3 * hi, false},
		{specs.OpLessEqual, ^uint64(0), 0, ^uint64(0), true},
		{specs.OpMaskedEqual, 0xff00, 0x1200, 0x12ab, true},
		{specs.OpMaskedEqual, 0xff00, 0x1200, 0x13ab, false},
		{specs.OpMaskedEqual, 0xffff_0000_0000_0000, 0x7e57_0000_0000_0000, 0x7e57_0000_dead_beef, true},
		{specs.OpMaskedEqual, 0xffff_0000_0000_0000, 0x7e57_0000_0000_0000, 0x7e58_0000_0000_0000, false},
		{specs.OpMaskedEqual, 0xff, 0x1ff, 0xff, false}, // valueTwo outside the mask never matches
	}
	for _, be := range []specs.Arch{specs.ArchX86_64, specs.ArchS390X} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/%s/%#x/%#x", be, tc.op, tc.value, tc.arg), func(t *testing.T) {
				cfg := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
					Names: []string{"ioctl"}, Action: specs.ActErrno,
					Args: []specs.LinuxSeccompArg{{Index: 3, Value: tc.value, ValueTwo: tc.two, Op: tc.op}},
				}}}
				prog := mustCompile(t, cfg, be)
				got := eval(t, prog, call{arch: be, name: "ioctl", args: [6]uint64{3: tc.arg}}) != retAllow
				if got != tc.wantMatched {
					t.Errorf("matched = %v, want %v", got, tc.wantMatched)
				}
				if ref := cmp64(tc.op, tc.arg, tc.value, tc.two); ref != tc.wantMatched {
					t.Fatalf("test case disagrees with the reference: %v", ref)
				}
			})
		}
	}
}

// TestCompileArgOperatorsRandom checks every operator against the
// reference on random values that often share a half with the operand.
func TestCompileArgOperatorsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(v uint64) uint64 {
		switch r.IntN(6) {
		case 0:
			return v
		case 1:
			return v&^0xffffffff | uint64(r.Uint32()) // same high half
		case 2:
			return v&0xffffffff | uint64(r.Uint32())<<32 // same low half
		case 3:
			return v + 1
		case 4:
			return v - 1
		}
		return r.Uint64()
	}
	for _, arch := range []specs.Arch{specs.ArchX86_64, specs.ArchS390X, specs.ArchX86, specs.ArchMIPS} {
		for _, op := range ops {
			for range 40 {
				v, v2 := r.Uint64()>>(r.IntN(4)*16), r.Uint64()
				if op == specs.OpMaskedEqual && r.IntN(2) == 0 {
					v2 &= v
				}
				idx := uint(r.IntN(6))
				cfg := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
					Names: []string{"ioctl"}, Action: specs.ActErrno,
					Args: []specs.LinuxSeccompArg{{Index: idx, Value: v, ValueTwo: v2, Op: op}},
				}}}
				prog := mustCompile(t, cfg, arch)
				is32 := arch == specs.ArchX86 || arch == specs.ArchMIPS
				for range 25 {
					arg := pick(v)
					if op == specs.OpMaskedEqual && r.IntN(2) == 0 {
						arg = v2 | r.Uint64()&^v
					}
					var args [6]uint64
					args[idx] = arg
					want := cmp64(op, arg, v, v2)
					if is32 {
						// 32-bit ABIs: libseccomp compares the low halves only.
						want = cmp64(op, arg&0xffffffff, v&0xffffffff, v2&0xffffffff)
					}
					if got := eval(t, prog, call{arch: arch, name: "ioctl", args: args}) != retAllow; got != want {
						t.Fatalf("%s: arg%d=%#x %s %#x (two %#x): matched=%v, want %v", arch, idx, arg, op, v, v2, got, want)
					}
				}
			}
		}
	}
}

func TestCompileConditionsAndRules(t *testing.T) {
	cfg := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
		// AND: mkdir(path, 0700) with ... and the path pointer nonzero.
		{Names: []string{"mkdir"}, Action: specs.ActErrno, ErrnoRet: uptr(13), Args: []specs.LinuxSeccompArg{
			{Index: 1, Value: 0o700, Op: specs.OpEqualTo},
			{Index: 0, Value: 0, Op: specs.OpNotEqual},
		}},
		// OR: three rules for personality.
		{Names: []string{"personality"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0, Op: specs.OpEqualTo}}},
		{Names: []string{"personality"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 8, Op: specs.OpEqualTo}}},
		{Names: []string{"personality"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0xffffffff, Op: specs.OpEqualTo}}},
		// Two conditions on one argument: runc makes them two rules (OR).
		{Names: []string{"kill"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
			{Index: 1, Value: 9, Op: specs.OpEqualTo},
			{Index: 1, Value: 15, Op: specs.OpEqualTo},
		}},
	}}
	prog := mustCompile(t, cfg, specs.ArchX86_64)
	a := specs.ArchX86_64
	tests := []struct {
		name string
		call call
		want uint32
	}{
		{"mkdir both hold", call{arch: a, name: "mkdir", args: [6]uint64{0x1000, 0o700}}, errnoRet(unix.EACCES)},
		{"mkdir other mode", call{arch: a, name: "mkdir", args: [6]uint64{0x1000, 0o755}}, retAllow},
		{"mkdir null path", call{arch: a, name: "mkdir", args: [6]uint64{0, 0o700}}, retAllow},
		{"personality 0", call{arch: a, name: "personality", args: [6]uint64{0}}, errnoRet(unix.EPERM)},
		{"personality 8", call{arch: a, name: "personality", args: [6]uint64{8}}, errnoRet(unix.EPERM)},
		{"personality query", call{arch: a, name: "personality", args: [6]uint64{0xffffffff}}, errnoRet(unix.EPERM)},
		{"personality other", call{arch: a, name: "personality", args: [6]uint64{0x20008}}, retAllow},
		{"kill 9", call{arch: a, name: "kill", args: [6]uint64{1, 9}}, errnoRet(unix.EPERM)},
		{"kill 15", call{arch: a, name: "kill", args: [6]uint64{1, 15}}, errnoRet(unix.EPERM)},
		{"kill 1", call{arch: a, name: "kill", args: [6]uint64{1, 1}}, retAllow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := eval(t, prog, tc.call); got != tc.want {
				t.Errorf("got %#x, want %#x", got, tc.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	allow := specs.ActAllow
	tests := []struct {
		name string
		cfg  specs.LinuxSeccomp
	}{
		{"empty default action", specs.LinuxSeccomp{}},
		{"unknown default action", specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_NOPE"}},
		{"defaultErrnoRet on allow", specs.LinuxSeccomp{DefaultAction: allow, DefaultErrnoRet: uptr(1)}},
		{"unknown arch", specs.LinuxSeccomp{DefaultAction: allow, Architectures: []specs.Arch{"SCMP_ARCH_VAX"}}},
		{"unknown flag", specs.LinuxSeccomp{DefaultAction: allow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NOPE"}}},
		{"unknown action", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: "SCMP_ACT_NOPE"}}}},
		{"errnoRet on kill", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActKill, ErrnoRet: uptr(1)}}}},
		{"errnoRet too big", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActErrno, ErrnoRet: uptr(1 << 16)}}}},
		{"no names", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Action: specs.ActErrno}}}},
		{"empty name", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{""}, Action: specs.ActErrno}}}},
		{"arg index", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}}},
		{"unknown operator", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_NOPE"}}}}}},
		{"notify default", specs.LinuxSeccomp{DefaultAction: specs.ActNotify, ListenerPath: "/x"}},
		{"notify write", specs.LinuxSeccomp{DefaultAction: allow, ListenerPath: "/x", Syscalls: []specs.LinuxSyscall{{Names: []string{"write"}, Action: specs.ActNotify}}}},
		{"notify without listenerPath", specs.LinuxSeccomp{DefaultAction: allow, Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActNotify}}}},
		{"metadata without path", specs.LinuxSeccomp{DefaultAction: allow, ListenerMetadata: "m"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := seccomp.Compile(&tc.cfg)
			if !errors.Is(err, seccomp.ErrInvalid) {
				t.Fatalf("got %v, want an error wrapping ErrInvalid", err)
			}
			if err := seccomp.Validate(&tc.cfg); !errors.Is(err, seccomp.ErrInvalid) {
				t.Errorf("Validate: got %v", err)
			}
		})
	}
	if _, err := seccomp.Compile(nil); !errors.Is(err, seccomp.ErrInvalid) {
		t.Errorf("nil config: got %v", err)
	}
}

// TestCompileLongJumps builds a filter whose jumps exceed the 8-bit range
// of conditional jumps and checks every syscall still gets its action.
func TestCompileLongJumps(t *testing.T) {
	cfg := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchX86, specs.ArchX32}}
	used := map[string]bool{}
	for i := range 400 {
		n := unknownName(i)
		if n == "" || used[n] {
			continue
		}
		used[n] = true
		if i%4 == 0 { // conditional: allowed only when arg0 == i
			cfg.Syscalls = append(cfg.Syscalls, specs.LinuxSyscall{Names: []string{n}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: uint64(i), Op: specs.OpEqualTo}}})
		} else {
			cfg.Syscalls = append(cfg.Syscalls, specs.LinuxSyscall{Names: []string{n}, Action: specs.ActErrno, ErrnoRet: uptr(uint(i % 4000))})
		}
	}
	prog := mustCompile(t, cfg, specs.ArchX86_64)
	if len(prog) < 1000 {
		t.Fatalf("program has only %d instructions; the test wants long jumps", len(prog))
	}
	ja := 0
	for _, in := range prog {
		if in.Code == unix.BPF_JMP|unix.BPF_JA {
			ja++
		}
	}
	if ja == 0 {
		t.Fatal("no BPF_JA trampoline in the program; the test wants long jumps")
	}
	t.Logf("%d instructions, %d trampolines", len(prog), ja)
	for _, arch := range []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32} {
		for _, s := range cfg.Syscalls {
			if _, ok := seccomp.SyscallNumber(arch, s.Names[0]); !ok {
				continue
			}
			want := uint32(retAllow)
			var args [6]uint64
			if len(s.Args) > 0 {
				args[0] = s.Args[0].Value
				if got := eval(t, prog, call{arch: arch, name: s.Names[0], args: [6]uint64{s.Args[0].Value + 1}}); got != errnoRet(unix.EPERM) {
					t.Errorf("%s %s other arg: got %#x", arch, s.Names[0], got)
				}
			} else {
				want = retErrno | uint32(*s.ErrnoRet)
			}
			if got := eval(t, prog, call{arch: arch, name: s.Names[0], args: args}); got != want {
				t.Errorf("%s %s: got %#x, want %#x", arch, s.Names[0], got, want)
			}
		}
	}
}

// unknownName returns the i-th syscall name of amd64 or x86, or "".
func unknownName(i int) string {
	for _, a := range []specs.Arch{specs.ArchX86_64, specs.ArchX86} {
		for _, n := range seccomp.SyscallNames() {
			if nr, ok := seccomp.SyscallNumber(a, n); ok && int(nr) == i {
				return n
			}
		}
	}
	return ""
}

func TestCompileTooLarge(t *testing.T) {
	cfg := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	var args []specs.LinuxSeccompArg
	for i := range 6 {
		args = append(args, specs.LinuxSeccompArg{Index: uint(i), Value: 1 << 40, Op: specs.OpLessThan})
	}
	for range 60 {
		cfg.Syscalls = append(cfg.Syscalls, specs.LinuxSyscall{Names: []string{"read", "write", "ioctl"}, Action: specs.ActErrno, Args: args})
	}
	if _, err := seccomp.Compile(cfg); !errors.Is(err, seccomp.ErrInvalid) {
		t.Fatalf("got %v, want a too-large error", err)
	}
}

func TestKnown(t *testing.T) {
	if len(seccomp.KnownActions()) != 9 || len(seccomp.KnownOperators()) != 7 || len(seccomp.KnownFlags()) != 4 {
		t.Errorf("actions %v operators %v flags %v", seccomp.KnownActions(), seccomp.KnownOperators(), seccomp.KnownFlags())
	}
	for _, a := range seccomp.KnownArchs() {
		audit, _ := seccomp.ArchInfo(specs.Arch(a))
		if audit == 0 {
			t.Errorf("%s: no audit arch", a)
		}
	}
	// The AUDIT_ARCH values must be the kernel's.
	for a, want := range map[specs.Arch]uint32{
		specs.ArchX86: unix.AUDIT_ARCH_I386, specs.ArchX86_64: unix.AUDIT_ARCH_X86_64, specs.ArchAARCH64: unix.AUDIT_ARCH_AARCH64,
		specs.ArchARM: unix.AUDIT_ARCH_ARM, specs.ArchS390X: unix.AUDIT_ARCH_S390X, specs.ArchPPC64LE: unix.AUDIT_ARCH_PPC64LE,
		specs.ArchMIPSEL64N32: unix.AUDIT_ARCH_MIPSEL64N32, specs.ArchRISCV64: unix.AUDIT_ARCH_RISCV64,
		specs.ArchLOONGARCH64: unix.AUDIT_ARCH_LOONGARCH64, specs.ArchPARISC64: unix.AUDIT_ARCH_PARISC64,
	} {
		if got, _ := seccomp.ArchInfo(a); got != want {
			t.Errorf("%s: audit %#x, want %#x", a, got, want)
		}
	}
	if seccomp.NativeArch() != specs.ArchX86_64 && seccomp.NativeArch() != specs.ArchAARCH64 {
		t.Logf("native arch %q", seccomp.NativeArch())
	}
}
