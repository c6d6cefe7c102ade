package main_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/importer"
	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/testutil"
)

// TestPushPull moves an image from one servin root's store to the local
// registry and back into a second, empty root.
func TestPushPull(t *testing.T) {
	testutil.RequireRoot(t)
	regRoot, src, dst := t.TempDir(), t.TempDir(), t.TempDir()
	addr, _ := startDetached(t, regRoot)
	s, err := layout.Open(filepath.Join(src, "images"))
	if err != nil {
		t.Fatal(err)
	}
	desc, err := importer.Import(context.Background(), s, bytes.NewReader(imagetest.BusyboxTar(t)), importer.WithNames("myapp:v1.0"))
	if err != nil {
		t.Fatal(err)
	}
	if r := run(t, nil, "", "--root", src, "push", "myapp:v1.0", addr); r.code != 0 || !strings.Contains(r.stdout, "Pushed: "+addr+"/myapp:v1.0") {
		t.Fatalf("push: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, nil, "", "--root", dst, "pull", "myapp:v1.0", addr); r.code != 0 {
		t.Fatalf("pull: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	d, err := layout.Open(filepath.Join(dst, "images"))
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := d.Image(context.Background(), "myapp:v1.0")
	if err != nil {
		t.Fatalf("pulled image not in the store: %v", err)
	}
	if got.Digest != desc.Digest {
		t.Fatalf("pulled digest %s, pushed %s", got.Digest, desc.Digest)
	}
	imagetest.ValidateLayout(t, filepath.Join(dst, "images"))
	if r := run(t, nil, "", "--root", dst, "push", "nosuch:tag", addr); r.code == 0 || !strings.Contains(r.stderr, "nosuch") {
		t.Fatalf("push of a missing image: exit %d %s", r.code, r.stderr)
	}
}
