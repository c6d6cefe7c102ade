package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLibrariesStayCLIFree keeps cobra (and so flag parsing) out of the
// libservin packages this command uses (STYLE.md: dependencies point down).
func TestLibrariesStayCLIFree(t *testing.T) {
	pkgs := []string{
		"github.com/servin/servin/libservin/store",
		"github.com/servin/servin/libservin/image/name",
		"github.com/servin/servin/libservin/image/layout",
		"github.com/servin/servin/libservin/image/importer",
		"github.com/servin/servin/libservin/image/transport",
	}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/spf13/") {
			t.Errorf("a libservin image package depends on %s", dep)
		}
	}
}
