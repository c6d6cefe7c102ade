package seccomp

import "fmt"

// Classic BPF opcodes (linux/bpf_common.h), as far as seccomp needs them.
const (
	bpfLdWAbs = 0x00 | 0x00 | 0x20 // BPF_LD | BPF_W | BPF_ABS
	bpfJmp    = 0x05
	bpfJa     = bpfJmp | 0x00
	bpfJeq    = bpfJmp | 0x10 // with BPF_K (0)
	bpfJgt    = bpfJmp | 0x20
	bpfJge    = bpfJmp | 0x30
	bpfRet    = 0x06 // with BPF_K
	bpfAndK   = 0x04 | 0x50

	// maxInsns is BPF_MAXINSNS, the kernel's limit on a filter's length.
	maxInsns = 4096
)

// insn is one classic BPF instruction (struct sock_filter).
type insn struct {
	Code   uint16
	Jt, Jf uint8
	K      uint32
}

// label names a forward jump target; next is the following instruction.
type label int

const next label = -1

type asmInsn struct {
	code   uint16
	k      uint32
	jt, jf label // conditional jumps
	ja     label // BPF_JA
}

// assembler builds a program with symbolic forward jumps. Conditional
// jumps only reach 255 instructions ahead; assemble inserts BPF_JA
// trampolines (32-bit offsets) where a target is farther.
type assembler struct {
	ins    []asmInsn
	labels []int // label → index in ins of the instruction it precedes
}

func (a *assembler) newLabel() label {
	a.labels = append(a.labels, -1)
	return label(len(a.labels) - 1)
}

func (a *assembler) bind(l label) { a.labels[l] = len(a.ins) }

func (a *assembler) ld(off uint32) { a.ins = append(a.ins, asmInsn{code: bpfLdWAbs, k: off}) }

func (a *assembler) and(k uint32) { a.ins = append(a.ins, asmInsn{code: bpfAndK, k: k}) }

func (a *assembler) ret(k uint32) { a.ins = append(a.ins, asmInsn{code: bpfRet, k: k}) }

func (a *assembler) jmp(code uint16, k uint32, jt, jf label) {
	a.ins = append(a.ins, asmInsn{code: code, k: k, jt: jt, jf: jf})
}

func (a *assembler) ja(l label) { a.ins = append(a.ins, asmInsn{code: bpfJa, ja: l}) }

// assemble resolves the labels into a program.
func (a *assembler) assemble() ([]insn, error) {
	n := len(a.ins)
	// tramp[i] bit 0: the true branch of i goes through a trampoline right
	// after i; bit 1: the false branch does (after the true one's).
	tramp := make([]uint8, n)
	pos := make([]int, n+1)
	for {
		p := 0
		for i := range n {
			pos[i] = p
			p += 1 + popcount(tramp[i])
		}
		pos[n] = p
		changed := false
		for i, in := range a.ins {
			if in.code&0x07 != bpfJmp || in.code == bpfJa {
				continue
			}
			for bit, l := range []label{in.jt, in.jf} {
				if tramp[i]&(1<<bit) != 0 || l == next {
					continue
				}
				off, err := a.offset(pos, i, l)
				if err != nil {
					return nil, err
				}
				if off > 255 {
					tramp[i] |= 1 << bit
					changed = true
				}
			}
		}
		if !changed {
			break
		}
	}
	if pos[n] > maxInsns {
		return nil, fmt.Errorf("%w: the filter has %d instructions, more than the kernel's limit of %d", ErrInvalid, pos[n], maxInsns)
	}
	out := make([]insn, 0, pos[n])
	for i, in := range a.ins {
		switch {
		case in.code == bpfJa:
			off, err := a.offset(pos, i, in.ja)
			if err != nil {
				return nil, err
			}
			out = append(out, insn{Code: bpfJa, K: uint32(off)})
		case in.code&0x07 == bpfJmp:
			t := popcount(tramp[i])
			br := func(bit int, l label, slot int) (uint8, int) {
				if tramp[i]&(1<<bit) != 0 {
					return uint8(slot), slot + 1
				}
				if l == next {
					return uint8(t), slot
				}
				off, _ := a.offset(pos, i, l)
				return uint8(off), slot
			}
			jt, slot := br(0, in.jt, 0)
			jf, _ := br(1, in.jf, slot)
			out = append(out, insn{Code: in.code, Jt: jt, Jf: jf, K: in.k})
			// Trampolines: an unconditional jump to the far target.
			for bit, l := range []label{in.jt, in.jf} {
				if tramp[i]&(1<<bit) != 0 {
					off, _ := a.offset(pos, i, l)
					here := len(out) // position of this trampoline
					out = append(out, insn{Code: bpfJa, K: uint32(pos[i] + 1 + off - here - 1)})
				}
			}
		default:
			out = append(out, insn{Code: in.code, K: in.k})
		}
	}
	return out, nil
}

// offset is the jump offset from instruction i to label l, counted from
// the instruction after i.
func (a *assembler) offset(pos []int, i int, l label) (int, error) {
	if l == next {
		return 0, nil
	}
	t := a.labels[l]
	if t <= i {
		return 0, fmt.Errorf("internal error: backward or unbound jump (label %d)", l)
	}
	return pos[t] - pos[i] - 1, nil
}

func popcount(b uint8) int { return int(b&1) + int(b>>1&1) }
