package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servin/servin/libservin/container"
)

func TestSplitGlobals(t *testing.T) {
	tests := []struct {
		args    []string
		globals []string
		word    string
		rest    []string
		ok      bool
	}{
		{[]string{"image", "ls"}, []string{}, "image", []string{"ls"}, true},
		{[]string{"--root", "/r", "image", "ls", "-q"}, []string{"--root", "/r"}, "image", []string{"ls", "-q"}, true},
		{[]string{"--root=/r", "--verbose", "foo"}, []string{"--root=/r", "--verbose"}, "foo", []string{}, true},
		{[]string{"--log-level", "debug"}, nil, "", nil, false},
		{[]string{}, nil, "", nil, false},
	}
	for _, tc := range tests {
		g, w, r, ok := splitGlobals(tc.args)
		if ok != tc.ok || w != tc.word || ok && (!slices.Equal(g, tc.globals) || !slices.Equal(r, tc.rest)) {
			t.Errorf("splitGlobals(%v) = %v %q %v %v", tc.args, g, w, r, ok)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "100": 100, "10k": 10240, "64m": 64 << 20, "1g": 1 << 30, "1.5G": 3 << 29, "2mb": 2 << 20} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"abc", "-1m", "1x"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

func TestParseRestart(t *testing.T) {
	tests := []struct {
		in   string
		want container.RestartPolicy
		bad  bool
	}{
		{"", container.RestartPolicy{Name: "no"}, false},
		{"no", container.RestartPolicy{Name: "no"}, false},
		{"always", container.RestartPolicy{Name: "always"}, false},
		{"on-failure", container.RestartPolicy{Name: "on-failure"}, false},
		{"on-failure:3", container.RestartPolicy{Name: "on-failure", MaxRetries: 3}, false},
		{"on-failure:x", container.RestartPolicy{}, true},
		{"always:2", container.RestartPolicy{}, true},
		{"sometimes", container.RestartPolicy{}, true},
	}
	for _, tc := range tests {
		got, err := parseRestart(tc.in)
		if tc.bad != (err != nil) || !tc.bad && got != tc.want {
			t.Errorf("parseRestart(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"", time.Time{}, false},
		{"1h", now.Add(-time.Hour), false},
		{"90s", now.Add(-90 * time.Second), false},
		{"2026-05-01T10:00:00Z", time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), false},
		{"2026-05-01T10:00:00.5+02:00", time.Date(2026, 5, 1, 8, 0, 0, 5e8, time.UTC), false},
		{"1700000000", time.Unix(1700000000, 0), false},
		{"yesterday", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := parseTime(tc.in, now)
		if tc.bad != (err != nil) || !tc.bad && !got.Equal(tc.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestCommandError(t *testing.T) {
	tests := map[string]int{
		`exec: "nosuch": executable file not found in $PATH`: exitNotFound,
		`exec /etc/passwd: permission denied`:                exitCannotExec,
		`mount failed`:                                       exitError,
	}
	for msg, want := range tests {
		if got := exitCode(commandError(msg)); got != want {
			t.Errorf("%q → %d, want %d", msg, got, want)
		}
	}
}

// TestLibrariesStayCLIFree keeps cobra out of the libservin packages the
// front-end uses (STYLE.md: dependencies point down).
func TestLibrariesStayCLIFree(t *testing.T) {
	pkgs := []string{"container", "logs", "monitor", "ociruntime", "volume"}
	for i, p := range pkgs {
		pkgs[i] = "github.com/servin/servin/libservin/" + p
	}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/spf13/") || dep == "github.com/servin/servin/libservin/runtime" {
			t.Errorf("a front-end library depends on %s", dep)
		}
	}
}
