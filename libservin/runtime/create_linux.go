package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/cgroups"
	"github.com/servin/servin/libservin/internal/unixsock"
	"github.com/servin/servin/libservin/runtime/hooks"
	"github.com/servin/servin/libservin/runtime/linux"
	"github.com/servin/servin/libservin/runtime/nsenter"
	"github.com/servin/servin/libservin/spec"
	"github.com/servin/servin/libservin/store"
	"golang.org/x/sys/unix"
)

// Create sets up container id from a bundle and leaves its process waiting
// for Start (runtime-spec "create"). On failure nothing is left behind.
func (r *Runtime) Create(ctx context.Context, id string, o CreateOptions) error {
	_, _, err := r.create(ctx, id, o)
	return err
}

// create is Create, returning the record it saved and, with o.direct, the
// init's sync socket to start it with (see startDirect).
func (r *Runtime) create(ctx context.Context, id string, o CreateOptions) (_ *record, _ *os.File, err error) {
	if err := ValidateID(id); err != nil {
		return nil, nil, err
	}
	bundle, err := filepath.Abs(o.Bundle)
	if err != nil {
		return nil, nil, err
	}
	s, specJSON := o.spec, o.specJSON
	if s == nil {
		if s, specJSON, err = spec.LoadRaw(bundle); err != nil {
			return nil, nil, err
		}
	}
	self := startSelfCopy(!linux.HasNamespace(s, specs.UserNamespace))
	defer self.release()
	if s.Process.Terminal && o.ConsoleSocket == "" {
		return nil, nil, errors.New("cannot allocate tty if servin-run will detach without setting console socket")
	}
	if !s.Process.Terminal && o.ConsoleSocket != "" {
		return nil, nil, errors.New("cannot use console socket if servin-run will not allocate tty")
	}
	dir := r.dir(id)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, nil, fmt.Errorf("container %s: %w", id, ErrExist)
		}
		return nil, nil, fmt.Errorf("create state directory: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	defer unlock()
	rec := &record{
		ID: id, Bundle: o.Bundle, Rootfs: spec.RootPath(s, bundle), Created: time.Now().UTC(),
		Annotations: s.Annotations, Spec: s, NoMountNS: !linux.HasNamespace(s, specs.MountNamespace),
		Owner: ownerName(), specJSON: specJSON,
	}
	// The suite compares the bundle string it gave; keep it absolute.
	if !filepath.IsAbs(rec.Bundle) {
		rec.Bundle = bundle
	}
	p := &initProc{rt: r, rec: rec, opts: o, self: self}
	defer func() {
		if err != nil {
			p.abort()
			os.RemoveAll(dir)
		}
	}()
	if err := p.start(ctx); err != nil {
		return nil, nil, err
	}
	if o.PidFile != "" {
		if err := store.ReplaceFile(o.PidFile, []byte(strconv.Itoa(rec.Pid)), 0o644); err != nil {
			return nil, nil, fmt.Errorf("write pid file: %w", err)
		}
	}
	if err := r.save(rec); err != nil {
		return nil, nil, err
	}
	if !o.direct {
		return rec, nil, nil
	}
	return rec, p.sync, nil
}

// initProc is one container init being started.
type initProc struct {
	rt      *Runtime
	rec     *record
	opts    CreateOptions
	initPid int // the init re-exec, until it is reaped
	sync    *os.File
	// cg is the cgroup create made (removed again on failure); join is
	// the one the init process enters (cg, or the container's for exec).
	cg   *cgroups.Manager
	join *cgroups.Manager
	self *selfCopy // the runtime binary copy to exec the init from
}

// createCgroup creates the container's cgroup and applies
// linux.resources before any process is in it; the init process joins it
// itself before it creates or joins any namespace (see
// nsenter.Bootstrap.CgroupV1), so every later fork, and a new cgroup
// namespace, starts there.
func (p *initProc) createCgroup() error {
	var path string
	var res *specs.LinuxResources
	if l := p.rec.Spec.Linux; l != nil {
		path, res = l.CgroupsPath, l.Resources
	}
	m, err := cgroups.New(path, p.rec.ID)
	if err != nil {
		return err
	}
	p.cg = m
	err = m.Apply(0)
	p.rec.CgroupPaths = m.Paths()
	if err == nil && os.Geteuid() != 0 {
		err = checkJoinable(m)
	}
	if err != nil && os.Geteuid() != 0 && errors.Is(err, os.ErrPermission) {
		// Rootless without a delegated cgroup, as runc: fine as long as
		// nothing asks for limits.
		_ = m.Destroy()
		p.cg, p.rec.CgroupPaths = nil, nil
		if hasLimits(res) {
			return fmt.Errorf("rootless container needs a delegated cgroup for resource limits: %w", err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	p.join = m
	return m.Set(cgroups.WithDefaultDevices(res))
}

// checkJoinable reports os.ErrPermission when this (unprivileged) user
// may create the cgroup but not enter it.
func checkJoinable(m *cgroups.Manager) error {
	v1, v2 := m.JoinDirs()
	for _, d := range v1 {
		if err := unix.Access(filepath.Join(d, "tasks"), unix.W_OK); err != nil {
			return fmt.Errorf("join cgroup %s: %w", d, err)
		}
	}
	if v2 != "" {
		if err := unix.Access(filepath.Join(v2, "cgroup.procs"), unix.W_OK); err != nil {
			return fmt.Errorf("join cgroup %s: %w", v2, err)
		}
	}
	return nil
}

// hasLimits reports whether r asks for anything beyond device rules.
func hasLimits(r *specs.LinuxResources) bool {
	return r != nil && (r.Memory != nil || r.CPU != nil || r.Pids != nil || r.BlockIO != nil ||
		len(r.HugepageLimits) > 0 || r.Network != nil || len(r.Unified) > 0 || len(r.Rdma) > 0)
}

func (p *initProc) start(ctx context.Context) error {
	s := p.rec.Spec
	var fifoFile *os.File
	if !p.opts.direct {
		f, err := p.makeFifo()
		if err != nil {
			return err
		}
		defer f.Close()
		fifoFile = f
	}
	var err error
	var console *os.File
	if p.opts.ConsoleSocket != "" {
		if console, err = dialConsole(p.opts.ConsoleSocket); err != nil {
			return err
		}
		defer console.Close()
	}
	extra := make([]*os.File, 0, p.opts.PreserveFds+3)
	for i := 0; i < p.opts.PreserveFds; i++ {
		extra = append(extra, os.NewFile(uintptr(3+i), "preserved"))
	}
	cfg := &linux.InitConfig{
		ID: p.rec.ID, Bundle: p.rec.Bundle, Rootfs: p.rec.Rootfs, Spec: s,
		NoPivot: p.opts.NoPivot, NoNewKeyring: p.opts.NoNewKeyring, PreserveFds: p.opts.PreserveFds,
		FifoFd: -1, ConsoleFd: -1,
	}
	extra = append(extra, nil) // the sync socket, set by spawn
	if fifoFile != nil {
		cfg.FifoFd = 3 + len(extra)
		extra = append(extra, fifoFile)
	}
	if console != nil {
		cfg.ConsoleFd = 3 + len(extra)
		extra = append(extra, console)
	}
	trees, err := linux.PrepareIDMappedMounts(s, p.rec.Bundle)
	if err != nil {
		return err
	}
	for i, t := range trees {
		if i == 0 {
			cfg.MountFds = make([]int, len(trees))
		}
		cfg.MountFds[i] = -1
		if t != nil {
			defer t.Close()
			cfg.MountFds[i] = 3 + len(extra)
			extra = append(extra, t)
		}
	}
	boot, err := bootstrap(s)
	if err != nil {
		return err
	}
	if err := p.createCgroup(); err != nil {
		return err
	}
	// Record the cgroup before anything can fail later: if this process
	// dies mid-create, `delete --force` still finds and removes what was
	// made (status is stopped while pid is 0). The first state.json is
	// written in place, not replaced (list skips one it cannot decode yet).
	if err := p.rt.saveFirst(p.rec); err != nil {
		return err
	}
	pid, err := p.spawn(ctx, boot, extra, p.opts.PreserveFds)
	if err != nil {
		return err
	}
	p.rec.Pid = pid
	st, err := readStat(pid)
	if err != nil {
		return fmt.Errorf("container process %d: %w", pid, err)
	}
	p.rec.StartTime = st.startTime
	cfg.State = *p.rec.ociState(specs.StateCreated)
	return p.handshake(ctx, cfg, pid)
}

// makeFifo creates the exec fifo that start opens to let the init go on,
// and returns an O_PATH handle on it for the init.
func (p *initProc) makeFifo() (*os.File, error) {
	fifo := filepath.Join(p.rt.dir(p.rec.ID), fifoName)
	if err := unix.Mkfifo(fifo, 0o622); err != nil {
		return nil, fmt.Errorf("create exec fifo: %w", err)
	}
	// Not subject to the umask: the process may run as any user by then.
	if err := os.Chmod(fifo, 0o622); err != nil {
		return nil, fmt.Errorf("chmod exec fifo: %w", err)
	}
	f, err := os.OpenFile(fifo, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open exec fifo: %w", err)
	}
	return f, nil
}

// spawn starts the init re-exec from a sealed copy of the runtime and runs
// the nsenter bootstrap; it returns the container process's pid.
func (p *initProc) spawn(ctx context.Context, boot nsenter.Bootstrap, extra []*os.File, syncIndex int) (int, error) {
	s := p.rec.Spec
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("create sync socket: %w", err)
	}
	p.sync = os.NewFile(uintptr(fds[0]), "sync-parent")
	child := os.NewFile(uintptr(fds[1]), "sync-child")
	defer child.Close()
	extra[syncIndex] = child
	exe, err := p.self.get()
	if err != nil {
		return 0, err
	}
	stdio := func(f, def *os.File) *os.File {
		if f != nil {
			return f
		}
		return def
	}
	files := []uintptr{stdio(p.opts.Stdin, os.Stdin).Fd(), stdio(p.opts.Stdout, os.Stdout).Fd(), stdio(p.opts.Stderr, os.Stderr).Fd()}
	for _, f := range extra {
		files = append(files, f.Fd())
	}
	env := []string{nsenter.EnvInitPipe + "=" + strconv.Itoa(3+syncIndex), "GOMAXPROCS=1", "GOGC=off"}
	exeFd, err := dupAbove(exe, files)
	if err != nil {
		return 0, err
	}
	// syscall.ForkExec, not os/exec: os.StartProcess probes pidfd support
	// first (a few system calls per process), and nothing here needs it.
	p.initPid, err = syscall.ForkExec("/proc/self/fd/"+strconv.Itoa(exeFd), []string{"servin-run", "init"},
		&syscall.ProcAttr{Env: env, Files: files})
	goruntime.KeepAlive(extra)
	unix.Close(exeFd)
	p.self.release() // the init maps it now
	if err != nil {
		return 0, fmt.Errorf("start container init: %w", err)
	}
	child.Close()
	if p.join != nil {
		boot.CgroupV1, boot.CgroupV2 = p.join.JoinDirs()
	}
	data, err := boot.Encode()
	if err != nil {
		return 0, err
	}
	if err := nsenter.WriteMessage(p.sync, data); err != nil {
		return 0, fmt.Errorf("send bootstrap: %w", err)
	}
	pid, err := p.readPid(s)
	if werr := waitInit(p.initPid); werr != nil && err == nil {
		err = fmt.Errorf("container init bootstrap: %w", werr)
	}
	return pid, err
}

// waitInit reaps the init re-exec, which exits once the container process
// is forked.
func waitInit(pid int) error {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	switch {
	case ws.Exited() && ws.ExitStatus() == 0:
		return nil
	case ws.Exited():
		return fmt.Errorf("exit status %d", ws.ExitStatus())
	case ws.Signaled():
		return fmt.Errorf("signal: %s", ws.Signal())
	}
	return fmt.Errorf("wait status %#x", uint32(ws))
}

// dupAbove duplicates exe to a descriptor number the child side of
// syscall.ForkExec never reuses: between fork and execve it dup2s every
// file it passes (files: the child's descriptor i is files[i]) to its
// position and moves its own error pipe and clashing descriptors to
// numbers just above the highest one it passes, so an
// execve("/proc/self/fd/N") with a low N can run one of those instead.
func dupAbove(exe *os.File, files []uintptr) (int, error) {
	highest := len(files)
	for _, fd := range files {
		if int(fd) > highest {
			highest = int(fd)
		}
	}
	fd, err := unix.FcntlInt(exe.Fd(), unix.F_DUPFD_CLOEXEC, highest+len(files)+16)
	if err != nil {
		return -1, fmt.Errorf("duplicate runtime copy: %w", err)
	}
	return fd, nil
}

// readPid answers the constructor's requests until it reports the pid.
func (p *initProc) readPid(s *specs.Spec) (int, error) {
	for {
		msg, err := nsenter.ReadMessage(p.sync)
		if err != nil {
			return 0, errors.New("container init exited during bootstrap")
		}
		if len(msg) == 0 {
			return 0, errors.New("empty bootstrap message")
		}
		switch msg[0] {
		case 'U':
			if err := writeIDMaps(p.initPid, s.Linux); err != nil {
				return 0, err
			}
			if err := nsenter.WriteMessage(p.sync, []byte("u")); err != nil {
				return 0, err
			}
		case 'C':
			if p.join == nil {
				return 0, errors.New("container init asked to join a cgroup it was not given")
			}
			if err := p.join.JoinV2(p.initPid); err != nil {
				return 0, err
			}
			if err := nsenter.WriteMessage(p.sync, []byte("c")); err != nil {
				return 0, err
			}
		case 'P':
			pid, err := strconv.Atoi(string(msg[1:]))
			if err != nil || pid <= 0 {
				return 0, fmt.Errorf("bad pid message %q", msg)
			}
			return pid, nil
		case 'E':
			return 0, fmt.Errorf("container init: %s", msg[1:])
		default:
			return 0, fmt.Errorf("unexpected bootstrap message %q", msg)
		}
	}
}

// handshake sends the container process pid its set-up — a fast-init
// program, or "G" and the config for the Go init (see linux.Program) —
// and serves it until it is ready.
func (p *initProc) handshake(ctx context.Context, cfg *linux.InitConfig, pid int) error {
	var prog []byte
	var warnings []string
	ok := false
	if !p.rt.noFastInit {
		prog, warnings, ok = linux.Program(cfg, pid)
	}
	if ok {
		if err := nsenter.WriteMessage(p.sync, append([]byte{'X'}, prog...)); err != nil {
			return fmt.Errorf("send init program: %w", err)
		}
		if p.opts.direct {
			// run: nothing happens between ready and start (no hooks in
			// the container), so start goes now and the init finds it
			// waiting; one round trip fewer.
			if err := linux.SendReply(p.sync, linux.Reply{Type: linux.MsgStart}); err != nil {
				return fmt.Errorf("send start: %w", err)
			}
			p.rec.startSent = true
		}
		for _, w := range warnings {
			p.rt.log.Warn(w, "container", p.rec.ID)
		}
		p.rt.log.Debug("container process set-up", "container", p.rec.ID, "init", "fast", "exec", cfg.Exec)
	} else {
		p.rt.log.Debug("container process set-up", "container", p.rec.ID, "init", "go", "exec", cfg.Exec)
		if err := nsenter.WriteMessage(p.sync, []byte{'G'}); err != nil {
			return fmt.Errorf("send init config: %w", err)
		}
		if err := linux.Send(p.sync, linux.Message{Type: linux.MsgConfig, Config: cfg}); err != nil {
			return fmt.Errorf("send init config: %w", err)
		}
	}
	for {
		m, err := linux.ReceiveReply(p.sync)
		if err != nil {
			return err
		}
		switch m.Type {
		case linux.MsgReady:
			return nil
		case linux.MsgError:
			return errors.New(m.Error)
		case linux.MsgWarn:
			p.rt.log.Warn(m.Error, "container", p.rec.ID)
		case linux.MsgHooks:
			reply := linux.Reply{Type: linux.MsgHooksDone}
			if err := p.runCreateHooks(ctx); err != nil {
				reply = linux.Reply{Type: linux.MsgError, Error: err.Error()}
				_ = linux.SendReply(p.sync, reply)
				return err
			}
			if err := linux.SendReply(p.sync, reply); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected init message %q", m.Type)
		}
	}
}

func (p *initProc) runCreateHooks(ctx context.Context) error {
	h := p.rec.Spec.Hooks
	if h == nil {
		return nil
	}
	st := p.rec.ociState(specs.StateCreated)
	//nolint:staticcheck // prestart is deprecated but still part of the spec
	if err := hooks.Run(ctx, "prestart", h.Prestart, st); err != nil {
		return err
	}
	return hooks.Run(ctx, "createRuntime", h.CreateRuntime, st)
}

// abort kills whatever was started and undoes host-side effects.
func (p *initProc) abort() {
	if p.sync != nil {
		p.sync.Close()
	}
	if p.rec.Pid > 0 {
		_ = unix.Kill(p.rec.Pid, unix.SIGKILL)
		waitGone(p.rec.Pid, p.rec.StartTime, 5*time.Second)
	}
	if p.rec.NoMountNS {
		_ = linux.CleanupRootfs(p.rec.Rootfs)
	}
	if p.cg != nil {
		_ = p.cg.Destroy()
	}
}

// bootstrap translates the namespace config for the nsenter constructor:
// joins (user first), then flags of the namespaces to create.
func bootstrap(s *specs.Spec) (nsenter.Bootstrap, error) {
	var b nsenter.Bootstrap
	if s.Linux == nil {
		return b, nil
	}
	for _, n := range s.Linux.Namespaces {
		flag := spec.CloneFlags[n.Type]
		if n.Path == "" {
			b.CloneFlags |= flag
			continue
		}
		j := nsenter.Join{Flag: flag, Path: n.Path}
		if n.Type == specs.UserNamespace {
			b.Joins = append([]nsenter.Join{j}, b.Joins...)
		} else {
			b.Joins = append(b.Joins, j)
		}
	}
	if len(s.Linux.TimeOffsets) > 0 {
		keys := make([]string, 0, len(s.Linux.TimeOffsets))
		for k := range s.Linux.TimeOffsets {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var sb strings.Builder
		for _, k := range keys {
			o := s.Linux.TimeOffsets[k]
			fmt.Fprintf(&sb, "%s %d %d\n", k, o.Secs, o.Nanosecs)
		}
		b.TimeOffsets = sb.String()
	}
	return b, nil
}

// writeIDMaps writes the user namespace maps of pid: directly as root,
// through newuidmap/newgidmap otherwise.
func writeIDMaps(pid int, l *specs.Linux) error {
	write := func(kind string, maps []specs.LinuxIDMapping) error {
		if len(maps) == 0 {
			return nil
		}
		var sb strings.Builder
		args := []string{strconv.Itoa(pid)}
		for _, m := range maps {
			fmt.Fprintf(&sb, "%d %d %d\n", m.ContainerID, m.HostID, m.Size)
			args = append(args, strconv.FormatUint(uint64(m.ContainerID), 10), strconv.FormatUint(uint64(m.HostID), 10), strconv.FormatUint(uint64(m.Size), 10))
		}
		path := fmt.Sprintf("/proc/%d/%s_map", pid, kind)
		err := os.WriteFile(path, []byte(sb.String()), 0)
		if err == nil {
			return nil
		}
		if os.Geteuid() == 0 {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if out, xerr := exec.Command("new"+kind+"map", args...).CombinedOutput(); xerr != nil {
			return fmt.Errorf("new%smap: %w: %s", kind, xerr, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if err := write("uid", l.UIDMappings); err != nil {
		return err
	}
	return write("gid", l.GIDMappings)
}

func dialConsole(path string) (*os.File, error) {
	f, err := unixsock.Dial(path)
	if err != nil {
		return nil, fmt.Errorf("connect to console socket %s: %w", path, err)
	}
	return f, nil
}

func lockDir(dir string) (func(), error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open state directory: %w", err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock state directory: %w", err)
	}
	return func() { unix.Close(fd) }, nil
}

// ownerName maps the effective uid to a name through /etc/passwd only:
// NSS lookups (os/user with cgo) cost milliseconds on every create.
func ownerName() string {
	uid := strconv.Itoa(os.Geteuid())
	data, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return uid
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.SplitN(line, ":", 4)
		if len(f) == 4 && f[2] == uid {
			return f[0]
		}
	}
	return uid
}
