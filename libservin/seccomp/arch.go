package seccomp

import (
	"runtime"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// x32SyscallBit is __X32_SYSCALL_BIT: x32 syscalls run under
// AUDIT_ARCH_X86_64 with this bit set in the number.
const x32SyscallBit = 0x40000000

// archDef describes one libseccomp architecture.
type archDef struct {
	name  specs.Arch
	audit uint32 // AUDIT_ARCH_* in seccomp_data.arch
	// table holds the syscall numbers, indexed like syscallNames; nil when
	// this package has none (the arch is then treated as not listed).
	table *[len(syscallNames)]int32
	// bits32 ABIs pass 32-bit arguments: only the low halves are compared.
	bits32    bool
	bigEndian bool
}

// archDefs lists every architecture of runtime-spec v1.3.0 and libseccomp
// 2.6 (LOONGARCH64), with the AUDIT_ARCH values of linux/audit.h.
var archDefs = []archDef{
	{specs.ArchX86, 0x40000003, &sysnumX86, true, false},
	{specs.ArchX86_64, 0xc000003e, &sysnumAMD64, false, false},
	{specs.ArchX32, 0xc000003e, &sysnumX32, true, false},
	{specs.ArchARM, 0x40000028, &sysnumARM, true, false},
	{specs.ArchAARCH64, 0xc00000b7, &sysnumARM64, false, false},
	{specs.ArchMIPS, 0x00000008, &sysnumMIPS, true, true},
	{specs.ArchMIPS64, 0x80000008, &sysnumMIPS64, false, true},
	{specs.ArchMIPS64N32, 0xa0000008, nil, true, true},
	{specs.ArchMIPSEL, 0x40000008, &sysnumMIPS, true, false},
	{specs.ArchMIPSEL64, 0xc0000008, &sysnumMIPS64, false, false},
	{specs.ArchMIPSEL64N32, 0xe0000008, nil, true, false},
	{specs.ArchPPC, 0x00000014, &sysnumPPC, true, true},
	{specs.ArchPPC64, 0x80000015, &sysnumPPC64, false, true},
	{specs.ArchPPC64LE, 0xc0000015, &sysnumPPC64, false, false},
	{specs.ArchS390, 0x00000016, nil, true, true},
	{specs.ArchS390X, 0x80000016, &sysnumS390X, false, true},
	{specs.ArchPARISC, 0x0000000f, nil, true, true},
	{specs.ArchPARISC64, 0x8000000f, nil, false, true},
	{specs.ArchRISCV64, 0xc00000f3, &sysnumRISCV64, false, false},
	{specs.ArchLOONGARCH64, 0xc0000102, &sysnumLOONG64, false, false},
}

// goarchToArch maps GOARCH to the native seccomp architecture.
var goarchToArch = map[string]specs.Arch{
	"386":      specs.ArchX86,
	"amd64":    specs.ArchX86_64,
	"arm":      specs.ArchARM,
	"arm64":    specs.ArchAARCH64,
	"loong64":  specs.ArchLOONGARCH64,
	"mips":     specs.ArchMIPS,
	"mipsle":   specs.ArchMIPSEL,
	"mips64":   specs.ArchMIPS64,
	"mips64le": specs.ArchMIPSEL64,
	"ppc64":    specs.ArchPPC64,
	"ppc64le":  specs.ArchPPC64LE,
	"riscv64":  specs.ArchRISCV64,
	"s390x":    specs.ArchS390X,
}

// NativeArch returns the seccomp architecture of this build
// (SCMP_ARCH_X86_64 for amd64, ...), or "" for a GOARCH seccomp lacks.
func NativeArch() specs.Arch { return goarchToArch[runtime.GOARCH] }

func lookupArch(a specs.Arch) (*archDef, bool) {
	for i := range archDefs {
		if archDefs[i].name == a {
			return &archDefs[i], true
		}
	}
	return nil, false
}

// nr returns the number of syscall name on this architecture.
func (a *archDef) nr(name string) (uint32, bool) {
	i := sort.SearchStrings(syscallNames[:], name)
	if a.table == nil || i == len(syscallNames) || syscallNames[i] != name || a.table[i] < 0 {
		return 0, false
	}
	return uint32(a.table[i]), true
}

// maxNr is the highest regular syscall number of the table: the ARM
// private syscalls (0x0f0000+) are left out, so that numbers between the
// last regular syscall and them count as unknown.
func (a *archDef) maxNr() uint32 {
	var m uint32
	for _, n := range a.table {
		if n >= 0 && uint32(n) > m && !(a.name == specs.ArchARM && n >= 0x0f0000) {
			m = uint32(n)
		}
	}
	return m
}

// SyscallNumber returns the number of a syscall on an architecture, for
// diagnostics and tests.
func SyscallNumber(arch specs.Arch, name string) (uint32, bool) {
	a, ok := lookupArch(arch)
	if !ok {
		return 0, false
	}
	return a.nr(name)
}
