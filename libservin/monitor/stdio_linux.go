package monitor

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/containerd/console"

	"github.com/servin/servin/libservin/ociruntime"
)

// create runs the runtime's create with pipes or a terminal as the
// container's stdio and starts copying its output to the log and the
// attach clients. It returns the container's pid and a WaitGroup done
// when the output reached EOF.
func (m *monitor) create(ctx context.Context) (int, *sync.WaitGroup, error) {
	pidFile := filepath.Join(m.dir, "init.pid")
	os.Remove(pidFile)
	opts := ociruntime.CreateOptions{Bundle: m.c.Bundle, PidFile: pidFile}
	var wg sync.WaitGroup
	if m.c.HostConfig.Tty {
		return m.createTerminal(ctx, opts, pidFile, &wg)
	}
	var closeAfter []*os.File
	if m.c.HostConfig.OpenStdin {
		r, w, err := os.Pipe()
		if err != nil {
			return 0, nil, err
		}
		opts.Stdio.Stdin = r
		closeAfter = append(closeAfter, r)
		m.setStdin(w)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return 0, nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return 0, nil, err
	}
	opts.Stdio.Stdout, opts.Stdio.Stderr = outW, errW
	closeAfter = append(closeAfter, outW, errW)
	err = m.rt.Create(ctx, m.c.ID, opts)
	for _, f := range closeAfter {
		f.Close()
	}
	if err != nil {
		outR.Close()
		errR.Close()
		m.closeStdin()
		return 0, nil, err
	}
	m.copyOut(&wg, outR, "stdout", FrameStdout)
	m.copyOut(&wg, errR, "stderr", FrameStderr)
	pid, err := readPid(pidFile)
	return pid, &wg, err
}

// copyOut copies one output stream to the log and the clients until EOF.
func (m *monitor) copyOut(wg *sync.WaitGroup, r io.ReadCloser, stream string, kind byte) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer r.Close()
		lw := m.logw.Stream(stream)
		_, _ = io.Copy(io.MultiWriter(lw, streamWriter{m.hub, kind}), r)
		_ = lw.Flush()
	}()
}

func (m *monitor) createTerminal(ctx context.Context, opts ociruntime.CreateOptions, pidFile string, wg *sync.WaitGroup) (int, *sync.WaitGroup, error) {
	cs, err := ociruntime.NewConsoleSocket(filepath.Join(os.TempDir(), fmt.Sprintf("servin-console-%d.sock", os.Getpid())))
	if err != nil {
		return 0, nil, err
	}
	defer cs.Close()
	opts.ConsoleSocket = cs.Path()
	type result struct {
		f   *os.File
		err error
	}
	got := make(chan result, 1)
	go func() { f, err := cs.Receive(); got <- result{f, err} }()
	if err := m.rt.Create(ctx, m.c.ID, opts); err != nil {
		cs.Close()
		return 0, nil, err
	}
	res := <-got
	if res.err != nil {
		return 0, nil, res.err
	}
	con, err := console.ConsoleFromFile(res.f)
	if err != nil {
		return 0, nil, fmt.Errorf("terminal: %w", err)
	}
	m.stdinMu.Lock()
	m.term, m.stdin = con, con
	m.stdinMu.Unlock()
	wg.Add(1)
	go func() {
		defer wg.Done()
		lw := m.logw.Stream("stdout")
		_, _ = io.Copy(io.MultiWriter(lw, streamWriter{m.hub, FrameStdout}), con)
		_ = lw.Flush()
	}()
	pid, err := readPid(pidFile)
	return pid, wg, err
}
