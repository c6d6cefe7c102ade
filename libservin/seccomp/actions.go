package seccomp

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SECCOMP_RET_* values (linux/seccomp.h).
const (
	retKillProcess = 0x80000000
	retKillThread  = 0x00000000
	retTrap        = 0x00030000
	retErrno       = 0x00050000
	retUserNotif   = 0x7fc00000
	retTrace       = 0x7ff00000
	retLog         = 0x7ffc0000
	retAllow       = 0x7fff0000
	retData        = 0x0000ffff

	errnoEPERM  = 1
	errnoENOSYS = 38
)

// Seccomp filter flags (linux/seccomp.h) and the TSYNC flag, which the
// runtime-spec list omits but runc and crun accept.
const (
	FlagTsync specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_TSYNC"

	flagTsync            = 1 << 0
	flagLog              = 1 << 1
	flagSpecAllow        = 1 << 2
	flagNewListener      = 1 << 3
	flagTsyncESRCH       = 1 << 4
	flagWaitKillableRecv = 1 << 5
)

var flagBits = map[specs.LinuxSeccompFlag]uint{
	FlagTsync:                              flagTsync,
	specs.LinuxSeccompFlagLog:              flagLog,
	specs.LinuxSeccompFlagSpecAllow:        flagSpecAllow,
	specs.LinuxSeccompFlagWaitKillableRecv: flagWaitKillableRecv,
}

var knownActions = []specs.LinuxSeccompAction{
	specs.ActKill, specs.ActKillProcess, specs.ActKillThread, specs.ActTrap,
	specs.ActErrno, specs.ActTrace, specs.ActAllow, specs.ActLog, specs.ActNotify,
}

var knownOperators = []specs.LinuxSeccompOperator{
	specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
	specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual,
}

// KnownActions lists the actions this package implements, for the
// `features` document (linux.seccomp.actions).
func KnownActions() []string { return strs(knownActions) }

// KnownOperators lists the argument operators (linux.seccomp.operators).
func KnownOperators() []string { return strs(knownOperators) }

// KnownArchs lists every architecture name accepted in "architectures"
// (linux.seccomp.archs). SCMP_ARCH_MIPS64N32, MIPSEL64N32, S390, PARISC and
// PARISC64 are accepted but have no syscall table: see the package doc.
func KnownArchs() []string {
	out := make([]string, len(archDefs))
	for i, a := range archDefs {
		out[i] = string(a.name)
	}
	return out
}

// KnownFlags lists the filter flags accepted in "flags"
// (linux.seccomp.knownFlags).
func KnownFlags() []string {
	out := make([]string, 0, len(flagBits))
	for f := range flagBits {
		out = append(out, string(f))
	}
	slices.Sort(out)
	return out
}

func strs[S ~string](in []S) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = string(s)
	}
	return out
}

// actionValue translates an action and its errnoRet to a SECCOMP_RET_*.
func actionValue(act specs.LinuxSeccompAction, errnoRet *uint) (uint32, error) {
	data := uint32(errnoEPERM)
	if errnoRet != nil {
		if act != specs.ActErrno && act != specs.ActTrace {
			return 0, fmt.Errorf("%w: errnoRet is set but action %s takes no errno", ErrInvalid, act)
		}
		if *errnoRet > retData {
			return 0, fmt.Errorf("%w: errnoRet %d does not fit in 16 bits", ErrInvalid, *errnoRet)
		}
		data = uint32(*errnoRet)
	}
	switch act {
	case specs.ActKill, specs.ActKillThread:
		return retKillThread, nil
	case specs.ActKillProcess:
		return retKillProcess, nil
	case specs.ActTrap:
		return retTrap, nil
	case specs.ActErrno:
		return retErrno | data, nil
	case specs.ActTrace:
		return retTrace | data, nil
	case specs.ActAllow:
		return retAllow, nil
	case specs.ActLog:
		return retLog, nil
	case specs.ActNotify:
		return retUserNotif, nil
	case "":
		return 0, fmt.Errorf("%w: empty action", ErrInvalid)
	}
	return 0, fmt.Errorf("%w: unknown action %q", ErrInvalid, act)
}

// filterFlags translates the config's flags into seccomp(2) filter flags.
// Unknown flags are an error.
func filterFlags(c *specs.LinuxSeccomp) (uint, error) {
	var f uint
	for _, fl := range c.Flags {
		b, ok := flagBits[fl]
		if !ok {
			return 0, fmt.Errorf("%w: unknown flag %q", ErrInvalid, fl)
		}
		f |= b
	}
	return f, nil
}
