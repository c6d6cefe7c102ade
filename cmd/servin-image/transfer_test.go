package main

import (
	"archive/tar"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/layout"
)

func inspectOne(t *testing.T, root, ref string) layout.Info {
	t.Helper()
	var infos []layout.Info
	if err := json.Unmarshal([]byte(ok(t, root, nil, "inspect", ref)), &infos); err != nil || len(infos) != 1 {
		t.Fatalf("inspect %s: %v", ref, err)
	}
	return infos[0]
}

func TestSaveLoad(t *testing.T) {
	root := t.TempDir()
	importBusybox(t, root, "busybox")
	ok(t, root, nil, "tag", "busybox", "localhost:5000/bb:v1")
	want := inspectOne(t, root, "busybox")
	for _, format := range []string{"oci-archive", "docker-archive"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "images.tar")
			ok(t, root, nil, "save", "busybox", "localhost:5000/bb:v1", "-o", file, "--format", format)
			if format == "oci-archive" { // what save writes validates against image-spec
				x := t.TempDir()
				if out, err := exec.Command("tar", "-C", x, "-xf", file).CombinedOutput(); err != nil {
					t.Fatalf("untar: %v %s", err, out)
				}
				imagetest.ValidateLayout(t, x)
			}
			other := t.TempDir()
			out := ok(t, other, nil, "load", "-i", file)
			if !strings.Contains(out, "Loaded image: busybox:latest") || !strings.Contains(out, "Loaded image: localhost:5000/bb:v1") {
				t.Fatalf("load printed %q", out)
			}
			if got := inspectOne(t, other, "localhost:5000/bb:v1"); got.ID != want.ID {
				t.Fatalf("loaded ID %s, want %s", got.ID, want.ID)
			}
			imagetest.ValidateLayout(t, filepath.Join(other, "images"))
			// From stdin too.
			f, _ := os.Open(file)
			defer f.Close()
			third := t.TempDir()
			ok(t, third, f, "load")
			if got := inspectOne(t, third, "busybox"); got.ID != want.ID {
				t.Fatalf("loaded from stdin: ID %s, want %s", got.ID, want.ID)
			}
		})
	}
	bad := filepath.Join(t.TempDir(), "bad.tar")
	os.WriteFile(bad, []byte("not an archive at all"), 0o644)
	before := snapshotDir(t, filepath.Join(root, "images"))
	fails(t, root, 1, "archive", "load", "-i", bad)
	evil := filepath.Join(t.TempDir(), "evil.tar")
	writeTar(t, evil, map[string]string{"oci-layout": `{"imageLayoutVersion":"1.0.0"}`, "../escaped": "x"})
	fails(t, root, 1, "unsafe path", "load", "-i", evil)
	if _, err := os.Stat(filepath.Join(os.TempDir(), "escaped")); err == nil {
		t.Fatal("a hostile archive wrote outside its directory")
	}
	if after := snapshotDir(t, filepath.Join(root, "images")); !reflect.DeepEqual(before, after) {
		t.Fatalf("failed loads changed the store")
	}
	fails(t, root, 1, "image not known", "save", "nothere", "-o", bad)
}

func TestCopyTransports(t *testing.T) {
	root := t.TempDir()
	importBusybox(t, root, "busybox")
	want := inspectOne(t, root, "busybox")
	dir := t.TempDir()
	steps := [][2]string{
		{"servin:busybox", "oci:" + filepath.Join(dir, "layout") + ":v1"},
		{"oci:" + filepath.Join(dir, "layout") + ":v1", "oci-archive:" + filepath.Join(dir, "a.tar") + ":v2"},
		{"oci-archive:" + filepath.Join(dir, "a.tar") + ":v2", "docker-archive:" + filepath.Join(dir, "d.tar") + ":copied:v3"},
		{"docker-archive:" + filepath.Join(dir, "d.tar") + ":copied:v3", "servin:copied:v4"},
	}
	for _, s := range steps {
		out := ok(t, root, nil, "copy", s[0], s[1])
		if !strings.Contains(out, "Digest: sha256:") {
			t.Fatalf("copy %s %s printed %q", s[0], s[1], out)
		}
	}
	if got := inspectOne(t, root, "copied:v4"); got.ID != want.ID {
		t.Fatalf("after the copy chain: ID %s, want %s", got.ID, want.ID)
	}
	imagetest.ValidateLayout(t, filepath.Join(dir, "layout"))
	fails(t, root, 1, "image not known", "copy", "oci:"+filepath.Join(dir, "layout")+":nope", "servin:x")
	fails(t, root, 125, "unknown transport", "copy", "ftp:x", "servin:x")
}

func TestPullPush(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	root := t.TempDir()
	importBusybox(t, root, "busybox")
	want := inspectOne(t, root, "busybox")
	out := ok(t, root, nil, "push", "busybox", reg+"/library/busybox:v1")
	if !strings.Contains(out, "done") || !strings.Contains(out, "Pushed: "+reg+"/library/busybox:v1") {
		t.Fatalf("push printed %q", out)
	}
	other := t.TempDir()
	out = ok(t, other, nil, "pull", reg+"/library/busybox:v1")
	if !strings.Contains(out, "done") || !strings.Contains(out, "Digest: "+want.Digest.String()) {
		t.Fatalf("pull printed %q", out)
	}
	if got := inspectOne(t, other, reg+"/library/busybox:v1"); got.Digest != want.Digest {
		t.Fatalf("pulled %s, want %s", got.Digest, want.Digest)
	}
	if out := ok(t, other, nil, "pull", "-q", "--tls-verify=false", reg+"/library/busybox:v1"); out != reg+"/library/busybox:v1\n" {
		t.Fatalf("pull -q printed %q", out)
	}
	ok(t, other, nil, "tag", reg+"/library/busybox:v1", reg+"/mirror/bb:v2")
	ok(t, other, nil, "push", "-q", "--insecure", reg+"/mirror/bb:v2")
	ok(t, t.TempDir(), nil, "copy", "-q", "docker://"+reg+"/mirror/bb:v2", "oci:"+filepath.Join(t.TempDir(), "l")+":x")
	fails(t, other, 1, "", "pull", reg+"/library/nothere:v1")
	fails(t, other, 1, "image not known", "push", "nothere", reg+"/x:v1")
}

func writeTar(t *testing.T, file string, files map[string]string) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg})
		tw.Write([]byte(files[n]))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}
