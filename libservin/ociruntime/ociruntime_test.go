package ociruntime_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/servin/servin/libservin/ociruntime"
)

func TestFind(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "myruntime")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	tests := []struct {
		name string
		want string
		err  error
	}{
		{"myruntime", fake, nil},
		{fake, fake, nil},
		{"nosuchruntime", "", ociruntime.ErrNotFound},
		{filepath.Join(dir, "missing"), "", ociruntime.ErrNotFound},
	}
	for _, tc := range tests {
		got, err := ociruntime.Find(tc.name)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("Find(%q) = %q, %v; want %q, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestSignalName(t *testing.T) {
	for in, want := range map[string]string{"kill": "SIGKILL", "SIGTERM": "SIGTERM", "9": "9", " hup ": "SIGHUP"} {
		if got := ociruntime.SignalName(in); got != want {
			t.Errorf("SignalName(%q) = %q, want %q", in, got, want)
		}
	}
}
