package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/layout"
)

func TestImportLsInspectHistory(t *testing.T) {
	root := t.TempDir()
	id := importBusybox(t, root, "busybox", "--change", `CMD ["/bin/sh"]`, "-c", "ENV A=1", "-m", "from the test")
	if !strings.HasPrefix(id, "sha256:") || len(id) != 71 {
		t.Fatalf("import printed %q, want an image ID", id)
	}
	ok(t, root, nil, "tag", "busybox", "localhost:5000/bb:v1")

	out := ok(t, root, nil, "ls")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "REPOSITORY") || !strings.Contains(lines[0], "IMAGE ID") {
		t.Fatalf("ls:\n%s", out)
	}
	for _, want := range []string{"busybox", "latest", "localhost:5000/bb", "v1", id[7:19]} {
		if !strings.Contains(out, want) {
			t.Errorf("ls output lacks %q:\n%s", want, out)
		}
	}
	if got := strings.TrimSpace(ok(t, root, nil, "ls", "-q")); got != id[7:19] {
		t.Errorf("ls -q = %q, want %q", got, id[7:19])
	}
	if got := ok(t, root, nil, "ls", "--format", "{{.Repository}}:{{.Tag}}"); got != "busybox:latest\nlocalhost:5000/bb:v1\n" {
		t.Errorf("ls --format template = %q", got)
	}
	if got := ok(t, root, nil, "ls", "busybox"); strings.Contains(got, "localhost") || !strings.Contains(got, "busybox") {
		t.Errorf("ls busybox filter:\n%s", got)
	}
	if got := ok(t, root, nil, "ls", "--digests"); !strings.Contains(got, "DIGEST") || !strings.Contains(got, "sha256:") {
		t.Errorf("ls --digests:\n%s", got)
	}
	var row map[string]any
	first := strings.SplitN(ok(t, root, nil, "ls", "--format", "json"), "\n", 2)[0]
	if err := json.Unmarshal([]byte(first), &row); err != nil || row["Repository"] != "busybox" || row["ID"] != id[7:19] {
		t.Errorf("ls --format json: %s (%v)", first, err)
	}

	var infos []layout.Info
	if err := json.Unmarshal([]byte(ok(t, root, nil, "inspect", "busybox")), &infos); err != nil {
		t.Fatal(err)
	}
	in := infos[0]
	if in.ID.String() != id || len(in.Layers) != 1 || in.Platform == nil || in.Size == 0 || in.Created == nil {
		t.Fatalf("inspect: %+v", in)
	}
	if !reflect.DeepEqual(in.Config.Cmd, []string{"/bin/sh"}) || !slices.Contains(in.Config.Env, "A=1") {
		t.Fatalf("inspect config: %+v", in.Config)
	}
	if !reflect.DeepEqual(in.Names, []string{"docker.io/library/busybox:latest", "localhost:5000/bb:v1"}) {
		t.Fatalf("inspect names: %v", in.Names)
	}
	if got := ok(t, root, nil, "inspect", "-f", "{{.ID}}", id[7:15]); strings.TrimSpace(got) != id {
		t.Fatalf("inspect by ID prefix with -f: %q", got)
	}
	hist := ok(t, root, nil, "history", "busybox")
	if !strings.Contains(hist, "CREATED BY") || !strings.Contains(hist, "servin-image import") || !strings.Contains(hist, "from the test") {
		t.Fatalf("history:\n%s", hist)
	}
	fails(t, root, 1, "image not known", "inspect", "busybox", "nothere")
	imagetest.ValidateLayout(t, filepath.Join(root, "images"))
}

func TestTagRmPrune(t *testing.T) {
	root := t.TempDir()
	id := importBusybox(t, root, "busybox")
	ok(t, root, nil, "tag", "busybox", "other:1")
	if out := ok(t, root, nil, "rm", "other:1"); out != "Untagged: other:1\n" {
		t.Fatalf("rm other:1 printed %q", out)
	}
	// In use by a container.
	var info []layout.Info
	json.Unmarshal([]byte(ok(t, root, nil, "inspect", "busybox")), &info)
	cdir := filepath.Join(root, "containers", "c1")
	os.MkdirAll(cdir, 0o755)
	os.WriteFile(filepath.Join(cdir, "container.json"), []byte(`{"image":"`+info[0].Digest.String()+`"}`), 0o644)
	fails(t, root, 1, "in use by a container", "rm", "busybox")
	fails(t, root, 1, "in use", "rm", id[7:19])
	out := ok(t, root, nil, "rm", "-f", id[7:19])
	if !strings.Contains(out, "Untagged: busybox:latest") || !strings.Contains(out, "Deleted: "+info[0].Digest.String()) {
		t.Fatalf("rm -f printed %q", out)
	}
	blobs, _ := os.ReadDir(filepath.Join(root, "images", "blobs", "sha256"))
	if len(blobs) != 0 {
		t.Fatalf("%d blobs left after removing the only image", len(blobs))
	}
	// Dangling images and prune.
	importBusybox(t, root, "a")
	importBusybox(t, root, "a", "-c", "CMD x") // replaces: first becomes dangling
	if out := ok(t, root, nil, "ls"); !strings.Contains(out, "<none>") {
		t.Fatalf("no dangling image in ls:\n%s", out)
	}
	out = ok(t, root, nil, "prune")
	if !strings.Contains(out, "Deleted Images:") || !strings.Contains(out, "Total reclaimed space") {
		t.Fatalf("prune printed %q", out)
	}
	if out := ok(t, root, nil, "ls", "-q"); len(strings.Fields(out)) != 1 {
		t.Fatalf("after prune: %q", out)
	}
	fails(t, root, 1, "image not known", "rm", "nothere")
}

func TestUsageErrors(t *testing.T) {
	root := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, "unknown command"},
		{[]string{"ls", "--bogus"}, "unknown flag"},
		{[]string{"tag", "a"}, "requires exactly 2"},
		{[]string{"tag", "a", "Bad:Name"}, "invalid reference"},
		{[]string{"rm"}, "requires at least 1"},
		{[]string{"import"}, "requires 1 to 2"},
		{[]string{"import", "-", "UP"}, "invalid reference"},
		{[]string{"save", "x"}, "-o FILE is required"},
		{[]string{"save", "x", "-o", "f", "--format", "zip"}, "--format must be"},
		{[]string{"copy", "nonsense", "servin:x"}, "invalid transport reference"},
		{[]string{"pull", "--platform", "linux", "x"}, "os/arch"},
		{[]string{"ls", "--format", "{{.Nope"}, "parse --format"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fails(t, root, 125, tc.want, tc.args...)
		})
	}
}

func TestImportBadInputLeavesStoreUntouched(t *testing.T) {
	root := t.TempDir()
	importBusybox(t, root, "keep")
	before := snapshotDir(t, filepath.Join(root, "images"))
	for name, input := range map[string][]byte{
		"garbage": bytes.Repeat([]byte("garbage!"), 1000),
		"empty":   nil,
		"trunc":   busyboxTarGz(t)[:5000],
	} {
		t.Run(name, func(t *testing.T) {
			res := run(t, root, bytes.NewReader(input), "import", "-", "keep")
			if res.code != 1 || !strings.Contains(res.stderr, "servin-image: import") {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			if after := snapshotDir(t, filepath.Join(root, "images")); !reflect.DeepEqual(before, after) {
				t.Fatalf("store changed:\n%v\n%v", before, after)
			}
		})
	}
	fails(t, root, 1, "no such file", "import", filepath.Join(root, "missing.tar"))
}

// snapshotDir maps each regular file (except lock files) to its size.
func snapshotDir(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && !strings.HasSuffix(p, ".lock") {
			out[p] = fi.Size()
		}
		return nil
	})
	return out
}
