package seccomp

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Compile translates a seccomp configuration into the classic BPF program
// that Load installs, for this build's native architecture plus the
// configured ones. It is pure: it touches no kernel state. Errors wrap
// ErrInvalid.
func Compile(c *specs.LinuxSeccomp) ([]unix.SockFilter, error) {
	prog, err := compile(c, NativeArch())
	if err != nil {
		return nil, err
	}
	return toSockFilter(prog), nil
}

func toSockFilter(prog []insn) []unix.SockFilter {
	out := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		out[i] = unix.SockFilter{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return out
}
