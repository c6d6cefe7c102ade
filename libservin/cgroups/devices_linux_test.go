package cgroups

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/testutil"
	"golang.org/x/sys/unix"
)

// TestSetDevicesV2Replaces: setting device rules again leaves exactly one
// device program on the cgroup, the new one.
func TestSetDevicesV2Replaces(t *testing.T) {
	testutil.RequireRoot(t)
	top := DefaultRoot
	switch DetectMode() {
	case ModeHybrid:
		top = filepath.Join(top, "unified")
	case ModeUnified:
	default:
		t.Skip("skipping: no cgroup2 hierarchy")
	}
	dir := filepath.Join(top, fmt.Sprintf("servin-test-devreplace-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(dir) })
	for _, rules := range [][]specs.LinuxDeviceCgroup{
		{{Access: "rwm"}, {Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"}},
		{{Allow: true, Access: "rwm"}},
		{{Access: "rwm"}},
	} {
		if err := setDevicesV2(dir, rules); err != nil {
			t.Fatal(err)
		}
		fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := attachedDevicePrograms(fd)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 1 {
			t.Fatalf("after setting %v: %d device programs attached, want 1", rules, len(ids))
		}
	}
}
