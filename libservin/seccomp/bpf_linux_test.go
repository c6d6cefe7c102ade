package seccomp

import (
	"fmt"
	"testing"
)

// TestAssemblerFarJumps checks trampolines for every combination of near
// and far targets of a conditional jump.
func TestAssemblerFarJumps(t *testing.T) {
	for _, farT := range []bool{false, true} {
		for _, farF := range []bool{false, true} {
			t.Run(fmt.Sprintf("farTrue=%v/farFalse=%v", farT, farF), func(t *testing.T) {
				var a assembler
				lt, lf := a.newLabel(), a.newLabel()
				a.ld(offNr)
				a.jmp(bpfJeq, 7, lt, lf)
				pad := func(far bool) {
					if far {
						for range 300 {
							a.ld(offArch)
						}
					}
				}
				// Layout: jeq; [pad]; lf: ret 2; [pad]; lt: ret 1.
				pad(farF)
				a.bind(lf)
				a.ret(2)
				pad(farT)
				a.bind(lt)
				a.ret(1)
				prog, err := a.assemble()
				if err != nil {
					t.Fatal(err)
				}
				for nr, want := range map[int32]uint32{7: 1, 8: 2} {
					got, _, err := RunBPF(toSockFilter(prog), SeccompData{Nr: nr}, false)
					if err != nil || got != want {
						t.Errorf("nr %d: got %d, %v; want %d", nr, got, err, want)
					}
				}
			})
		}
	}
}

func TestAssemblerBackwardJump(t *testing.T) {
	var a assembler
	l := a.newLabel()
	a.bind(l)
	a.ld(offNr)
	a.jmp(bpfJeq, 1, l, next)
	a.ret(0)
	if _, err := a.assemble(); err == nil {
		t.Fatal("backward jump assembled")
	}
}
