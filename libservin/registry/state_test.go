package registry_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/servin/servin/libservin/registry"
)

func TestState(t *testing.T) {
	dir := t.TempDir()
	if _, err := registry.Running(dir); !errors.Is(err, registry.ErrNotRunning) {
		t.Fatalf("Running with no records: %v", err)
	}
	st := registry.State{PID: os.Getpid(), Addr: "0.0.0.0:5000", Started: time.Now()}
	if err := registry.WriteState(dir, st); err != nil {
		t.Fatal(err)
	}
	got, err := registry.Running(dir)
	if err != nil || got.PID != st.PID || got.URL() != "http://localhost:5000" {
		t.Fatalf("Running: %+v %v", got, err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, registry.PIDFileName)); string(data) == "" {
		t.Error("empty pid file")
	}
	registry.RemoveState(dir, st.PID+1) // someone else's: kept
	if _, err := registry.Running(dir); err != nil {
		t.Fatalf("RemoveState removed another server's records: %v", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	// a dead process's records are stale and cleaned up
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1)")
	}
	st.PID = cmd.Process.Pid
	if err := registry.WriteState(dir, st); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.Running(dir); !errors.Is(err, registry.ErrNotRunning) {
		t.Fatalf("Running with a dead pid: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, registry.PIDFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale pid file kept: %v", err)
	}
	if _, err := registry.Stop(t.Context(), dir, time.Second); !errors.Is(err, registry.ErrNotRunning) {
		t.Errorf("Stop with nothing running: %v", err)
	}
}

func TestLock(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no advisory locks on windows")
	}
	dir := t.TempDir()
	unlock, err := registry.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registry.Lock(dir); !errors.Is(err, registry.ErrRunning) {
		t.Fatalf("second Lock: %v, want ErrRunning", err)
	}
	unlock()
	again, err := registry.Lock(dir)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	again()
}
