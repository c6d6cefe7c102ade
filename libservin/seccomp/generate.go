package seccomp

import (
	"maps"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// leafSize is how many syscall numbers a leaf of the dispatch tree
// compares one after the other.
const leafSize = 8

// generate lays out the program:
//
//	ld arch; jeq AUDIT_1 → block 1; ...; ret KILL (bad arch)
//	block: ld nr; binary search over the syscall numbers that have rules
//	       (jge), ending in leaves of up to leafSize jeq's that go to the
//	       leaf's "ret ACTION" (unconditional rules) or to the syscall's
//	       rules (conditional); not found: [nr > max → ret ENOSYS];
//	       ret DEFAULT; rules of nr: conds → ret ACTION; ...; ret DEFAULT
func generate(arches []*archRules, def uint32) ([]insn, error) {
	type group struct {
		audit     uint32
		main, x32 *archRules
		l         label
	}
	var a assembler
	var groups []*group
	for _, ar := range arches {
		var g *group
		for _, h := range groups {
			if h.audit == ar.def.audit {
				g = h
			}
		}
		if g == nil {
			g = &group{audit: ar.def.audit, l: a.newLabel()}
			groups = append(groups, g)
		}
		if ar.def.name == specs.ArchX32 {
			g.x32 = ar
		} else {
			g.main = ar
		}
	}
	a.ld(offArch)
	for _, g := range groups {
		a.jmp(bpfJeq, g.audit, g.l, next)
	}
	a.ret(retKillThread) // libseccomp's default "bad arch" action
	for _, g := range groups {
		a.bind(g.l)
		if g.audit != auditX86_64 {
			emitArch(&a, g.main, def)
			continue
		}
		// x86_64 and x32 share the audit arch; the syscall number tells.
		a.ld(offNr)
		lx32, lmain := a.newLabel(), a.newLabel()
		// nr -1 (syscall(-1), a tracer skipping the call) is no x32 call.
		a.jmp(bpfJeq, 0xffffffff, lmain, next)
		a.jmp(bpfJge, x32SyscallBit, lx32, lmain)
		a.bind(lx32)
		if g.x32 != nil {
			emitArch(&a, g.x32, def)
		} else {
			a.ret(retKillThread)
		}
		a.bind(lmain)
		if g.main != nil {
			emitArch(&a, g.main, def)
		} else {
			a.ret(retKillThread)
		}
	}
	return a.assemble()
}

const auditX86_64 = 0xc000003e

func emitArch(a *assembler, ar *archRules, def uint32) {
	a.ld(offNr)
	nrs := slices.Sorted(maps.Keys(ar.rules))
	// uncond[nr] is the action of the first unconditional rule, which
	// beats every conditional one (libseccomp); the others get bodies.
	uncond := map[uint32]uint32{}
	bodies := map[uint32]label{}
	for _, nr := range nrs {
		rs := ar.rules[nr]
		if i := slices.IndexFunc(rs, func(r rule) bool { return len(r.conds) == 0 }); i >= 0 {
			uncond[nr] = rs[i].action
		} else {
			bodies[nr] = a.newLabel()
		}
	}
	miss := a.newLabel()
	emitTree(a, nrs, uncond, bodies, miss)
	a.bind(miss)
	if def != retAllow && def != retLog {
		// runc: syscalls newer than the table get ENOSYS, so that libc
		// falls back to the older syscall instead of failing with EPERM.
		ldef := a.newLabel()
		a.jmp(bpfJgt, ar.def.maxNr(), next, ldef)
		a.ret(retErrno | errnoENOSYS)
		a.bind(ldef)
	}
	a.ret(def)
	for _, nr := range nrs {
		l, ok := bodies[nr]
		if !ok {
			continue
		}
		a.bind(l)
		for _, r := range ar.rules[nr] {
			fail := a.newLabel()
			for _, c := range r.conds {
				emitCond(a, ar.def, c, fail)
			}
			a.ret(r.action)
			a.bind(fail)
		}
		a.ret(def)
	}
}

// emitTree emits the binary search over the sorted syscall numbers nrs
// (the accumulator holds seccomp_data.nr); numbers not in nrs go to miss.
func emitTree(a *assembler, nrs []uint32, uncond map[uint32]uint32, bodies map[uint32]label, miss label) {
	if len(nrs) > leafSize {
		mid := len(nrs) / 2
		right := a.newLabel()
		a.jmp(bpfJge, nrs[mid], right, next)
		emitTree(a, nrs[:mid], uncond, bodies, miss)
		a.bind(right)
		emitTree(a, nrs[mid:], uncond, bodies, miss)
		return
	}
	rets := map[uint32]label{} // this leaf's "ret ACTION" instructions
	var order []uint32
	for _, nr := range nrs {
		if l, ok := bodies[nr]; ok {
			a.jmp(bpfJeq, nr, l, next)
			continue
		}
		act := uncond[nr]
		if _, ok := rets[act]; !ok {
			rets[act] = a.newLabel()
			order = append(order, act)
		}
		a.jmp(bpfJeq, nr, rets[act], next)
	}
	a.ja(miss)
	for _, act := range order {
		a.bind(rets[act])
		a.ret(act)
	}
}

// emitCond falls through when the condition holds and jumps to fail when
// not. 64-bit values are compared on their high half first, then the low.
func emitCond(a *assembler, d *archDef, c cond, fail label) {
	lo, hi := uint32(offArgs+8*c.index), uint32(offArgs+8*c.index+4)
	if d.bigEndian {
		lo, hi = hi, lo
	}
	vlo, vhi := uint32(c.value), uint32(c.value>>32)
	if d.bits32 {
		a.ld(lo)
		switch c.op {
		case specs.OpEqualTo:
			a.jmp(bpfJeq, vlo, next, fail)
		case specs.OpNotEqual:
			a.jmp(bpfJeq, vlo, fail, next)
		case specs.OpGreaterThan:
			a.jmp(bpfJgt, vlo, next, fail)
		case specs.OpGreaterEqual:
			a.jmp(bpfJge, vlo, next, fail)
		case specs.OpLessThan:
			a.jmp(bpfJge, vlo, fail, next)
		case specs.OpLessEqual:
			a.jmp(bpfJgt, vlo, fail, next)
		case specs.OpMaskedEqual:
			a.and(vlo)
			a.jmp(bpfJeq, uint32(c.valueTwo), next, fail)
		}
		return
	}
	ok := a.newLabel()
	a.ld(hi)
	switch c.op {
	case specs.OpEqualTo:
		a.jmp(bpfJeq, vhi, next, fail)
		a.ld(lo)
		a.jmp(bpfJeq, vlo, next, fail)
	case specs.OpNotEqual:
		a.jmp(bpfJeq, vhi, next, ok)
		a.ld(lo)
		a.jmp(bpfJeq, vlo, fail, next)
	case specs.OpGreaterThan, specs.OpGreaterEqual:
		a.jmp(bpfJgt, vhi, ok, next)
		a.jmp(bpfJeq, vhi, next, fail)
		a.ld(lo)
		op := uint16(bpfJgt)
		if c.op == specs.OpGreaterEqual {
			op = bpfJge
		}
		a.jmp(op, vlo, next, fail)
	case specs.OpLessThan, specs.OpLessEqual:
		a.jmp(bpfJgt, vhi, fail, next)
		a.jmp(bpfJeq, vhi, next, ok)
		a.ld(lo)
		op := uint16(bpfJge) // lo >= v fails LT
		if c.op == specs.OpLessEqual {
			op = bpfJgt // lo > v fails LE
		}
		a.jmp(op, vlo, fail, next)
	case specs.OpMaskedEqual:
		a.and(vhi)
		a.jmp(bpfJeq, uint32(c.valueTwo>>32), next, fail)
		a.ld(lo)
		a.and(vlo)
		a.jmp(bpfJeq, uint32(c.valueTwo), next, fail)
	}
	a.bind(ok)
}
