package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanDependencies keeps out of servin-run the packages its hand-written
// command line replaced: each is start-up time (package init) and binary
// size (peak RSS) in every runtime call an engine makes.
func TestLeanDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	banned := map[string]bool{"flag": true, "regexp": true, "text/template": true, "net/url": true, "encoding/csv": true}
	for _, dep := range strings.Fields(string(out)) {
		if banned[dep] || strings.HasPrefix(dep, "github.com/spf13/") {
			t.Errorf("servin-run depends on %s", dep)
		}
	}
}
