package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVolumes(t *testing.T) {
	e := newEnv(t)
	e.expect(0, "data\n", "volume", "create", "--label", "team=a", "data")
	e.expect(125, "", "volume", "create", "data")
	e.expect(125, "", "volume", "create", "bad/name")
	e.ok("volume", "create", "other")
	if out := e.ok("volume", "ls"); !strings.Contains(out, "VOLUME NAME") || !strings.Contains(out, "data") || !strings.Contains(out, "other") {
		t.Fatalf("volume ls: %s", out)
	}
	e.expect(0, "data\n", "volume", "ls", "-q", "--filter", "label=team=a")
	e.expect(0, "other\n", "volume", "ls", "-q", "--filter", "name=oth")
	var vols []struct{ Name, Mountpoint string }
	if err := json.Unmarshal([]byte(e.ok("volume", "inspect", "data")), &vols); err != nil || len(vols) != 1 || vols[0].Name != "data" {
		t.Fatalf("inspect: %v %+v", err, vols)
	}
	if !strings.HasPrefix(vols[0].Mountpoint, filepath.Join(e.root, "volumes", "data")) {
		t.Fatalf("mountpoint %s not under <root>/volumes", vols[0].Mountpoint)
	}

	// A volume keeps data across containers.
	e.ok("run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo persisted > /data/file")
	e.expect(0, "persisted\n", "run", "--rm", "-v", "data:/data:ro", "busybox", "cat", "/data/file")
	e.expect(0, "persisted\n", "run", "--rm", "--mount", "type=volume,source=data,target=/d", "busybox", "cat", "/d/file")

	// A new named volume is populated from the image at its mount point.
	e.expect(0, "passwd", "run", "--rm", "-v", "fresh:/etc", "busybox", "ls", "/etc")
	if _, err := os.Stat(filepath.Join(e.root, "volumes", "fresh", "_data", "passwd")); err != nil {
		t.Fatalf("volume not populated: %v", err)
	}

	// In use: rm refuses; rm-all and prune keep it.
	e.ok("create", "--name", "holder", "-v", "data:/data", "busybox", "true")
	if _, stderr, code := e.run("volume", "rm", "data"); code != 125 || !strings.Contains(stderr, "in use") {
		t.Fatalf("rm in use: %d %q", code, stderr)
	}
	// rm-all asks first.
	if _, _, code := e.runIn(strings.NewReader("n\n"), "volume", "rm-all"); code == 0 {
		t.Fatal("rm-all without confirmation succeeded")
	}
	e.expect(0, "other", "volume", "ls", "-q")
	out, _, code := e.runIn(strings.NewReader("y\n"), "volume", "rm-all")
	if code != 0 || !strings.Contains(out, "other") || strings.Contains(out, "data\n") {
		t.Fatalf("rm-all: %d %q", code, out)
	}
	e.expect(0, "data\n", "volume", "ls", "-q")

	// Anonymous volumes: rm -v removes them; prune removes unused ones.
	e.ok("create", "--name", "anon", "-v", "/scratch", "busybox", "true")
	anon := e.inspect("anon").Mounts[0].Name
	if len(anon) != 64 {
		t.Fatalf("anonymous volume name %q", anon)
	}
	e.ok("rm", "-v", "anon")
	if out := e.ok("volume", "ls", "-q"); strings.Contains(out, anon) {
		t.Fatal("rm -v kept the anonymous volume")
	}
	e.ok("create", "--name", "anon2", "-v", "/scratch", "busybox", "true")
	anon2 := e.inspect("anon2").Mounts[0].Name
	e.ok("rm", "anon2")
	e.expect(0, anon2, "volume", "prune", "-f")
	e.ok("rm", "holder")
	e.expect(0, "data\n", "volume", "rm", "data")
	e.ok("volume", "rm-all", "-f")
	if out := e.ok("volume", "ls", "-q"); out != "" {
		t.Fatalf("volumes left: %q", out)
	}
	e.expect(125, "", "volume", "rm", "nosuch")
}
