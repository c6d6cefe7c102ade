package cgroups

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runDeviceProgram interprets the instructions deviceProgram emits, so the
// rule semantics are tested without loading anything into a kernel.
func runDeviceProgram(t *testing.T, prog []bpfInsn, typ, access, major, minor uint32) bool {
	t.Helper()
	var r [11]uint64
	ctx := []uint32{typ | access<<16, major, minor}
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		dst, src := in.regs&0xf, in.regs>>4
		switch in.code {
		case bpfLdxMemW:
			if src != 1 || in.off%4 != 0 || int(in.off/4) >= len(ctx) {
				t.Fatalf("pc %d: bad context load", pc)
			}
			r[dst] = uint64(ctx[in.off/4])
		case bpfMov32Reg:
			r[dst] = uint64(uint32(r[src]))
		case bpfAnd32Imm:
			r[dst] = uint64(uint32(r[dst]) & uint32(in.imm))
		case bpfRsh32Imm:
			r[dst] = uint64(uint32(r[dst]) >> uint32(in.imm))
		case bpfMov64Imm:
			r[dst] = uint64(int64(in.imm))
		case bpfJne32Imm:
			if uint32(r[dst]) != uint32(in.imm) {
				pc += int(in.off)
			}
		case bpfJeq32Imm:
			if uint32(r[dst]) == uint32(in.imm) {
				pc += int(in.off)
			}
		case bpfExit:
			return r[0] == 1
		default:
			t.Fatalf("pc %d: unexpected opcode %#x", pc, in.code)
		}
	}
	t.Fatal("program ran off its end")
	return false
}

func TestDeviceProgram(t *testing.T) {
	allow := func(typ string, major, minor *int64, access string) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: true, Type: typ, Major: major, Minor: minor, Access: access}
	}
	deny := func(typ string, major, minor *int64, access string) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Type: typ, Major: major, Minor: minor, Access: access}
	}
	const c, b = devcgChar, devcgBlock
	const r, w, m = devcgRead, devcgWrite, devcgMknod
	type req struct {
		typ, access, major, minor uint32
		want                      bool
	}
	tests := []struct {
		name  string
		rules []specs.LinuxDeviceCgroup
		reqs  []req
	}{
		{"nothing: deny", nil, []req{{c, r, 1, 3, false}}},
		{"runc defaults", WithDefaultDevices(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{deny("", nil, nil, "rwm")}}).Devices, []req{
			{c, r | w, 1, 3, true}, {c, r, 1, 5, true}, {c, m, 8, 0, true}, {b, m, 8, 0, true},
			{b, r, 8, 0, false}, {c, r, 10, 200, false}, {c, r | w, 136, 4, true}, {c, w, 5, 1, false},
		}},
		{"allow all", []specs.LinuxDeviceCgroup{allow("a", nil, nil, "")}, []req{{b, r | w | m, 8, 1, true}, {c, r, 4, 4, true}}},
		{"later deny wins", []specs.LinuxDeviceCgroup{allow("a", nil, nil, "rwm"), deny("c", i64(1), i64(3), "w")}, []req{
			{c, r, 1, 3, true}, {c, w, 1, 3, false}, {c, r | w, 1, 3, false}, {c, w, 1, 5, true},
		}},
		{"later allow wins", []specs.LinuxDeviceCgroup{deny("a", nil, nil, "rwm"), allow("c", i64(1), nil, "r")}, []req{
			{c, r, 1, 9, true}, {c, r | w, 1, 9, false}, {b, r, 1, 9, false},
		}},
		{"split access needs one rule", []specs.LinuxDeviceCgroup{allow("c", i64(1), i64(3), "r"), allow("c", i64(1), i64(3), "w")}, []req{
			{c, r, 1, 3, true}, {c, w, 1, 3, true}, {c, r | w, 1, 3, false},
		}},
		{"big numbers", []specs.LinuxDeviceCgroup{allow("c", i64(4294967295), i64(2147483648), "rwm")}, []req{
			{c, r, 4294967295, 2147483648, true}, {c, r, 4294967295, 0, false},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog, err := deviceProgram(tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tc.reqs {
				if got := runDeviceProgram(t, prog, q.typ, q.access, q.major, q.minor); got != q.want {
					t.Errorf("type %d access %d %d:%d: allowed=%v, want %v", q.typ, q.access, q.major, q.minor, got, q.want)
				}
			}
		})
	}
	if _, err := deviceProgram([]specs.LinuxDeviceCgroup{{Type: "x"}}); err == nil {
		t.Error("bad rule type compiled")
	}
}

// TestDeviceProgramReachable: the kernel's verifier refuses unreachable
// instructions; a catch-all rule ends the program.
func TestDeviceProgramReachable(t *testing.T) {
	prog, err := deviceProgram([]specs.LinuxDeviceCgroup{
		{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"},
		{Access: "rwm"},
		{Allow: true, Type: "c", Major: i64(1), Minor: i64(5), Access: "r"},
	})
	if err != nil {
		t.Fatal(err)
	}
	reach := make([]bool, len(prog))
	var walk func(pc int)
	walk = func(pc int) {
		for ; pc < len(prog) && !reach[pc]; pc++ {
			reach[pc] = true
			switch prog[pc].code {
			case bpfExit:
				return
			case bpfJne32Imm, bpfJeq32Imm:
				walk(pc + 1 + int(prog[pc].off))
			}
		}
	}
	walk(0)
	for pc, ok := range reach {
		if !ok {
			t.Fatalf("instruction %d unreachable", pc)
		}
	}
	if !runDeviceProgram(t, prog, devcgChar, devcgRead, 1, 5) {
		t.Error("c 1:5 r denied after the catch-all deny")
	}
	if runDeviceProgram(t, prog, devcgChar, devcgRead, 1, 3) {
		t.Error("c 1:3 allowed before the catch-all deny")
	}
}
