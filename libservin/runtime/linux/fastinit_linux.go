package linux

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"

	"github.com/moby/sys/capability"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/cgroups"
	"github.com/servin/servin/libservin/seccomp"
	"golang.org/x/sys/unix"
)

// The fast init. For the common container — no user namespace, a new mount
// namespace, no hooks that run inside the container, no terminal, no LSM
// labels — the parent compiles the whole set-up into a program of system
// calls (Program) and the nsenter constructor's C executor in the
// container process runs it and execs the process, before a Go runtime
// ever starts there: that runtime's start-up (~2 ms of CPU in a fresh
// pid and mount namespace), decoding the config and Go's own overheads
// were half of the CPU a container cost. Everything else still goes to
// the Go init (Init): when Program says no, the parent sends "G" and the
// config as before. The plans are the Go init's own (planMount,
// planCgroupMounts, devicePlan, parseCaps, seccomp.Compile); the C side
// only carries them out, in the Go init's order, with its error messages.
//
// Wire format (after the leading 'X'): a sequence of operations, each an
// opcode byte, an argument count byte, and that many arguments, each a
// little-endian uint32 length and the bytes. Numbers are decimal text.
// The opcodes are the fop* constants; libservin/runtime/nsenter executes
// them (fastinit_linux.go there).
const (
	fopSetsid       = 'S' // ignore-error(0/1)
	fopKeyring      = 'K' // name
	fopUmask        = 'u' // mask
	fopPropagateFS  = 'p' // flags: mount("", "/", "", flags) before the mounts
	fopRootfs       = 'R' // path: open it and bind it onto itself
	fopMount        = 'M' // dest, file(0/1/"?": stat the bind source), then 8 args per step
	fopFallback     = 'F' // same as M: run instead of the previous M when its first step fails with EPERM/EBUSY
	fopDevice       = 'D' // path, st_mode, dev, uid, gid
	fopSymlink      = 'L' // path, target, replace(0/1)
	fopPivot        = 'P' //
	fopPropagateNew = 'a' // flags, name: mount("", "/", "", flags) after pivot_root
	fopHostname     = 'H' // name
	fopDomainname   = 'h' // name
	fopSysctl       = 'Y' // key, path, value
	fopReadonly     = 'r' // path
	fopMask         = 'm' // path
	fopRootReadonly = 'O' //
	fopIOPrio       = 'I' // value
	fopOOMScore     = 'o' // value
	fopNoNewPrivs   = 'N' //
	fopBounding     = 'B' // keep-mask, last cap
	fopSeccomp      = 'Z' // program bytes, flags
	fopKeepCaps     = 'k' // 0/1
	fopUser         = 'U' // uid, gid, groups...
	fopCaps         = 'C' // effective, permitted, inheritable masks, ambient caps...
	fopChdir        = 'c' // cwd
	fopLookPath     = 'x' // name, PATH
	fopCloseFrom    = 'X' // first fd that must not reach the process
	fopReady        = 'W' // mode (fifo, direct, none), fifo fd
	fopRlimit       = 'l' // name, resource, soft, hard
	fopExec         = 'E' // argc, argv..., env...
)

// fastProgram builds an init program. tooBig is set when an operation
// cannot be encoded (more than 255 arguments, e.g. a config with
// hundreds of additional gids): the Go init takes such configs.
type fastProgram struct {
	b      []byte
	tooBig bool
}

func (p *fastProgram) op(code byte, args ...string) {
	if len(args) > 255 {
		p.tooBig = true
		return
	}
	p.b = append(p.b, code, byte(len(args)))
	for _, a := range args {
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(a)))
		p.b = append(p.b, a...)
	}
}

func num[T ~int | ~int32 | ~int64 | ~uint | ~uint32 | ~uint64 | ~uintptr](v T) string {
	return strconv.FormatInt(int64(v), 10)
}

func unum[T ~uint | ~uint32 | ~uint64 | ~uintptr](v T) string {
	return strconv.FormatUint(uint64(v), 10)
}

// mountPlan renders a plan as one operation.
func (p *fastProgram) mountPlan(code byte, mp mountPlan, file string) bool {
	if mp.copyUp || len(mp.steps) > 30 {
		return false
	}
	args := []string{mp.dest, file}
	for _, st := range mp.steps {
		if st.kind == stepMoveMount {
			return false
		}
		args = append(args, num(int(st.kind)), st.source, st.fstype, unum(st.flags), unum(st.cleared), st.data,
			unum(st.attrSet), unum(st.attrClr))
	}
	p.op(code, args...)
	if mp.fallback != nil {
		return p.mountPlan(fopFallback, *mp.fallback, "0")
	}
	return true
}

// Program returns the fast-init program for cfg, whose container process
// is pid (for exec as well), and warnings to log; ok is false when the Go
// init must do the set-up: anything the program does not cover, and every
// config the Go init would reject, so errors stay the Go init's.
func Program(cfg *InitConfig, pid int) (prog []byte, warnings []string, ok bool) {
	s := cfg.Spec
	if s == nil || s.Process == nil || s.Linux == nil {
		return nil, nil, false
	}
	p := s.Process
	l := s.Linux
	if p.Terminal || p.ApparmorProfile != "" || p.SelinuxLabel != "" || p.Scheduler != nil ||
		l.Personality != nil || len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0 || len(p.Args) == 0 {
		return nil, nil, false
	}
	//nolint:staticcheck // prestart is deprecated but still part of the spec
	if h := s.Hooks; h != nil && (len(h.Prestart) > 0 || len(h.CreateRuntime) > 0 ||
		len(h.CreateContainer) > 0 || len(h.StartContainer) > 0) {
		return nil, nil, false
	}
	newMountNS := false
	for _, ns := range l.Namespaces {
		switch ns.Type {
		case specs.UserNamespace:
			return nil, nil, false
		case specs.MountNamespace:
			newMountNS = ns.Path == ""
		}
	}
	if !cfg.Exec && (!newMountNS || cfg.NoPivot || len(cfg.MountFds) > 0) {
		return nil, nil, false
	}
	caps, err := parseCaps(p.Capabilities)
	if err != nil || checkRlimits(p.Rlimits) != nil {
		return nil, nil, false
	}
	if msg := caps.warning(); msg != "" {
		warnings = append(warnings, msg)
	}
	var filter []byte
	var filterFlags uint
	if l.Seccomp != nil {
		if filter, filterFlags, ok, err = seccomp.Program(l.Seccomp); err != nil || !ok {
			return nil, nil, false
		}
	}
	var b fastProgram
	b.op(fopSetsid, boolArg(cfg.Exec))
	if !cfg.Exec {
		if !cfg.NoNewKeyring {
			b.op(fopKeyring, "_ses."+cfg.ID)
		}
		if !b.rootfs(cfg, pid) {
			return nil, nil, false
		}
		hasUTS := HasNamespace(s, specs.UTSNamespace)
		if (s.Hostname != "" || s.Domainname != "") && !hasUTS {
			return nil, nil, false
		}
		if s.Hostname != "" {
			b.op(fopHostname, s.Hostname)
		}
		if s.Domainname != "" {
			b.op(fopDomainname, s.Domainname)
		}
		for k, v := range l.Sysctl {
			path, err := sysctlPath(k)
			if err != nil {
				return nil, nil, false
			}
			b.op(fopSysctl, k, path, v)
		}
		for _, path := range l.ReadonlyPaths {
			b.op(fopReadonly, path)
		}
		for _, path := range l.MaskedPaths {
			b.op(fopMask, path)
		}
		if s.Root != nil && s.Root.Readonly {
			b.op(fopRootReadonly)
		}
	}
	if p.IOPriority != nil {
		v, err := ioprioValue(p.IOPriority)
		if err != nil {
			return nil, nil, false
		}
		b.op(fopIOPrio, num(v))
	}
	// setupProcess's order.
	if p.OOMScoreAdj != nil {
		b.op(fopOOMScore, num(*p.OOMScoreAdj))
	}
	if p.NoNewPrivileges {
		b.op(fopNoNewPrivs)
	}
	if caps != nil {
		last, err := capability.LastCap()
		if err != nil {
			return nil, nil, false
		}
		b.op(fopBounding, unum(capMask(caps.bounding)), num(int(last)))
	}
	if filter != nil && !p.NoNewPrivileges {
		b.op(fopSeccomp, string(filter), unum(filterFlags))
	}
	b.op(fopKeepCaps, "1")
	user := []string{unum(p.User.UID), unum(p.User.GID)}
	for _, g := range p.User.AdditionalGids {
		user = append(user, unum(g))
	}
	b.op(fopUser, user...)
	b.op(fopKeepCaps, "0")
	if caps != nil {
		args := []string{unum(capMask(caps.effective)), unum(capMask(caps.permitted)), unum(capMask(caps.inheritable))}
		for _, a := range caps.ambient {
			args = append(args, num(int(a)))
		}
		b.op(fopCaps, args...)
	}
	b.op(fopUmask, unum(processUmask(p)))
	b.op(fopChdir, processCwd(p))
	b.op(fopLookPath, p.Args[0], searchPath(p.Env))
	b.op(fopCloseFrom, num(3+cfg.PreserveFds))
	switch {
	case cfg.Exec:
		b.op(fopReady, "none", "-1")
	case cfg.FifoFd < 0:
		b.op(fopReady, "direct", "-1")
	default:
		b.op(fopReady, "fifo", num(cfg.FifoFd))
	}
	for _, r := range p.Rlimits {
		res, _ := RlimitType(r.Type) // checked above
		b.op(fopRlimit, r.Type, num(res), unum(r.Soft), unum(r.Hard))
	}
	if filter != nil && p.NoNewPrivileges {
		b.op(fopSeccomp, string(filter), unum(filterFlags))
	}
	b.op(fopExec, append(append([]string{num(len(p.Args))}, p.Args...), p.Env...)...)
	if b.tooBig {
		return nil, nil, false
	}
	return b.b, warnings, true
}

func boolArg(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func capMask(cs []capability.Cap) uint64 {
	var m uint64
	for _, c := range cs {
		m |= 1 << uint(c)
	}
	return m
}

// rootfs adds prepareRootfs's operations: propagation, the self bind, the
// config's mounts, /dev, pivot_root and the final propagation.
func (b *fastProgram) rootfs(cfg *InitConfig, pid int) bool {
	s := cfg.Spec
	before, after, ok := rootPropagation(s.Linux.RootfsPropagation)
	if !ok {
		return false
	}
	rootfs := resolveRootfsBestEffort(cfg.Rootfs)
	b.op(fopUmask, "0")
	b.op(fopPropagateFS, unum(before))
	b.op(fopRootfs, rootfs)
	cgroupNS := HasNamespace(s, specs.CgroupNamespace)
	for _, m := range s.Mounts {
		if m.Type == "cgroup" && !isBindMount(m) {
			if !b.cgroupMount(m, pid, cgroupNS) {
				return false
			}
			continue
		}
		src := m.Source
		file := "0"
		if isBindMount(m) {
			src = bindSource(m.Source, cfg.Bundle)
			file = "?"
		}
		mp, err := planMount(m, src, true, -1)
		if err != nil || !b.mountPlan(fopMount, mp, file) {
			return false
		}
	}
	if needsDevSetup(s.Mounts) {
		devs, err := devicePlan(s) // checks every device's type (deviceMode)
		if err != nil {
			return false
		}
		for _, d := range devs {
			mode, _ := deviceMode(d)
			dev := uint64(unix.Mkdev(uint32(d.Major), uint32(d.Minor)))
			if d.Type == "p" {
				dev = 0
			}
			uid, gid := deviceOwner(d)
			b.op(fopDevice, d.Path, unum(mode), unum(dev), num(uid), num(gid))
		}
		links := devSymlinks
		if _, err := os.Stat("/proc/kcore"); err == nil {
			links = append(links[:len(links):len(links)], devSymlink{path: "/dev/core", target: "/proc/kcore"})
		}
		for _, l := range links {
			b.op(fopSymlink, l.path, l.target, boolArg(l.replace))
		}
	}
	b.op(fopPivot)
	if after != 0 {
		b.op(fopPropagateNew, unum(after), s.Linux.RootfsPropagation)
	}
	return true
}

// cgroupMount adds a "cgroup" mount entry: the host's hierarchies as the
// parent sees them, and the container process's own cgroups.
func (b *fastProgram) cgroupMount(m specs.Mount, pid int, cgroupNS bool) bool {
	infos, err := cgroups.Mounts()
	if err != nil {
		return false
	}
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return false
	}
	own, err := parseProcCgroup(f)
	f.Close()
	if err != nil {
		return false
	}
	l, err := planCgroupMounts(m, infos, own, cgroupNS)
	if err != nil {
		return false
	}
	for _, p := range l.plans {
		if !b.mountPlan(fopMount, p, "0") {
			return false
		}
	}
	for _, s := range l.symlinks {
		b.op(fopSymlink, s[0], s[1], "0")
	}
	for _, p := range l.finish {
		if !b.mountPlan(fopMount, p, "0") {
			return false
		}
	}
	return true
}
