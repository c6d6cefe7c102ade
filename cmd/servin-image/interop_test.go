package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/layout"
)

// tool runs an external OCI tool (skopeo, umoci), skipping when absent.
func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("skipping: %s not installed (apt-get install %s)", name, name)
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func verifyStore(t *testing.T, root string) {
	t.Helper()
	s, err := layout.Open(filepath.Join(root, "images"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	imagetest.ValidateLayout(t, s.Path())
}

func TestSkopeoInterop(t *testing.T) {
	root := t.TempDir()
	importBusybox(t, root, "busybox", "-c", `CMD ["/bin/sh"]`)
	want := inspectOne(t, root, "busybox")
	store := filepath.Join(root, "images")
	dir := t.TempDir()

	// skopeo reads what servin-image writes.
	out := tool(t, "skopeo", "inspect", "--config", "oci:"+store+":docker.io/library/busybox:latest")
	if !strings.Contains(out, `"/bin/sh"`) {
		t.Fatalf("skopeo inspect --config:\n%s", out)
	}
	tool(t, "skopeo", "copy", "oci:"+store+":docker.io/library/busybox:latest", "oci:"+filepath.Join(dir, "sk")+":v1")
	// servin-image reads what skopeo writes, in its own layout and in the store.
	ok(t, root, nil, "copy", "oci:"+filepath.Join(dir, "sk")+":v1", "servin:from-skopeo-dir")
	tool(t, "skopeo", "copy", "oci:"+filepath.Join(dir, "sk")+":v1", "oci:"+store+":docker.io/library/from-skopeo:latest")
	for _, n := range []string{"from-skopeo-dir", "from-skopeo"} {
		if got := inspectOne(t, root, n); got.ID != want.ID {
			t.Fatalf("%s: ID %s, want %s", n, got.ID, want.ID)
		}
	}
	verifyStore(t, root)

	// Archives both ways.
	ok(t, root, nil, "save", "busybox", "-o", filepath.Join(dir, "s.tar"), "--format", "docker-archive")
	out = tool(t, "skopeo", "inspect", "docker-archive:"+filepath.Join(dir, "s.tar"))
	if !strings.Contains(out, want.Layers[0].Digest.String()) && !strings.Contains(out, want.Layers[0].DiffID.String()) {
		t.Fatalf("skopeo inspect of a servin docker-archive:\n%s", out)
	}
	ok(t, root, nil, "save", "busybox", "-o", filepath.Join(dir, "o.tar"))
	tool(t, "skopeo", "copy", "oci-archive:"+filepath.Join(dir, "o.tar")+":docker.io/library/busybox:latest", "docker-archive:"+filepath.Join(dir, "sk.tar")+":skopeo/made:v1")
	tool(t, "skopeo", "copy", "oci:"+filepath.Join(dir, "sk")+":v1", "oci-archive:"+filepath.Join(dir, "sko.tar")+":docker.io/skopeo/oci:v1")
	other := t.TempDir()
	ok(t, other, nil, "load", "-i", filepath.Join(dir, "sk.tar"))
	ok(t, other, nil, "load", "-i", filepath.Join(dir, "sko.tar"))
	for _, n := range []string{"skopeo/made:v1", "skopeo/oci:v1"} {
		if got := inspectOne(t, other, n); got.ID != want.ID {
			t.Fatalf("%s loaded from a skopeo archive: ID %s, want %s", n, got.ID, want.ID)
		}
	}
	verifyStore(t, other)
}

func TestSkopeoRegistryInterop(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	root := t.TempDir()
	importBusybox(t, root, "busybox")
	want := inspectOne(t, root, "busybox")
	ok(t, root, nil, "push", "-q", "busybox", reg+"/servin/bb:v1")
	out := tool(t, "skopeo", "inspect", "--tls-verify=false", "docker://"+reg+"/servin/bb:v1")
	if !strings.Contains(out, want.Digest.String()) {
		t.Fatalf("skopeo inspect of a servin push lacks %s:\n%s", want.Digest, out)
	}
	tool(t, "skopeo", "copy", "--dest-tls-verify=false", "--src-tls-verify=false", "docker://"+reg+"/servin/bb:v1", "docker://"+reg+"/skopeo/bb:v2")
	other := t.TempDir()
	ok(t, other, nil, "pull", "-q", reg+"/skopeo/bb:v2")
	if got := inspectOne(t, other, reg+"/skopeo/bb:v2"); got.ID != want.ID {
		t.Fatalf("pulled a skopeo push: ID %s, want %s", got.ID, want.ID)
	}
	verifyStore(t, other)
}

func TestUmociInterop(t *testing.T) {
	root := t.TempDir()
	importBusybox(t, root, "busybox")
	store := filepath.Join(root, "images")
	bundle := filepath.Join(t.TempDir(), "bundle")
	args := []string{"unpack", "--image", store + ":docker.io/library/busybox:latest", bundle}
	if os.Geteuid() != 0 {
		args = append([]string{"unpack", "--rootless"}, args[1:]...)
	}
	tool(t, "umoci", args...)
	if fi, err := os.Stat(filepath.Join(bundle, "rootfs", "bin", "busybox")); err != nil || fi.Size() == 0 {
		t.Fatalf("umoci unpack of a servin image: %v", err)
	}
	if out := tool(t, "umoci", "ls", "--layout", store); !strings.Contains(out, "docker.io/library/busybox:latest") {
		t.Fatalf("umoci ls: %s", out)
	}
	// umoci writes into the store; servin-image reads it.
	tool(t, "umoci", "config", "--image", store+":docker.io/library/busybox:latest", "--config.cmd=echo", "--config.cmd=umoci", "--tag", "docker.io/library/by-umoci:latest")
	got := inspectOne(t, root, "by-umoci")
	if strings.Join(got.Config.Cmd, " ") != "echo umoci" {
		t.Fatalf("image written by umoci: cmd %v", got.Config.Cmd)
	}
	tool(t, "umoci", "gc", "--layout", store)
	verifyStore(t, root)
	ok(t, root, nil, "rm", "by-umoci")
	ok(t, root, nil, "prune")
	tool(t, "umoci", "ls", "--layout", store)
	verifyStore(t, root)
}
