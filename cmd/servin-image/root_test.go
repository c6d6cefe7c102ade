package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestRootSelection(t *testing.T) {
	envRoot, flagRoot := t.TempDir(), t.TempDir()
	importBusybox(t, flagRoot, "in-flag-root")
	cmd := exec.Command(bin, "import", "-", "in-env-root")
	cmd.Env = append(os.Environ(), "SERVIN_ROOT="+envRoot)
	cmd.Stdin = strings.NewReader(string(busyboxTarGz(t)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import with SERVIN_ROOT: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(envRoot, "images", "index.json")); err != nil {
		t.Fatalf("SERVIN_ROOT not used: %v", err)
	}
	// --root wins over SERVIN_ROOT.
	cmd = exec.Command(bin, "--root", flagRoot, "ls", "--format", "{{.Repository}}")
	cmd.Env = append(os.Environ(), "SERVIN_ROOT="+envRoot)
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "in-flag-root" {
		t.Fatalf("ls --root: %q, %v", out, err)
	}
}
