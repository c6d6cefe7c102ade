package linux

import (
	"fmt"
	"strings"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// capMap maps "CAP_CHOWN" style names to capability values this library
// knows; the kernel may know fewer (see capability.LastCap).
var capMap = func() map[string]capability.Cap {
	m := make(map[string]capability.Cap)
	for _, c := range capability.ListKnown() {
		m["CAP_"+strings.ToUpper(c.String())] = c
	}
	return m
}()

// capSets is a parsed process.capabilities.
type capSets struct {
	bounding, effective, permitted, inheritable, ambient []capability.Cap
	// unavailable names capabilities the runtime cannot pass on.
	unavailable []string
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// parseCaps turns names into capabilities. An unknown name is an error
// (the suite's CAP_TEST); a known name the running kernel lacks is skipped,
// as there is nothing to grant.
func parseCaps(c *specs.LinuxCapabilities) (*capSets, error) {
	if c == nil {
		return nil, nil
	}
	last, err := capability.LastCap()
	if err != nil {
		return nil, fmt.Errorf("read last capability: %w", err)
	}
	// The runtime's own bounding set, one prctl per capability asked for
	// (capability.Load parses all of /proc/self/status).
	bounding := map[capability.Cap]bool{}
	inBounding := func(v capability.Cap) (bool, error) {
		has, ok := bounding[v]
		if !ok {
			r, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(v), 0, 0, 0)
			if err != nil {
				return false, fmt.Errorf("read own bounding set: %w", err)
			}
			has = r == 1
			bounding[v] = has
		}
		return has, nil
	}
	var s capSets
	conv := func(names []string) ([]capability.Cap, error) {
		var out []capability.Cap
		for _, n := range names {
			v, ok := capMap[strings.ToUpper(n)]
			if !ok {
				return nil, fmt.Errorf("unknown capability %q", n)
			}
			if v > last {
				continue // the kernel does not have it: nothing to grant
			}
			has, err := inBounding(v)
			switch {
			case err != nil:
				return nil, err
			case !has:
				// The runtime itself lacks it (e.g. CAP_SYS_RESOURCE
				// dropped from the host's bounding set): grant the rest.
				s.unavailable = appendOnce(s.unavailable, n)
			default:
				out = append(out, v)
			}
		}
		return out, nil
	}
	var errs [5]error
	s.bounding, errs[0] = conv(c.Bounding)
	s.effective, errs[1] = conv(c.Effective)
	s.permitted, errs[2] = conv(c.Permitted)
	s.inheritable, errs[3] = conv(c.Inheritable)
	s.ambient, errs[4] = conv(c.Ambient)
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	return &s, nil
}

// warning says which capabilities the runtime could not grant ("" when
// none).
func (s *capSets) warning() string {
	if s == nil || len(s.unavailable) == 0 {
		return ""
	}
	return "capabilities not granted, the runtime itself lacks them: " + strings.Join(s.unavailable, ", ")
}

// applyBounding drops every capability not in the bounding set. It needs
// CAP_SETPCAP, so it runs before the user changes.
func (s *capSets) applyBounding() error {
	if s == nil {
		return nil
	}
	c, err := capability.NewPid2(0)
	if err != nil {
		return err
	}
	if err := c.Load(); err != nil {
		return fmt.Errorf("load capabilities: %w", err)
	}
	c.Clear(capability.BOUNDING)
	c.Set(capability.BOUNDING, s.bounding...)
	if err := c.Apply(capability.BOUNDING); err != nil {
		return fmt.Errorf("apply bounding capabilities: %w", err)
	}
	return nil
}

// apply sets the effective, permitted, inheritable and ambient sets of the
// calling thread, which is the one that will execve the process.
func (s *capSets) apply() error {
	if s == nil {
		return nil
	}
	c, err := capability.NewPid2(0)
	if err != nil {
		return err
	}
	if err := c.Load(); err != nil {
		return fmt.Errorf("load capabilities: %w", err)
	}
	c.Clear(capability.CAPS)
	c.Set(capability.EFFECTIVE, s.effective...)
	c.Set(capability.PERMITTED, s.permitted...)
	c.Set(capability.INHERITABLE, s.inheritable...)
	if err := c.Apply(capability.CAPS); err != nil {
		return fmt.Errorf("apply capabilities: %w", err)
	}
	// An ambient capability must also be permitted and inheritable; like
	// runc, one that is not is skipped rather than failing the container
	// (runc spec lists ambient caps without inheritable ones).
	for _, a := range s.ambient {
		_ = capability.SetAmbient(true, a)
	}
	return nil
}
