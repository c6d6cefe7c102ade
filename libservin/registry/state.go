package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// File names of the running server's records inside the registry directory.
const (
	PIDFileName   = "server.pid"
	StateFileName = "server.json"
	LogFileName   = "server.log"
)

// State describes a running local server, as recorded by the server itself.
type State struct {
	PID     int       `json:"pid"`
	Addr    string    `json:"addr"`
	TLS     bool      `json:"tls"`
	Auth    string    `json:"auth,omitempty"`
	Storage string    `json:"storage,omitempty"`
	Started time.Time `json:"started"`
}

// URL returns the base URL of the recorded server, with a loopback host
// when it listens on every address.
func (s State) URL() string {
	scheme := "http"
	if s.TLS {
		scheme = "https"
	}
	return scheme + "://" + s.HostPort()
}

// HostPort returns the address clients use: "0.0.0.0:5000" and "[::]:5000"
// become "localhost:5000".
func (s State) HostPort() string {
	host, port, err := splitHostPort(s.Addr)
	if err != nil {
		return s.Addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return joinHostPort(host, port)
}

// WriteState records st in dir (pid file and state file, atomically).
func WriteState(dir string, st State) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode server state: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, StateFileName), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write server state: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, PIDFileName), []byte(strconv.Itoa(st.PID)+"\n"), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	return nil
}

// RemoveState deletes the records in dir if they still name pid.
func RemoveState(dir string, pid int) {
	if st, err := readState(dir); err == nil && st.PID != pid {
		return
	}
	_ = os.Remove(filepath.Join(dir, StateFileName))
	_ = os.Remove(filepath.Join(dir, PIDFileName))
}

// Running returns the state of the server recorded in dir if its process is
// alive; ErrNotRunning otherwise. Stale records are removed.
func Running(dir string) (State, error) {
	st, err := readState(dir)
	if err != nil {
		return State{}, err
	}
	if !processAlive(st.PID) {
		RemoveState(dir, st.PID)
		return State{}, fmt.Errorf("%w (stale pid %d)", ErrNotRunning, st.PID)
	}
	return st, nil
}

func readState(dir string) (State, error) {
	var st State
	data, err := os.ReadFile(filepath.Join(dir, StateFileName))
	if errors.Is(err, fs.ErrNotExist) {
		// a pid file alone, as an older or foreign writer leaves it
		pidData, perr := os.ReadFile(filepath.Join(dir, PIDFileName))
		if perr != nil {
			return st, ErrNotRunning
		}
		pid, perr := strconv.Atoi(strings.TrimSpace(string(pidData)))
		if perr != nil || pid <= 0 {
			return st, ErrNotRunning
		}
		return State{PID: pid}, nil
	}
	if err != nil {
		return st, fmt.Errorf("read server state: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil || st.PID <= 0 {
		return st, fmt.Errorf("%w (unreadable state file %s)", ErrNotRunning, filepath.Join(dir, StateFileName))
	}
	return st, nil
}
