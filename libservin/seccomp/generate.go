package seccomp

import (
	"maps"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// chunk bounds a run of syscall compares that share one return
// instruction, so that every compare reaches it with an 8-bit jump.
const chunk = 250

// generate lays out the program:
//
//	ld arch; jeq AUDIT_1 → block 1; ...; ret KILL (bad arch)
//	block: ld nr; jeq nr → ret ACTION (per action, unconditional rules);
//	       jeq nr → rules of nr (conditional); [nr > max → ret ENOSYS];
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
	uncond := map[uint32][]uint32{} // action → syscall numbers
	var conds []uint32
	for nr, rs := range ar.rules {
		if i := slices.IndexFunc(rs, func(r rule) bool { return len(r.conds) == 0 }); i >= 0 {
			uncond[rs[i].action] = append(uncond[rs[i].action], nr)
		} else {
			conds = append(conds, nr)
		}
	}
	for _, act := range slices.Sorted(maps.Keys(uncond)) {
		nrs := uncond[act]
		slices.Sort(nrs)
		for len(nrs) > 0 {
			n := min(len(nrs), chunk)
			lret, lnext := a.newLabel(), a.newLabel()
			for i, nr := range nrs[:n] {
				jf := next
				if i == n-1 {
					jf = lnext
				}
				a.jmp(bpfJeq, nr, lret, jf)
			}
			a.bind(lret)
			a.ret(act)
			a.bind(lnext)
			nrs = nrs[n:]
		}
	}
	slices.Sort(conds)
	bodies := make([]label, len(conds))
	for i, nr := range conds {
		bodies[i] = a.newLabel()
		a.jmp(bpfJeq, nr, bodies[i], next)
	}
	if def != retAllow && def != retLog {
		// runc: syscalls newer than the table get ENOSYS, so that libc
		// falls back to the older syscall instead of failing with EPERM.
		ldef := a.newLabel()
		a.jmp(bpfJgt, ar.def.maxNr(), next, ldef)
		a.ret(retErrno | errnoENOSYS)
		a.bind(ldef)
	}
	a.ret(def)
	for i, nr := range conds {
		a.bind(bodies[i])
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
