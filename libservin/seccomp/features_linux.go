package seccomp

import "github.com/opencontainers/runtime-spec/specs-go/features"

// Features is the linux.seccomp part of the `servin-run features`
// document, probed on the running kernel.
func Features() *features.Seccomp {
	on := Supported()
	f := &features.Seccomp{Enabled: &on}
	if !on {
		return f
	}
	f.Actions = KnownActions()
	f.Operators = KnownOperators()
	f.Archs = KnownArchs()
	f.KnownFlags = KnownFlags()
	f.SupportedFlags = SupportedFlags()
	return f
}
