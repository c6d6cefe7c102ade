package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/testutil"
)

func TestUnpackMount(t *testing.T) {
	testutil.RequireRoot(t)
	root := t.TempDir()
	importBusybox(t, root, "busybox", "--change", `ENTRYPOINT ["/bin/sh", "-c"]`, "--change", `CMD ["echo hi"]`,
		"--change", "WORKDIR /tmp", "--change", "ENV A=1")
	bundle := filepath.Join(t.TempDir(), "bundle")
	ok(t, root, nil, "unpack", "--uid-map", "0:100000:65536", "--gid-map", "0:100000:65536", "busybox", bundle)
	var s specs.Spec
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil || json.Unmarshal(data, &s) != nil {
		t.Fatalf("config.json: %v %s", err, data)
	}
	if strings.Join(s.Process.Args, " ") != "/bin/sh -c echo hi" || s.Process.Cwd != "/tmp" || !strings.Contains(strings.Join(s.Process.Env, ","), "A=1") {
		t.Fatalf("config from image: args %v cwd %q env %v", s.Process.Args, s.Process.Cwd, s.Process.Env)
	}
	if len(s.Linux.UIDMappings) != 1 || s.Linux.UIDMappings[0].HostID != 100000 {
		t.Fatalf("uid maps %+v", s.Linux.UIDMappings)
	}
	if fi, err := os.Stat(filepath.Join(bundle, "rootfs", "bin", "busybox")); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("rootfs not unpacked: %v", err)
	}
	fails(t, root, 1, "exist", "unpack", "busybox", bundle)
	fails(t, root, 125, "id map", "unpack", "--uid-map", "nonsense", "busybox", filepath.Join(t.TempDir(), "b2"))

	mnt := filepath.Join(t.TempDir(), "mnt")
	ok(t, root, nil, "mount", "--writable", "busybox", mnt)
	t.Cleanup(func() { run(t, root, nil, "umount", mnt) })
	if _, err := os.Stat(filepath.Join(mnt, "bin", "busybox")); err != nil {
		t.Fatalf("mounted image lacks /bin/busybox: %v", err)
	}
	if err := os.WriteFile(filepath.Join(mnt, "new-file"), []byte("x"), 0o644); err != nil {
		t.Fatalf("writable mount: %v", err)
	}
	ok(t, root, nil, "umount", mnt)
	if _, err := os.Stat(filepath.Join(mnt, "new-file")); err == nil {
		t.Fatal("umount left the overlay in place")
	}
	// The shared snapshot is untouched by the container's write.
	ro := filepath.Join(t.TempDir(), "ro")
	ok(t, root, nil, "mount", "busybox", ro)
	defer run(t, root, nil, "umount", ro)
	if _, err := os.Stat(filepath.Join(ro, "new-file")); err == nil {
		t.Fatal("a write through one mount reached the shared snapshot")
	}
	if err := os.WriteFile(filepath.Join(ro, "x"), nil, 0o644); err == nil {
		t.Fatal("read-only mount accepted a write")
	}
}
