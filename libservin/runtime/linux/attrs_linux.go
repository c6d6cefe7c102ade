package linux

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ioprio classes (linux/ioprio.h).
var ioprioClass = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT: 1, specs.IOPRIO_CLASS_BE: 2, specs.IOPRIO_CLASS_IDLE: 3,
}

// ioprioValue is ioprio_set(2)'s value for process.ioPriority.
func ioprioValue(p *specs.LinuxIOPriority) (int, error) {
	class, ok := ioprioClass[p.Class]
	if !ok {
		return 0, fmt.Errorf("invalid ioPriority class %q", p.Class)
	}
	if p.Priority < 0 || p.Priority > 7 {
		return 0, fmt.Errorf("invalid ioPriority priority %d (want 0-7)", p.Priority)
	}
	return class<<13 | p.Priority, nil
}

// setIOPriority applies process.ioPriority.
func setIOPriority(p *specs.LinuxIOPriority) error {
	if p == nil {
		return nil
	}
	v, err := ioprioValue(p)
	if err != nil {
		return err
	}
	const whoProcess = 1
	if _, _, e := unix.Syscall(unix.SYS_IOPRIO_SET, whoProcess, 0, uintptr(v)); e != 0 {
		return fmt.Errorf("set io priority: %w", e)
	}
	return nil
}

var schedPolicy = map[specs.LinuxSchedulerPolicy]uint32{
	specs.SchedOther: 0, specs.SchedFIFO: 1, specs.SchedRR: 2, specs.SchedBatch: 3,
	specs.SchedISO: 4, specs.SchedIdle: 5, specs.SchedDeadline: 6,
}

var schedFlag = map[specs.LinuxSchedulerFlag]uint64{
	specs.SchedFlagResetOnFork: 0x01, specs.SchedFlagReclaim: 0x02, specs.SchedFlagDLOverrun: 0x04,
	specs.SchedFlagKeepPolicy: 0x08, specs.SchedFlagKeepParams: 0x10,
	specs.SchedFlagUtilClampMin: 0x20, specs.SchedFlagUtilClampMax: 0x40,
}

// schedAttr is struct sched_attr (sched_setattr(2)).
type schedAttr struct {
	size             uint32
	policy           uint32
	flags            uint64
	nice             int32
	priority         uint32
	runtime          uint64
	deadline         uint64
	period           uint64
	utilMin, utilMax uint32
}

// setScheduler applies process.scheduler with sched_setattr(2).
func setScheduler(s *specs.Scheduler) error {
	if s == nil {
		return nil
	}
	policy, ok := schedPolicy[s.Policy]
	if !ok {
		return fmt.Errorf("invalid scheduler policy %q", s.Policy)
	}
	a := schedAttr{policy: policy, nice: s.Nice, priority: uint32(s.Priority),
		runtime: s.Runtime, deadline: s.Deadline, period: s.Period}
	a.size = uint32(unsafe.Sizeof(a))
	for _, f := range s.Flags {
		v, ok := schedFlag[f]
		if !ok {
			return fmt.Errorf("invalid scheduler flag %q", f)
		}
		a.flags |= v
	}
	if _, _, e := unix.Syscall(unix.SYS_SCHED_SETATTR, 0, uintptr(unsafe.Pointer(&a)), 0); e != 0 {
		return fmt.Errorf("set scheduler %s: %w", s.Policy, e)
	}
	return nil
}

// setPersonality applies linux.personality (execution domain).
func setPersonality(p *specs.LinuxPersonality) error {
	if p == nil {
		return nil
	}
	var dom uintptr
	switch p.Domain {
	case specs.PerLinux:
		dom = 0x0000
	case specs.PerLinux32:
		dom = 0x0008
	default:
		return fmt.Errorf("invalid personality domain %q", p.Domain)
	}
	if len(p.Flags) > 0 {
		return fmt.Errorf("personality flags %v are not supported", p.Flags)
	}
	if _, _, e := unix.Syscall(unix.SYS_PERSONALITY, dom, 0, 0); e != 0 {
		return fmt.Errorf("set personality %s: %w", p.Domain, e)
	}
	return nil
}

// applyLSM sets the AppArmor profile or SELinux label the process execs
// with. On a host without that LSM it returns a warning, as runc warns
// rather than failing when the host cannot apply it.
func applyLSM(p *specs.Process) (warnings []string, err error) {
	if p.ApparmorProfile != "" {
		if b, _ := os.ReadFile("/sys/module/apparmor/parameters/enabled"); strings.TrimSpace(string(b)) != "Y" {
			warnings = append(warnings, fmt.Sprintf("apparmor profile %q not applied: AppArmor is not enabled on this host", p.ApparmorProfile))
		} else if err := writeAttr("apparmor/exec", "exec "+p.ApparmorProfile); err != nil {
			return nil, fmt.Errorf("set apparmor profile %q: %w", p.ApparmorProfile, err)
		}
	}
	if p.SelinuxLabel != "" {
		if _, err := os.Stat("/sys/fs/selinux/enforce"); err != nil {
			warnings = append(warnings, fmt.Sprintf("selinux label %q not applied: SELinux is not enabled on this host", p.SelinuxLabel))
		} else if err := writeAttr("exec", p.SelinuxLabel); err != nil {
			return nil, fmt.Errorf("set selinux label %q: %w", p.SelinuxLabel, err)
		}
	}
	return warnings, nil
}

func writeAttr(name, value string) error {
	// /proc/thread-self: the attribute is per thread, and this thread execs.
	err := os.WriteFile("/proc/thread-self/attr/"+name, []byte(value), 0)
	if errors.Is(err, os.ErrNotExist) && strings.HasPrefix(name, "apparmor/") {
		err = os.WriteFile("/proc/thread-self/attr/exec", []byte(value), 0)
	}
	return err
}
