package seccomp

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Offsets in struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

type cond struct {
	index           uint
	op              specs.LinuxSeccompOperator
	value, valueTwo uint64
}

type rule struct {
	action uint32
	conds  []cond
}

// archRules are the rules of one architecture, by syscall number, in the
// order the config lists them.
type archRules struct {
	def   *archDef
	rules map[uint32][]rule
}

// usesNotify reports whether any rule of the config has SCMP_ACT_NOTIFY.
func usesNotify(c *specs.LinuxSeccomp) bool {
	if c.DefaultAction == specs.ActNotify {
		return true
	}
	for _, s := range c.Syscalls {
		if s.Action == specs.ActNotify {
			return true
		}
	}
	return false
}

// Validate checks a seccomp configuration without building the filter
// program: actions, errnoRet, architectures, flags, operators, argument
// indexes and the notify constraints. Every error wraps ErrInvalid.
func Validate(c *specs.LinuxSeccomp) error {
	_, err := compile(c, NativeArch())
	return err
}

// compile builds the filter for a host whose native architecture is native.
func compile(c *specs.LinuxSeccomp, native specs.Arch) ([]insn, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: no seccomp configuration", ErrInvalid)
	}
	def, err := actionValue(c.DefaultAction, c.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("seccomp defaultAction: %w", err)
	}
	if _, err := filterFlags(c); err != nil {
		return nil, err
	}
	if err := checkNotify(c); err != nil {
		return nil, err
	}
	arches, err := selectArches(c, native)
	if err != nil {
		return nil, err
	}
	for i, s := range c.Syscalls {
		if err := addSyscall(arches, s, def); err != nil {
			return nil, fmt.Errorf("seccomp syscalls[%d] %v: %w", i, s.Names, err)
		}
	}
	return generate(arches, def)
}

func checkNotify(c *specs.LinuxSeccomp) error {
	if c.ListenerMetadata != "" && c.ListenerPath == "" {
		return fmt.Errorf("%w: listenerMetadata is set without listenerPath", ErrInvalid)
	}
	// The listener fd only reaches the agent after the filter is in place,
	// so the syscalls that send it must not wait for the agent (runc
	// forbids the same).
	if c.DefaultAction == specs.ActNotify {
		return fmt.Errorf("%w: SCMP_ACT_NOTIFY cannot be the default action", ErrInvalid)
	}
	if usesNotify(c) && c.ListenerPath == "" {
		return fmt.Errorf("%w: SCMP_ACT_NOTIFY is used but listenerPath is empty", ErrInvalid)
	}
	for _, s := range c.Syscalls {
		if s.Action != specs.ActNotify {
			continue
		}
		for _, n := range s.Names {
			if n == "write" || n == "sendmsg" || n == "socketcall" {
				return fmt.Errorf("%w: SCMP_ACT_NOTIFY cannot be used for %s, which sends the listener fd", ErrInvalid, n)
			}
		}
	}
	return nil
}

// selectArches returns the architectures of the filter: the native one
// first, then the listed ones, without duplicates and without the ones
// that have no syscall table.
func selectArches(c *specs.LinuxSeccomp, native specs.Arch) ([]*archRules, error) {
	var out []*archRules
	seen := map[specs.Arch]bool{}
	list := c.Architectures
	if native != "" { // "" on a GOARCH seccomp does not know
		list = append([]specs.Arch{native}, list...)
	}
	for _, a := range list {
		d, ok := lookupArch(a)
		if !ok {
			return nil, fmt.Errorf("%w: unknown architecture %q", ErrInvalid, a)
		}
		if seen[a] || d.table == nil {
			continue
		}
		seen[a] = true
		out = append(out, &archRules{def: d, rules: map[uint32][]rule{}})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no architecture with a syscall table", ErrInvalid)
	}
	return out, nil
}

func addSyscall(arches []*archRules, s specs.LinuxSyscall, def uint32) error {
	if len(s.Names) == 0 {
		return fmt.Errorf("%w: names is empty", ErrInvalid)
	}
	act, err := actionValue(s.Action, s.ErrnoRet)
	if err != nil {
		return err
	}
	conds := make([]cond, len(s.Args))
	perIndex := map[uint]int{}
	for i, a := range s.Args {
		if a.Index > 5 {
			return fmt.Errorf("%w: argument index %d out of range 0-5", ErrInvalid, a.Index)
		}
		if !slices.Contains(knownOperators, a.Op) {
			return fmt.Errorf("%w: unknown operator %q", ErrInvalid, a.Op)
		}
		conds[i] = cond{a.Index, a.Op, a.Value, a.ValueTwo}
		perIndex[a.Index]++
	}
	if act == def {
		return nil // redundant: runc drops it too
	}
	rules := []rule{{act, conds}}
	if len(perIndex) < len(conds) {
		// runc: several conditions on one argument become one rule each.
		rules = rules[:0]
		for _, c := range conds {
			rules = append(rules, rule{act, []cond{c}})
		}
	}
	for _, n := range s.Names {
		if n == "" {
			return fmt.Errorf("%w: empty syscall name", ErrInvalid)
		}
		for _, a := range arches {
			if nr, ok := a.def.nr(n); ok {
				a.rules[nr] = append(a.rules[nr], rules...)
			}
		}
	}
	return nil
}
