package monitor

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/servin/servin/libservin/container"
)

func TestShouldRestart(t *testing.T) {
	tests := []struct {
		policy  container.RestartPolicy
		code, n int
		stopped bool
		want    bool
	}{
		{container.RestartPolicy{Name: "no"}, 1, 0, false, false},
		{container.RestartPolicy{Name: "always"}, 0, 10, false, true},
		{container.RestartPolicy{Name: "always"}, 0, 0, true, false},
		{container.RestartPolicy{Name: "on-failure"}, 0, 0, false, false},
		{container.RestartPolicy{Name: "on-failure"}, 1, 100, false, true},
		{container.RestartPolicy{Name: "on-failure", MaxRetries: 2}, 1, 1, false, true},
		{container.RestartPolicy{Name: "on-failure", MaxRetries: 2}, 1, 2, false, false},
	}
	for _, tc := range tests {
		if got := shouldRestart(tc.policy, tc.code, tc.n, tc.stopped); got != tc.want {
			t.Errorf("shouldRestart(%+v, %d, %d, %v) = %v", tc.policy, tc.code, tc.n, tc.stopped, got)
		}
	}
	if restartDelay(1) != 100*time.Millisecond || restartDelay(3) != 400*time.Millisecond || restartDelay(100) != 10*time.Second {
		t.Error("restart delays")
	}
}

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	WriteFrame(&buf, FrameStdout, []byte("hello"))
	WriteFrame(&buf, FrameExit, []byte("3"))
	k, p, err := ReadFrame(&buf)
	if err != nil || k != FrameStdout || string(p) != "hello" {
		t.Fatalf("%d %q %v", k, p, err)
	}
	k, p, _ = ReadFrame(&buf)
	if k != FrameExit || string(p) != "3" {
		t.Fatalf("%d %q", k, p)
	}
	if _, _, err := ReadFrame(&buf); err == nil {
		t.Fatal("read past end")
	}
	huge := []byte{FrameStdin, 0xff, 0xff, 0xff, 0xff}
	if _, _, err := ReadFrame(bytes.NewReader(huge)); err == nil {
		t.Fatal("oversized frame accepted")
	}
}

func TestSocketPath(t *testing.T) {
	short := SocketPath("/var/lib/servin/containers/abc")
	if short != "/var/lib/servin/containers/abc/attach.sock" {
		t.Fatalf("short: %s", short)
	}
	long := "/tmp/" + strings.Repeat("x", 120)
	p := SocketPath(long)
	if len(p) >= 100 || p != SocketPath(long) || p == SocketPath(long+"y") {
		t.Fatalf("long: %s", p)
	}
}
