package linux

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/runtime/hooks"
	"github.com/servin/servin/libservin/runtime/nsenter"
	"github.com/servin/servin/libservin/seccomp"
	"golang.org/x/sys/unix"
)

// Init is `servin-run init`: the process the nsenter constructor left in
// the container's namespaces. It sets the container up, waits for start
// and execs the container process. It never returns.
func Init() {
	runtime.LockOSThread()
	fd, err := strconv.Atoi(os.Getenv(nsenter.EnvInitPipe))
	if err != nil {
		fmt.Fprintln(os.Stderr, "servin-run init: must be started by servin-run")
		os.Exit(1)
	}
	sync := os.NewFile(uintptr(fd), "sync")
	if err := initContainer(sync); err != nil {
		// After "ready" nobody reads the socket: the process's stderr is
		// the only place left to report to.
		if Send(sync, Message{Type: MsgError, Error: err.Error()}) != nil {
			fmt.Fprintf(os.Stderr, "servin-run init: %v\n", err)
		}
		os.Exit(1)
	}
	os.Exit(0) // not reached: initContainer execs
}

func initContainer(sync *os.File) error {
	m, err := Receive(sync)
	if err != nil {
		return err
	}
	if m.Type != MsgConfig || m.Config == nil || m.Config.Spec == nil || m.Config.Spec.Process == nil {
		return fmt.Errorf("init: expected a config message, got %q", m.Type)
	}
	cfg := m.Config
	s, p := cfg.Spec, cfg.Spec.Process
	caps, err := parseCaps(p.Capabilities)
	if err != nil {
		return err
	}
	if msg := caps.warning(); msg != "" {
		if err := Send(sync, Message{Type: MsgWarn, Error: msg}); err != nil {
			return err
		}
	}
	if err := checkRlimits(p.Rlimits); err != nil {
		return err
	}
	if _, err := unix.Setsid(); err != nil && !cfg.Exec {
		return fmt.Errorf("setsid: %w", err)
	}
	if !cfg.NoNewKeyring && !cfg.Exec {
		// A fresh session keyring, so the container cannot see the host's
		// keys; kernels or seccomp policies without keyrings are fine.
		if _, err := unix.KeyctlJoinSessionKeyring("_ses." + cfg.ID); err != nil &&
			!errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EPERM) {
			return fmt.Errorf("join session keyring: %w", err)
		}
	}
	// Compile (and, for notify, connect to the agent) while the host's
	// paths are still reachable; install late, below.
	var filter *seccomp.Filter
	if s.Linux != nil && s.Linux.Seccomp != nil {
		st := cfg.State
		st.Status = specs.StateCreating
		if filter, err = seccomp.Prepare(s.Linux.Seccomp, &specs.ContainerProcessState{
			Version: specs.Version, Pid: cfg.State.Pid, State: st,
		}); err != nil {
			return err
		}
		defer filter.Close()
	}
	if !cfg.Exec {
		if err := setupRoot(sync, cfg); err != nil {
			return err
		}
	}
	if p.Terminal {
		if cfg.ConsoleFd < 0 {
			return errors.New("process.terminal is set but no console socket was given")
		}
		if err := setupConsole(os.NewFile(uintptr(cfg.ConsoleFd), "console-socket")); err != nil {
			return err
		}
		unix.Close(cfg.ConsoleFd)
	}
	if !cfg.Exec {
		if err := setupNamespaced(s); err != nil {
			return err
		}
		if err := FinalizeRootfs(s); err != nil {
			return err
		}
	}
	// Scheduling and I/O class may need CAP_SYS_NICE: before caps drop.
	if err := setIOPriority(p.IOPriority); err != nil {
		return err
	}
	if err := setScheduler(p.Scheduler); err != nil {
		return err
	}
	if s.Linux != nil {
		if err := setPersonality(s.Linux.Personality); err != nil {
			return err
		}
	}
	// Without no_new_privs the filter needs CAP_SYS_ADMIN, which the user
	// change and capset below take away: install it before them.
	var early *seccomp.Filter
	if !p.NoNewPrivileges {
		early = filter
	}
	if err := setupProcess(p, caps, early); err != nil {
		return err
	}
	warnings, err := applyLSM(p)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		if err := Send(sync, Message{Type: MsgWarn, Error: w}); err != nil {
			return err
		}
	}
	path, err := lookPath(p.Args[0], p.Env)
	if err != nil {
		return err
	}
	if err := closeExtraFds(3 + cfg.PreserveFds); err != nil {
		return err
	}
	if err := Send(sync, Message{Type: MsgReady}); err != nil {
		return err
	}
	direct := !cfg.Exec && cfg.FifoFd < 0
	if !cfg.Exec {
		wait := func() error { return waitStart(cfg.FifoFd) }
		if direct {
			wait = func() error { return waitStartMessage(sync) }
		}
		if err := wait(); err != nil {
			return err
		}
		st := cfg.State
		if s.Hooks != nil {
			if err := hooks.Run(context.Background(), "startContainer", s.Hooks.StartContainer, &st); err != nil {
				return err
			}
		}
	}
	if direct {
		// The parent waits for end of file: closeExtraFds made this end
		// close-on-exec, so it comes with the execve (or an error
		// message before it).
		keepSync = sync
	} else {
		sync.Close()
	}
	// Last, right before execve: a small RLIMIT_AS or a huge RLIMIT_STACK
	// (new threads get stacks of that size) would break the Go runtime.
	if err := setRlimits(p.Rlimits); err != nil {
		return err
	}
	// With no_new_privs, as late as possible: the runtime's own syscalls
	// above are not the container's business.
	if filter != nil && p.NoNewPrivileges {
		if err := filter.Load(); err != nil {
			return fmt.Errorf("load seccomp filter: %w", err)
		}
	}
	if err := syscall.Exec(path, p.Args, p.Env); err != nil {
		return fmt.Errorf("exec %s: %w", p.Args[0], err)
	}
	return nil
}

// setupRoot builds the root filesystem; the parent runs prestart and
// createRuntime hooks and this process runs createContainer hooks after the
// mounts and before pivot_root, as runtime-spec's lifecycle says.
func setupRoot(sync *os.File, cfg *InitConfig) error {
	s := cfg.Spec
	before := func() error {
		if s.Hooks == nil {
			return nil
		}
		//nolint:staticcheck // prestart is deprecated but still part of the spec
		if len(s.Hooks.Prestart) > 0 || len(s.Hooks.CreateRuntime) > 0 {
			// The parent runs them; no round trip when there are none.
			if err := Send(sync, Message{Type: MsgHooks}); err != nil {
				return err
			}
			m, err := Receive(sync)
			if err != nil {
				return err
			}
			if m.Type != MsgHooksDone {
				return fmt.Errorf("parent: %s", m.Error)
			}
		}
		st := cfg.State
		return hooks.Run(context.Background(), "createContainer", s.Hooks.CreateContainer, &st)
	}
	return PrepareRootfs(s, cfg.Rootfs, RootfsOptions{NoPivot: cfg.NoPivot, BeforePivot: before, BundleDir: cfg.Bundle, MountFds: cfg.MountFds})
}

// setupNamespaced applies the settings that live in the container's own
// namespaces: hostname, domainname, sysctls.
func setupNamespaced(s *specs.Spec) error {
	hasUTS := HasNamespace(s, specs.UTSNamespace)
	if s.Hostname != "" {
		if !hasUTS {
			return errors.New("unable to set hostname without a private UTS namespace")
		}
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return fmt.Errorf("set hostname: %w", err)
		}
	}
	if s.Domainname != "" {
		if !hasUTS {
			return errors.New("unable to set domainname without a private UTS namespace")
		}
		if err := unix.Setdomainname([]byte(s.Domainname)); err != nil {
			return fmt.Errorf("set domainname: %w", err)
		}
	}
	if s.Linux != nil {
		for k, v := range s.Linux.Sysctl {
			p, err := sysctlPath(k)
			if err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(v), 0); err != nil {
				return fmt.Errorf("set sysctl %s: %w", k, err)
			}
		}
	}
	return nil
}

// setupProcess applies the process's own settings: oom score, rlimits,
// no_new_privs, user, capabilities, umask and working directory.
func setupProcess(p *specs.Process, caps *capSets, filter *seccomp.Filter) error {
	if p.OOMScoreAdj != nil {
		if err := os.WriteFile("/proc/self/oom_score_adj", []byte(strconv.Itoa(*p.OOMScoreAdj)), 0); err != nil {
			return fmt.Errorf("set oom_score_adj: %w", err)
		}
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("set no_new_privs: %w", err)
		}
	}
	if err := caps.applyBounding(); err != nil {
		return err
	}
	if filter != nil {
		if err := filter.Load(); err != nil {
			return fmt.Errorf("load seccomp filter: %w", err)
		}
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set keepcaps: %w", err)
	}
	if err := setupUser(p.User); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("clear keepcaps: %w", err)
	}
	if err := caps.apply(); err != nil {
		return err
	}
	unix.Umask(int(processUmask(p)))
	cwd := processCwd(p)
	if err := unix.Chdir(cwd); err != nil {
		return fmt.Errorf("chdir to cwd (%q) set in config.json failed: %w", cwd, err)
	}
	return nil
}

func setupUser(u specs.User) error {
	if setgroupsAllowed() {
		gids := make([]int, len(u.AdditionalGids))
		for i, g := range u.AdditionalGids {
			gids[i] = int(g)
		}
		if err := syscall.Setgroups(gids); err != nil {
			return fmt.Errorf("setgroups %v: %w", gids, err)
		}
	} else if len(u.AdditionalGids) > 0 {
		return errors.New("additionalGids need setgroups, which this user namespace denies")
	}
	if err := syscall.Setresgid(int(u.GID), int(u.GID), int(u.GID)); err != nil {
		return fmt.Errorf("setgid %d: %w", u.GID, err)
	}
	if err := syscall.Setresuid(int(u.UID), int(u.UID), int(u.UID)); err != nil {
		return fmt.Errorf("setuid %d: %w", u.UID, err)
	}
	return nil
}

func setgroupsAllowed() bool {
	b, err := os.ReadFile("/proc/self/setgroups")
	return err != nil || strings.TrimSpace(string(b)) != "deny"
}

// searchPath is the PATH that finds process.args[0]: the process's own, or
// execvp's default.
func searchPath(env []string) string {
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			path = v
		}
	}
	return path
}

// processUmask is process.user.umask, 0022 when unset.
func processUmask(p *specs.Process) uint32 {
	if p.User.Umask != nil {
		return *p.User.Umask
	}
	return 0o022
}

// processCwd is process.cwd, "/" when unset.
func processCwd(p *specs.Process) string {
	if p.Cwd == "" {
		return "/"
	}
	return p.Cwd
}

// sysctlPath is the /proc/sys file of a linux.sysctl key.
func sysctlPath(key string) (string, error) {
	if strings.Contains(key, "..") || strings.HasPrefix(key, "/") {
		return "", fmt.Errorf("invalid sysctl %q", key)
	}
	return "/proc/sys/" + strings.ReplaceAll(key, ".", "/"), nil
}

// checkRlimits rejects unknown resources and soft limits above hard ones.
func checkRlimits(limits []specs.POSIXRlimit) error {
	for _, l := range limits {
		if _, err := RlimitType(l.Type); err != nil {
			return err
		}
		if l.Soft > l.Hard {
			return fmt.Errorf("rlimit %s: soft limit %d exceeds hard limit %d", l.Type, l.Soft, l.Hard)
		}
	}
	return nil
}

// lookPath finds the executable as execvp would, with the container's PATH.
func lookPath(name string, env []string) (string, error) {
	check := func(p string) error {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return syscall.EACCES
		}
		return nil
	}
	if strings.Contains(name, "/") {
		if err := check(name); err != nil {
			return "", fmt.Errorf("exec: %q: %w", name, err)
		}
		return name, nil
	}
	for _, dir := range filepath.SplitList(searchPath(env)) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if check(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
}

// closeExtraFds marks every descriptor from first up close-on-exec, so the
// process gets only stdio and the preserved ones.
func closeExtraFds(first int) error {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		// No /proc in the container: fall back to a bounded sweep.
		return unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err == nil && fd >= first {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}

// keepSync keeps the sync socket of a direct start from being closed by
// its finalizer before the execve.
var keepSync *os.File

// waitStartMessage blocks until the parent sends MsgStart on the sync
// socket: `run` starts the container it created without an exec fifo.
func waitStartMessage(sync *os.File) error {
	m, err := Receive(sync)
	if err != nil {
		return err
	}
	if m.Type != MsgStart {
		return fmt.Errorf("init: expected a start message, got %q", m.Type)
	}
	return nil
}

// waitStart blocks until `servin-run start` opens the exec fifo for
// reading, then tells it the process is about to run.
func waitStart(fifoFd int) error {
	fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fifoFd), unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	unix.Close(fifoFd)
	if _, err := unix.Write(fd, []byte{'0'}); err != nil {
		return fmt.Errorf("write exec fifo: %w", err)
	}
	// fd stays open until execve closes it (O_CLOEXEC): the end of file
	// tells `start` that the process now runs, so poststart hooks follow
	// the exec, not race it.
	return nil
}
