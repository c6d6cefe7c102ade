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
// The per-architecture block is a binary search over the syscall numbers
// that have rules (leaves of up to 8 compares), about 17 instructions per
// syscall on the default profile; conditional jumps farther than 255
// instructions go through BPF_JA trampolines; more than BPF_MAXINSNS (4096)
// instructions is an error.
//
// # Using it in a container init
//
// The filter belongs to the thread that installs it and is inherited by
// execve(2); Load locks the goroutine to its thread for good. Installing
// needs no_new_privs or CAP_SYS_ADMIN in the thread's user namespace:
//
//   - process.noNewPrivileges true: set PR_SET_NO_NEW_PRIVS, drop
//     capabilities and change user as usual, then call (*Filter).Load as
//     late as possible, right before execve, so that the init's own
//     syscalls are not filtered.
//   - process.noNewPrivileges false: call (*Filter).Load while the init
//     still has CAP_SYS_ADMIN in its effective set, i.e. before setuid and
//     before capabilities are applied; every later syscall of the init
//     (setgroups, setresuid, capset, chdir, open of the exec fifo, write,
//     execve, ...) then goes through the filter, as in runc.
//
// With SCMP_ACT_NOTIFY, listenerPath is a host path: call Prepare before
// pivot_root (it connects to the agent then) and (*Filter).Load later; it
// sends the listener fd and the ContainerProcessState with one sendmsg.
// NOTIFY may not be the default action nor apply to write, sendmsg or
// socketcall, which deliver the fd. When the init cannot connect (a user
// namespace whose root may not write the socket), use Install in the init,
// pass the returned fd to the runtime over the sync socket (SCM_RIGHTS)
// and call SendListener there, as runc does.
//
// The syscall tables in zsysnum.go are generated from golang.org/x/sys/unix
// by mksysnum.go (go generate).
package seccomp

//go:generate go run mksysnum.go
