package monitor

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/console"
	"golang.org/x/sys/unix"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/logs"
	"github.com/servin/servin/libservin/ociruntime"
	"github.com/servin/servin/libservin/store"
)

// monitor is one Run.
type monitor struct {
	cfg  Config
	log  *slog.Logger
	c    *container.Container
	rt   *ociruntime.Runtime
	dir  string
	hub  *hub
	logw *logs.Writer

	stdinMu sync.Mutex
	stdin   io.WriteCloser // the container's stdin (pipe or terminal)
	term    console.Console
}

// Run monitors container cfg.ID until it is gone: create, start, log,
// wait, record the exit, restart by policy, delete. It returns when the
// container has exited for good (and was removed with --rm).
func Run(ctx context.Context, cfg Config) error {
	m := &monitor{cfg: cfg, log: cfg.Logger, dir: cfg.Store.Dir(cfg.ID), hub: newHub()}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	err := m.run(ctx)
	if err != nil {
		m.log.Error("monitor", "container", cfg.ID, "err", err)
		m.ready(err)
	}
	return err
}

func (m *monitor) ready(err error) {
	if m.cfg.Ready == nil {
		return
	}
	if err != nil {
		fmt.Fprintf(m.cfg.Ready, "error: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	} else {
		io.WriteString(m.cfg.Ready, "ok\n")
	}
	m.cfg.Ready.Close()
	m.cfg.Ready = nil
}

func (m *monitor) run(ctx context.Context) error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become subreaper: %w", err)
	}
	// One monitor per container: a second `start` fails instead of
	// running the container twice.
	lctx, cancel := context.WithCancel(ctx)
	cancel()
	lock, err := store.LockFile(lctx, filepath.Join(m.dir, "monitor.lock"))
	if err != nil {
		return fmt.Errorf("container %s: %w", m.cfg.ID, ErrRunning)
	}
	defer lock.Unlock()
	c, err := m.cfg.Store.Load(m.cfg.ID)
	if err != nil {
		return err
	}
	m.c = c
	m.rt = ociruntime.New(c.Runtime, c.RuntimeRoot)
	if err := os.MkdirAll(filepath.Dir(c.LogPath), 0o700); err != nil {
		return fmt.Errorf("log directory: %w", err)
	}
	if m.logw, err = logs.NewWriter(c.LogPath, c.HostConfig.LogMaxSize, c.HostConfig.LogMaxFiles); err != nil {
		return err
	}
	defer m.logw.Close()
	sock := SocketPath(m.dir)
	_ = os.Remove(sock)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return fmt.Errorf("attach socket: %w", err)
	}
	defer os.Remove(sock)
	defer l.Close()
	go m.serve(l)
	if _, err := m.update(func(c *container.Container) error {
		c.State.MonitorPid, c.State.MonitorStart, c.State.BootID = os.Getpid(), ProcessStartTime(os.Getpid()), BootID()
		c.State.StopRequested, c.State.Error = false, ""
		return nil
	}); err != nil {
		return err
	}
	for {
		code, err := m.once(ctx)
		if err != nil {
			m.recordFailure(err)
			return err
		}
		c, err := m.update(func(c *container.Container) error {
			c.State.Status, c.State.ExitCode, c.State.Pid = container.StatusExited, code, 0
			c.State.FinishedAt = time.Now().UTC()
			if shouldRestart(c.HostConfig.Restart, code, c.State.RestartCount, c.State.StopRequested) {
				c.State.Status = container.StatusRestarting
				c.State.RestartCount++
			}
			return nil
		})
		if err != nil {
			return err
		}
		m.hub.exit(code)
		if c.State.Status != container.StatusRestarting {
			break
		}
		m.log.Info("restarting container", "container", c.ID, "exit", code, "restarts", c.State.RestartCount)
		time.Sleep(restartDelay(c.State.RestartCount))
		if cur, err := m.cfg.Store.Load(c.ID); err != nil || cur.State.StopRequested {
			m.update(func(c *container.Container) error { c.State.Status = container.StatusExited; return nil })
			break
		}
	}
	return m.finish(ctx)
}

// finish removes an --rm container after its last exit.
func (m *monitor) finish(ctx context.Context) error {
	m.update(func(c *container.Container) error { c.State.MonitorPid = 0; return nil })
	if !m.c.HostConfig.AutoRemove {
		return nil
	}
	if err := m.cfg.Rootfs.Remove(ctx, m.dir); err != nil {
		m.log.Warn("remove rootfs", "err", err)
	}
	os.RemoveAll(filepath.Dir(m.c.LogPath))
	return m.cfg.Store.Remove(m.c.ID)
}

func (m *monitor) update(fn func(*container.Container) error) (*container.Container, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return m.cfg.Store.Update(ctx, m.cfg.ID, fn)
}

func (m *monitor) recordFailure(err error) {
	m.update(func(c *container.Container) error {
		c.State.Status, c.State.Error, c.State.Pid, c.State.MonitorPid = container.StatusExited, err.Error(), 0, 0
		if c.State.ExitCode == 0 {
			c.State.ExitCode = 128
		}
		c.State.FinishedAt = time.Now().UTC()
		return nil
	})
	m.hub.exit(125)
}

// once runs the container one time and returns its exit code.
func (m *monitor) once(ctx context.Context) (int, error) {
	if err := m.cfg.Rootfs.Mount(ctx, m.dir); err != nil {
		return 0, err
	}
	defer m.cfg.Rootfs.Unmount(ctx, m.dir)
	// A leftover runtime container (monitor killed, host crash) is removed.
	if m.rt.MayExist(m.c.ID) {
		_ = m.rt.Delete(ctx, m.c.ID, true)
	}
	pid, outputs, err := m.create(ctx)
	if err != nil {
		return 0, err
	}
	if m.cfg.WaitAttach {
		m.ready(nil) // the client attaches now; start follows its connection
		m.cfg.WaitAttach = false
		timeout := m.cfg.AttachTimeout
		if timeout == 0 {
			timeout = 30 * time.Second
		}
		select {
		case <-m.hub.first:
		case <-time.After(timeout):
			m.log.Warn("no attach client; starting anyway", "container", m.c.ID)
		}
	}
	if err := m.rt.Start(ctx, m.c.ID); err != nil {
		_ = m.rt.Delete(ctx, m.c.ID, true)
		return 0, err
	}
	if _, err := m.update(func(c *container.Container) error {
		c.State.Status, c.State.Pid, c.State.StartedAt = container.StatusRunning, pid, time.Now().UTC()
		c.State.ExitCode, c.State.Error = 0, ""
		return nil
	}); err != nil {
		return 0, err
	}
	m.ready(nil) // detached: report once the container runs, so a following wait sees it
	m.hub.send(FrameStarted, nil)
	code := waitPid(pid)
	m.log.Debug("container exited", "container", m.c.ID, "pid", pid, "code", code)
	drain(outputs, 2*time.Second)
	m.closeStdin()
	if err := m.rt.Delete(ctx, m.c.ID, true); err != nil && !errors.Is(err, ociruntime.ErrNotExist) {
		m.log.Warn("runtime delete", "container", m.c.ID, "err", err)
	}
	return code, nil
}

// drain waits for the output copiers to see EOF, at most d (a process
// left in the host's pid namespace may hold the pipes open).
func drain(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// waitPid reaps children until pid exits and returns its exit code
// (128+signal when killed). Other children are orphans the monitor reaps
// as subreaper.
func waitPid(pid int) int {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 255 // ECHILD: the process is not ours any more
		}
		if got != pid {
			continue
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}

// readPid reads a --pid-file.
func readPid(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read pid file: %w", err)
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}

func (m *monitor) setStdin(w io.WriteCloser) {
	m.stdinMu.Lock()
	m.stdin = w
	m.stdinMu.Unlock()
}

func (m *monitor) writeStdin(p []byte) {
	m.stdinMu.Lock()
	defer m.stdinMu.Unlock()
	if m.stdin != nil {
		m.stdin.Write(p)
	}
}

func (m *monitor) closeStdin() {
	m.stdinMu.Lock()
	defer m.stdinMu.Unlock()
	if m.stdin != nil && m.term == nil {
		m.stdin.Close()
	}
	m.stdin = nil
}

func (m *monitor) resize(p []byte) {
	m.stdinMu.Lock()
	defer m.stdinMu.Unlock()
	if m.term != nil && len(p) == 4 {
		_ = m.term.Resize(console.WinSize{Height: binary.BigEndian.Uint16(p), Width: binary.BigEndian.Uint16(p[2:])})
	}
}

// serve accepts attach clients and reads their input frames.
func (m *monitor) serve(l *net.UnixListener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		m.hub.add(conn)
		go func() {
			defer m.hub.remove(conn)
			for {
				kind, p, err := ReadFrame(conn)
				if err != nil {
					return
				}
				switch kind {
				case FrameStdin:
					m.writeStdin(p)
				case FrameStdinClose:
					if m.c.HostConfig.Tty {
						m.writeStdin([]byte{4}) // ^D on the terminal
					} else {
						m.closeStdin()
					}
				case FrameResize:
					m.resize(p)
				}
			}
		}()
	}
}
