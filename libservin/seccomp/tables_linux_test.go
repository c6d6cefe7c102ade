package seccomp_test

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/seccomp"
)

// TestX32TableMatchesHeaders checks the derived x32 table against the
// kernel's uapi header when the host has it (Debian: linux-libc-dev).
func TestX32TableMatchesHeaders(t *testing.T) {
	const h = "/usr/include/x86_64-linux-gnu/asm/unistd_x32.h"
	f, err := os.Open(h)
	if err != nil {
		t.Skipf("skipping: %s not present (apt-get install linux-libc-dev)", h)
	}
	defer f.Close()
	re := regexp.MustCompile(`^#define __NR_(\w+) \(__X32_SYSCALL_BIT \+ (\d+)\)`)
	inHeader := map[string]bool{}
	max := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		inHeader[m[1]] = true
		if n < 512 && n > max {
			max = n
		}
		got, ok := seccomp.SyscallNumber(specs.ArchX32, m[1])
		if !ok || got != uint32(0x40000000+n) {
			t.Errorf("x32 %s: got %#x %v, header says %#x", m[1], got, ok, 0x40000000+n)
		}
	}
	if len(inHeader) < 300 {
		t.Fatalf("only %d x32 syscalls in %s", len(inHeader), h)
	}
	// Nothing the header (as old as it is) leaves out may be in the table.
	for _, n := range seccomp.SyscallNames() {
		nr, ok := seccomp.SyscallNumber(specs.ArchX32, n)
		if ok && int(nr&^0x40000000) <= max && !inHeader[n] {
			t.Errorf("x32 %s (%#x) is not in %s", n, nr, h)
		}
	}
}
