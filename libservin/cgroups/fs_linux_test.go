package cgroups

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOpenInRemadeDir: control files are opened relative to a cached
// handle of their directory; once the directory is removed and made again
// at the same path, writes reach the new one.
func TestOpenInRemadeDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cg")
	for round := 0; round < 2; round++ {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "pids.max"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		want := []string{"10", "20"}[round]
		if err := writeFile(dir, "pids.max", want); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if got, err := readFile(dir, "pids.max"); err != nil || got != want {
			t.Fatalf("round %d: read %q %v, want %q", round, got, err, want)
		}
		data, _ := os.ReadFile(filepath.Join(dir, "pids.max"))
		if string(data) != want {
			t.Fatalf("round %d: the file holds %q, want %q", round, data, want)
		}
		// Removed behind the cache's back (no removeTree): the next round
		// makes it again.
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeFile(dir, "pids.max", "1"); err == nil {
		t.Fatal("wrote into a removed directory")
	}
}
