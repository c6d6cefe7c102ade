package main_test

import (
	"strings"
	"testing"

	"github.com/servin/servin/libservin/image/imagetest"
)

// TestRunPullsMissingImage: run pulls from a loopback registry when the
// image is missing; --pull never refuses; --pull always pulls again.
func TestRunPullsMissingImage(t *testing.T) {
	e := newEnv(t)
	reg := imagetest.StartRegistry(t)
	ref := reg + "/test/bb:v1"
	e.ok("image", "push", "busybox", ref)
	e.ok("image", "rm", "busybox")
	e.expect(125, "", "run", "--rm", "--pull", "never", ref, "true")
	out, stderr, code := e.run("run", "--rm", ref, "echo", "pulled")
	if code != 0 || out != "pulled\n" || !strings.Contains(stderr, "pulling") {
		t.Fatalf("run with pull: %d %q %q", code, out, stderr)
	}
	e.expect(0, "test/bb", "image", "ls")
	out, stderr, code = e.run("run", "--rm", "--pull", "always", ref, "echo", "again")
	if code != 0 || out != "again\n" || !strings.Contains(stderr, "pulling") {
		t.Fatalf("--pull always: %d %q %q", code, out, stderr)
	}
}
