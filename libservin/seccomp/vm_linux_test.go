package seccomp

import (
	"encoding/binary"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// SeccompData is struct seccomp_data as the kernel hands it to a filter.
type SeccompData struct {
	Nr   int32
	Arch uint32
	IP   uint64
	Args [6]uint64
}

// RunBPF evaluates a seccomp filter against d the way the kernel does,
// with d laid out in the given byte order (the kernel's, which is that of
// the architecture). It checks what the kernel's checker checks: only the
// instructions seccomp allows, aligned in-bounds loads, forward in-range
// jumps, a return on every path, at most BPF_MAXINSNS instructions. It
// returns the SECCOMP_RET_* value and the number of instructions run.
func RunBPF(prog []unix.SockFilter, d SeccompData, bigEndian bool) (uint32, int, error) {
	if len(prog) == 0 || len(prog) > maxInsns {
		return 0, 0, fmt.Errorf("program length %d", len(prog))
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		bo = binary.BigEndian
	}
	mem := make([]byte, 64)
	bo.PutUint32(mem[0:], uint32(d.Nr))
	bo.PutUint32(mem[4:], d.Arch)
	bo.PutUint64(mem[8:], d.IP)
	for i, a := range d.Args {
		bo.PutUint64(mem[16+8*i:], a)
	}
	var acc uint32
	steps := 0
	for pc := 0; pc < len(prog); pc++ {
		steps++
		in := prog[pc]
		jump := func(cond bool) error {
			off := int(in.Jf)
			if cond {
				off = int(in.Jt)
			}
			if pc+1+off >= len(prog) {
				return fmt.Errorf("pc %d: jump out of the program", pc)
			}
			pc += off
			return nil
		}
		var err error
		switch in.Code {
		case bpfLdWAbs:
			if in.K%4 != 0 || in.K+4 > 64 {
				return 0, steps, fmt.Errorf("pc %d: bad load offset %d", pc, in.K)
			}
			acc = bo.Uint32(mem[in.K:])
		case bpfAndK:
			acc &= in.K
		case bpfJa:
			if uint64(pc)+1+uint64(in.K) >= uint64(len(prog)) {
				return 0, steps, fmt.Errorf("pc %d: ja out of the program", pc)
			}
			pc += int(in.K)
		case bpfJeq:
			err = jump(acc == in.K)
		case bpfJgt:
			err = jump(acc > in.K)
		case bpfJge:
			err = jump(acc >= in.K)
		case bpfRet:
			return in.K, steps, nil
		default:
			return 0, steps, fmt.Errorf("pc %d: instruction %#x not allowed", pc, in.Code)
		}
		if err != nil {
			return 0, steps, err
		}
	}
	return 0, steps, fmt.Errorf("fell off the end of the program")
}

// CompileFor compiles c as for a host whose native architecture is native.
func CompileFor(c *specs.LinuxSeccomp, native specs.Arch) ([]unix.SockFilter, error) {
	p, err := compile(c, native)
	if err != nil {
		return nil, err
	}
	return toSockFilter(p), nil
}

// ArchInfo returns an architecture's AUDIT_ARCH value and byte order.
func ArchInfo(a specs.Arch) (audit uint32, bigEndian bool) {
	d, ok := lookupArch(a)
	if !ok {
		panic("unknown arch " + a)
	}
	return d.audit, d.bigEndian
}

// SyscallNames lists every syscall name of the tables.
func SyscallNames() []string { return syscallNames[:] }
