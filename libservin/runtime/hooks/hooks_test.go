package hooks_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/runtime/hooks"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	one := 1
	st := &specs.State{Version: specs.Version, ID: "c1", Status: specs.StateCreated, Pid: 42, Bundle: "/b"}
	tests := []struct {
		name    string
		hooks   []specs.Hook
		wantErr string
		want    string
	}{
		{name: "state on stdin and env", hooks: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "cat > " + out + "; echo \" $FOO\" >> " + out}, Env: []string{"FOO=bar"}}},
			want: `"id":"c1"`},
		{name: "order", hooks: []specs.Hook{
			{Path: "/bin/sh", Args: []string{"sh", "-c", "echo a > " + out}},
			{Path: "/bin/sh", Args: []string{"sh", "-c", "echo b >> " + out}}}, want: "a\nb\n"},
		{name: "failure stops", hooks: []specs.Hook{
			{Path: "/bin/sh", Args: []string{"sh", "-c", "echo oops >&2; exit 3"}},
			{Path: "/bin/sh", Args: []string{"sh", "-c", "echo never > " + out}}}, wantErr: "exit status 3: oops"},
		{name: "timeout", hooks: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "sleep 5"}, Timeout: &one}}, wantErr: "timed out after 1s"},
		{name: "missing binary", hooks: []specs.Hook{{Path: "/nonexistent/hook"}}, wantErr: "prestart hook #0 (/nonexistent/hook)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(out)
			err := hooks.Run(context.Background(), "prestart", tc.hooks, st)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want containing %q", err, tc.wantErr)
				}
				if _, err := os.Stat(out); err == nil && tc.name == "failure stops" {
					t.Fatal("hook after a failing one ran")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(out)
			if !strings.Contains(string(got), tc.want) {
				t.Fatalf("output %q, want %q", got, tc.want)
			}
			if tc.name == "state on stdin and env" && !strings.Contains(string(got), " bar") {
				t.Fatalf("env not passed: %q", got)
			}
		})
	}
}
