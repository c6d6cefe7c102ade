//go:build ignore

// mksysnum writes zsysnum.go: the syscall name → number tables of every
// architecture the seccomp compiler knows, taken from the SYS_* constants of
// golang.org/x/sys/unix (zsysnum_linux_*.go, themselves generated from the
// kernel's uapi headers). Run it with `go generate ./libservin/seccomp`.
//
// Two tables are not in x/sys and are derived here:
//   - x32 is the x86_64 table with __X32_SYSCALL_BIT (0x40000000) set, minus
//     the "64"-only entries of arch/x86/entry/syscalls/syscall_64.tbl, plus
//     the x32-specific compat entries 512-547 of that table;
//   - arm gets its private syscalls (__ARM_NR_BASE 0x0f0000 + 1..6) from
//     arch/arm/include/uapi/asm/unistd.h.
package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// goarch of an x/sys zsysnum file → Go name of the table.
var sources = []struct{ goarch, table string }{
	{"amd64", "AMD64"},
	{"386", "X86"},
	{"arm64", "ARM64"},
	{"arm", "ARM"},
	{"loong64", "LOONG64"},
	{"mips", "MIPS"},     // o32, shared by mipsle
	{"mips64", "MIPS64"}, // n64, shared by mips64le
	{"ppc", "PPC"},
	{"ppc64", "PPC64"}, // shared by ppc64le
	{"riscv64", "RISCV64"},
	{"s390x", "S390X"},
}

// x32Compat are the x32-only entries (512-547) of syscall_64.tbl; the x86_64
// numbers of these names are "64"-only and invalid for x32.
var x32Compat = map[string]int{
	"rt_sigaction": 512, "rt_sigreturn": 513, "ioctl": 514, "readv": 515,
	"writev": 516, "recvfrom": 517, "sendmsg": 518, "recvmsg": 519,
	"execve": 520, "ptrace": 521, "rt_sigpending": 522, "rt_sigtimedwait": 523,
	"rt_sigqueueinfo": 524, "sigaltstack": 525, "timer_create": 526,
	"mq_notify": 527, "kexec_load": 528, "waitid": 529, "set_robust_list": 530,
	"get_robust_list": 531, "vmsplice": 532, "move_pages": 533, "preadv": 534,
	"pwritev": 535, "rt_tgsigqueueinfo": 536, "recvmmsg": 537, "sendmmsg": 538,
	"process_vm_readv": 539, "process_vm_writev": 540, "setsockopt": 541,
	"getsockopt": 542, "io_setup": 543, "io_submit": 544, "execveat": 545,
	"preadv2": 546, "pwritev2": 547,
}

// x32Missing are the remaining "64"-only entries of syscall_64.tbl, which
// x32 does not have at all.
var x32Missing = map[string]bool{
	"uselib": true, "_sysctl": true, "create_module": true, "get_kernel_syms": true,
	"query_module": true, "nfsservctl": true, "set_thread_area": true,
	"get_thread_area": true, "epoll_ctl_old": true, "epoll_wait_old": true,
	"vserver": true, "uretprobe": true, "uprobe": true, "map_shadow_stack": true,
}

var armPrivate = map[string]int{
	"breakpoint": 0x0f0001, "cacheflush": 0x0f0002, "usr26": 0x0f0003,
	"usr32": 0x0f0004, "set_tls": 0x0f0005, "get_tls": 0x0f0006,
}

// notSyscall tells SYS_* constants that name no syscall: markers and
// placeholder slots.
func notSyscall(name string) bool {
	return name == "syscall_mask" || name == "arch_specific_syscall" ||
		strings.HasPrefix(name, "reserved") || strings.HasPrefix(name, "unused")
}

const x32Bit = 0x40000000

func main() {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}} {{.Version}}", "golang.org/x/sys").Output()
	if err != nil {
		log.Fatalf("locate golang.org/x/sys: %v", err)
	}
	f := strings.Fields(string(out))
	dir, version := f[0], f[1]
	tables := map[string]map[string]int{}
	var order []string
	for _, s := range sources {
		t, err := parse(filepath.Join(dir, "unix", "zsysnum_linux_"+s.goarch+".go"))
		if err != nil {
			log.Fatal(err)
		}
		tables[s.table] = t
		order = append(order, s.table)
	}
	for n, nr := range armPrivate {
		tables["ARM"][n] = nr
	}
	x32 := map[string]int{}
	for n, nr := range tables["AMD64"] {
		if x32Missing[n] {
			continue
		}
		if c, ok := x32Compat[n]; ok {
			nr = c
		}
		x32[n] = nr | x32Bit
	}
	tables["X32"] = x32
	order = append(order, "X32")
	if err := write("zsysnum.go", version, order, tables); err != nil {
		log.Fatal(err)
	}
}

func parse(path string) (map[string]int, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, err
	}
	t := map[string]int{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			v := sp.(*ast.ValueSpec)
			for i, id := range v.Names {
				if !strings.HasPrefix(id.Name, "SYS_") || i >= len(v.Values) {
					continue
				}
				lit, ok := v.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.INT {
					continue
				}
				nr, err := strconv.ParseInt(lit.Value, 0, 64)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", path, id.Name, err)
				}
				name := strings.ToLower(strings.TrimPrefix(id.Name, "SYS_"))
				if !notSyscall(name) {
					t[name] = int(nr)
				}
			}
		}
	}
	if len(t) < 200 {
		return nil, fmt.Errorf("%s: only %d syscalls found", path, len(t))
	}
	return t, nil
}

func write(path, version string, order []string, tables map[string]map[string]int) error {
	set := map[string]bool{}
	for _, t := range tables {
		for n := range t {
			set[n] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by mksysnum.go from golang.org/x/sys/unix %s; DO NOT EDIT.\n\n", version)
	b.WriteString("package seccomp\n\n")
	b.WriteString("// syscallNames is every syscall name known on some architecture, sorted;\n")
	b.WriteString("// the sysnum* tables hold each name's number at the same index, or -1.\n")
	b.WriteString("var syscallNames = [...]string{\n")
	for _, n := range names {
		fmt.Fprintf(&b, "\t%q,\n", n)
	}
	b.WriteString("}\n")
	for _, a := range order {
		fmt.Fprintf(&b, "\nvar sysnum%s = [len(syscallNames)]int32{\n", a)
		for i, n := range names {
			nr, ok := tables[a][n]
			if !ok {
				nr = -1
			}
			fmt.Fprintf(&b, "%d,", nr)
			if i%16 == 15 {
				b.WriteString("\n")
			}
		}
		b.WriteString("\n}\n")
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return err
	}
	return os.WriteFile(path, src, 0o644)
}
