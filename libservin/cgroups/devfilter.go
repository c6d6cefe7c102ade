package cgroups

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cgroup v2 has no devices.allow/deny files: a BPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup decides each device
// access. deviceProgram compiles a rule list into one.
//
// Semantics (runtime-spec: rules apply in the listed order): the last rule
// that matches a request decides it; a request no rule matches is denied.
// A rule matches a request for the same type ("a": any), major and minor
// (nil or negative: any); an allow rule must grant every requested access
// (a request for read and write needs one rule with both, as one v1
// exception must), a deny rule any of them.

// bpfInsn is struct bpf_insn: opcode, dst (low nibble) and src registers,
// jump offset, immediate.
type bpfInsn struct {
	code uint8
	regs uint8
	off  int16
	imm  int32
}

// Opcodes used (linux/bpf.h, linux/bpf_common.h).
const (
	bpfLdxMemW   = 0x61 // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
	bpfMov32Reg  = 0xbc // BPF_ALU | BPF_MOV | BPF_X: wdst = wsrc
	bpfAnd32Imm  = 0x54 // BPF_ALU | BPF_AND | BPF_K: wdst &= imm
	bpfRsh32Imm  = 0x74 // BPF_ALU | BPF_RSH | BPF_K: wdst >>= imm
	bpfMov64Imm  = 0xb7 // BPF_ALU64 | BPF_MOV | BPF_K: dst = imm
	bpfJne32Imm  = 0x56 // BPF_JMP32 | BPF_JNE | BPF_K: if wdst != imm goto +off
	bpfJeq32Imm  = 0x16 // BPF_JMP32 | BPF_JEQ | BPF_K: if wdst == imm goto +off
	bpfExit      = 0x95 // BPF_JMP | BPF_EXIT
	devcgBlock   = 1    // BPF_DEVCG_DEV_BLOCK
	devcgChar    = 2    // BPF_DEVCG_DEV_CHAR
	devcgMknod   = 1    // BPF_DEVCG_ACC_MKNOD
	devcgRead    = 2    // BPF_DEVCG_ACC_READ
	devcgWrite   = 4    // BPF_DEVCG_ACC_WRITE
	devcgAllAccs = devcgMknod | devcgRead | devcgWrite
)

func insn(code uint8, dst, src uint8, off int16, imm int32) bpfInsn {
	return bpfInsn{code: code, regs: dst | src<<4, off: off, imm: imm}
}

// deviceProgram compiles rules into a device program (see above). The
// context (struct bpf_cgroup_dev_ctx) is r1: access_type (type in the low
// 16 bits, access above), major, minor.
func deviceProgram(rules []specs.LinuxDeviceCgroup) ([]bpfInsn, error) {
	prog := []bpfInsn{
		insn(bpfLdxMemW, 2, 1, 0, 0),  // r2 = access_type
		insn(bpfMov32Reg, 3, 2, 0, 0), // w3 = w2
		insn(bpfAnd32Imm, 2, 0, 0, 0xffff),
		insn(bpfRsh32Imm, 3, 0, 0, 16), // w2 = type, w3 = access
		insn(bpfLdxMemW, 4, 1, 4, 0),   // r4 = major
		insn(bpfLdxMemW, 5, 1, 8, 0),   // r5 = minor
	}
	for i := len(rules) - 1; i >= 0; i-- {
		block, err := ruleBlock(rules[i])
		if err != nil {
			return nil, err
		}
		prog = append(prog, block...)
		if len(block) == 2 {
			// A rule matching everything decides everything: the rules
			// before it never apply (and the verifier refuses code that
			// cannot be reached). Still check them.
			for _, d := range rules[:i] {
				if _, err := deviceRule(d); err != nil {
					return nil, err
				}
			}
			return prog, nil
		}
	}
	return append(prog, insn(bpfMov64Imm, 0, 0, 0, 0), insn(bpfExit, 0, 0, 0, 0)), nil
}

// ruleBlock is the code of one rule: tests that jump past the block when
// the rule does not match, then the verdict.
func ruleBlock(d specs.LinuxDeviceCgroup) ([]bpfInsn, error) {
	if _, err := deviceRule(d); err != nil {
		return nil, err
	}
	var tests []bpfInsn
	switch d.Type {
	case "c":
		tests = append(tests, insn(bpfJne32Imm, 2, 0, 0, devcgChar))
	case "b":
		tests = append(tests, insn(bpfJne32Imm, 2, 0, 0, devcgBlock))
	}
	for _, n := range []struct {
		reg uint8
		v   *int64
	}{{4, d.Major}, {5, d.Minor}} {
		if n.v == nil || *n.v < 0 {
			continue
		}
		if *n.v > 1<<32-1 {
			return nil, fmt.Errorf("%w: device number %d", ErrInvalid, *n.v)
		}
		tests = append(tests, insn(bpfJne32Imm, n.reg, 0, 0, int32(uint32(*n.v))))
	}
	acc := accessBits(d.Access)
	if d.Allow {
		// Every requested access granted: request &^ acc == 0.
		if acc != devcgAllAccs {
			tests = append(tests, insn(bpfMov32Reg, 1, 3, 0, 0), insn(bpfAnd32Imm, 1, 0, 0, int32(devcgAllAccs&^acc)),
				insn(bpfJne32Imm, 1, 0, 0, 0))
		}
	} else if acc != devcgAllAccs {
		// Any requested access denied: request & acc != 0.
		tests = append(tests, insn(bpfMov32Reg, 1, 3, 0, 0), insn(bpfAnd32Imm, 1, 0, 0, int32(acc)),
			insn(bpfJeq32Imm, 1, 0, 0, 0))
	}
	verdict := int32(0)
	if d.Allow {
		verdict = 1
	}
	block := append(tests, insn(bpfMov64Imm, 0, 0, 0, verdict), insn(bpfExit, 0, 0, 0, 0))
	// Every test jumps to the end of the block (the next rule).
	for i := range tests {
		if c := block[i].code; c == bpfJne32Imm || c == bpfJeq32Imm {
			block[i].off = int16(len(block) - i - 1)
		}
	}
	return block, nil
}

// accessBits is a rule's access string as BPF_DEVCG_ACC_* bits ("": all).
func accessBits(access string) int32 {
	if access == "" {
		return devcgAllAccs
	}
	var a int32
	for _, c := range access {
		switch c {
		case 'r':
			a |= devcgRead
		case 'w':
			a |= devcgWrite
		case 'm':
			a |= devcgMknod
		}
	}
	return a
}
