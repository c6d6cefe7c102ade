package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

var timeitBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "timeit")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	timeitBin = filepath.Join(dir, "timeit")
	if out, err := exec.Command("go", "build", "-o", timeitBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build timeit: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var reportRe = regexp.MustCompile(`(?m)^wall_s=[0-9.]+ maxrss_kb=[1-9][0-9]* user_s=[0-9.]+ sys_s=[0-9.]+ status=(\d+)$`)

func TestTimeit(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantStdout string
		minElapsed time.Duration // of timeit itself: orphans are reaped
	}{
		{"success passes output through", []string{"sh", "-c", "echo hi"}, 0, "hi\n", 0},
		{"exit status is passed on", []string{"--", "sh", "-c", "exit 3"}, 3, "", 0},
		{"orphans are reaped", []string{"sh", "-c", "sleep 0.3 & exit 0"}, 0, "", 300 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(timeitBin, tc.args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			elapsed := time.Since(start)
			status := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				status = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tc.wantStatus {
				t.Errorf("exit status %d, want %d", status, tc.wantStatus)
			}
			if stdout.String() != tc.wantStdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.wantStdout)
			}
			m := reportRe.FindStringSubmatch(stderr.String())
			if m == nil || m[1] != fmt.Sprint(tc.wantStatus) {
				t.Errorf("report %q does not match %v with status %d", stderr.String(), reportRe, tc.wantStatus)
			}
			if elapsed < tc.minElapsed {
				t.Errorf("timeit returned after %s, before its orphan exited (%s)", elapsed, tc.minElapsed)
			}
		})
	}
}

func TestTimeitUsage(t *testing.T) {
	err := exec.Command(timeitBin).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("no command: got %v, want exit status 2", err)
	}
}
