package registry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Detach starts exe with args as a background server whose output goes to
// the log file in dir, then waits until the server has recorded its state
// in dir and answers HTTP. It returns that state; when the server exits
// first, the error carries the end of its log.
func Detach(ctx context.Context, dir, exe string, args []string, timeout time.Duration) (State, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return State{}, fmt.Errorf("create registry directory %s: %w", dir, err)
	}
	logPath := filepath.Join(dir, LogFileName)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return State{}, fmt.Errorf("open log file %s: %w", logPath, err)
	}
	defer logf.Close()
	start, _ := logf.Seek(0, 2)
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = os.Environ()
	detachAttr(cmd)
	if err := cmd.Start(); err != nil {
		return State{}, fmt.Errorf("start %s: %w", exe, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if st, err := readState(dir); err == nil && st.PID == cmd.Process.Pid && st.Addr != "" {
			if Ping(ctx, st) == nil {
				return st, nil
			}
		}
		select {
		case err := <-exited:
			return State{}, fmt.Errorf("registry server exited (%v): %s", err, logTail(logPath, start))
		case <-ctx.Done():
			_ = kill(cmd.Process.Pid)
			return State{}, fmt.Errorf("registry server not answering after %s: %s", timeout, logTail(logPath, start))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Ping checks that the server recorded in st answers HTTP at all (any
// status; an auth challenge is an answer).
func Ping(ctx context.Context, st State) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.URL()+"/", nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{
		// only ours: the server's own certificate may be self-signed
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec
	}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Stop sends SIGTERM to the server recorded in dir and waits up to timeout
// for it to drain and exit; past that it kills it and says so.
func Stop(ctx context.Context, dir string, timeout time.Duration) (State, error) {
	st, err := Running(dir)
	if err != nil {
		return st, err
	}
	if err := terminate(st.PID); err != nil {
		if !errors.Is(err, errors.ErrUnsupported) {
			return st, fmt.Errorf("stop registry server %d: %w", st.PID, err)
		}
		// no SIGTERM on this platform: end it at once
		if err := kill(st.PID); err != nil {
			return st, fmt.Errorf("stop registry server %d: %w", st.PID, err)
		}
	}
	deadline := time.Now().Add(timeout)
	for processAlive(st.PID) {
		if time.Now().After(deadline) {
			_ = kill(st.PID)
			RemoveState(dir, st.PID)
			return st, fmt.Errorf("registry server %d did not stop within %s: killed", st.PID, timeout)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	RemoveState(dir, st.PID)
	return st, nil
}

func logTail(path string, from int64) string {
	data, err := os.ReadFile(path)
	if err != nil || int64(len(data)) <= from {
		return "no output (log " + path + ")"
	}
	data = data[from:]
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}
