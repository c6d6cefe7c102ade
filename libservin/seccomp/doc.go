// Package seccomp is servin's pure-Go implementation of the "Seccomp"
// section of the OCI runtime-spec v1.3.0 (config-linux.md#seccomp and
// #containerprocessstate): it compiles a specs.LinuxSeccomp into a classic
// BPF program for seccomp(2) and installs it, without libseccomp or cgo.
//
// Semantics follow libseccomp as runc drives it:
//   - the program first checks seccomp_data.arch; every listed architecture
//     (the native one is always added) gets its own block with that
//     architecture's syscall numbers; any other architecture gets the
//     "bad arch" action SCMP_ACT_KILL (SECCOMP_RET_KILL_THREAD). SCMP_ARCH_X32
//     shares AUDIT_ARCH_X86_64 and is told apart by __X32_SYSCALL_BIT.
//     Architectures this package has no syscall table for (MIPS n32, S390,
//     PARISC, PARISC64) are accepted but treated as not listed (fail closed).
//   - syscall names unknown on an architecture are skipped for it;
//   - rules whose action equals the default action are dropped (runc);
//   - the conditions of one rule are AND-ed; several rules for one syscall
//     are OR-ed, the first matching rule's action wins and an unconditional
//     rule beats every conditional one (libseccomp); when one rule has
//     several conditions on the same argument index, runc (and so servin)
//     splits it into one rule per condition, OR-ed;
//   - arguments are compared as 64-bit values on their two 32-bit halves;
//     on 32-bit ABIs (x86, x32, arm, mips o32/n32, ppc, s390, parisc) only
//     the low 32 bits are compared, as libseccomp does;
//   - SCMP_CMP_MASKED_EQ matches when (arg & value) == valueTwo;
//   - ERRNO and TRACE default to EPERM when errnoRet is not set; errnoRet on
//     any other action is an error (runtime-spec: "MUST ... fail");
//   - syscall numbers above the highest one the architecture's table knows
//     return ENOSYS instead of the default action (unless the default is
//     ALLOW or LOG), as runc does, so that libc falls back from syscalls
//     newer than the profile (clone3 and later).
//
// The syscall tables in zsysnum.go are generated from golang.org/x/sys/unix
// by mksysnum.go (go generate).
package seccomp

//go:generate go run mksysnum.go
