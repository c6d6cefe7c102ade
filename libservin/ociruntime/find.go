package ociruntime

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// DefaultName is the runtime used when none is given.
const DefaultName = "servin-run"

// Find resolves a runtime given by name or path. A path (containing a
// separator) is used as is; a bare name is looked up first next to the
// running executable (so an installed servin finds its own servin-run),
// then on PATH. An empty name means DefaultName.
func Find(name string) (string, error) {
	if name == "" {
		name = DefaultName
	}
	if strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator) {
		p, err := filepath.Abs(name)
		if err != nil {
			return "", fmt.Errorf("runtime %s: %w", name, err)
		}
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("runtime %s: %w: %w", name, ErrNotFound, err)
		}
		return p, nil
	}
	if p := besideExecutable(name); p != "" {
		return p, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("runtime %s: %w", name, ErrNotFound)
	}
	return filepath.Abs(p)
}

// besideExecutable returns dir(os.Executable())/name when it is an
// executable file.
func besideExecutable(name string) string {
	self, err := os.Executable()
	if err != nil {
		return ""
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	p := filepath.Join(filepath.Dir(self), name)
	if runtime.GOOS == "windows" && filepath.Ext(p) == "" {
		p += ".exe"
	}
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() || (runtime.GOOS != "windows" && fi.Mode()&0o111 == 0) {
		return ""
	}
	return p
}
