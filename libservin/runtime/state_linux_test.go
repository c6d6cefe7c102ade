package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestSaveRawSpec: a record saved with config.json's text loads back with
// the same spec, and once the spec changes (specJSON cleared) the change
// is what gets saved.
func TestSaveRawSpec(t *testing.T) {
	r, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte(`{
  "ociVersion": "1.2.0",
  "process": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
  "root": {"path": "rootfs"},
  "hostname": "raw"
}`)
	var s specs.Spec
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	rec := &record{ID: "c1", Pid: 42, Spec: &s, specJSON: raw, CgroupPaths: map[string]string{"pids": "/x"}}
	if err := mkdirState(r, rec.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.save(rec); err != nil {
		t.Fatal(err)
	}
	got, err := r.load("c1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Spec, &s) || got.Pid != 42 || got.CgroupPaths["pids"] != "/x" {
		t.Fatalf("loaded %+v (spec %+v), want pid 42, the spec and cgroups", got, got.Spec)
	}
	rec.specJSON = nil
	rec.Spec.Hostname = "changed"
	if err := r.save(rec); err != nil {
		t.Fatal(err)
	}
	if got, err = r.load("c1"); err != nil || got.Spec.Hostname != "changed" {
		t.Fatalf("after a change: %v, hostname %q", err, got.Spec.Hostname)
	}
}

func mkdirState(r *Runtime, id string) error {
	return os.MkdirAll(r.dir(id), 0o711)
}

// TestSaveInPlace: state.json is rewritten in place; a shorter record
// leaves no stale bytes that break decoding, and readers racing with
// writers always get one whole record.
func TestSaveInPlace(t *testing.T) {
	r, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	long := &record{ID: "c1", Pid: 1, Spec: &specs.Spec{Hostname: strings.Repeat("x", 5000)}}
	short := &record{ID: "c1", Pid: 2, Spec: &specs.Spec{Hostname: "y"}}
	if err := mkdirState(r, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := r.saveFirst(long); err != nil {
		t.Fatal(err)
	}
	if err := r.save(short); err != nil {
		t.Fatal(err)
	}
	got, err := r.load("c1")
	if err != nil || got.Pid != 2 || got.Spec.Hostname != "y" {
		t.Fatalf("after a shorter save: %v %+v", err, got)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 300; i++ {
			rec := short
			if i%2 == 0 {
				rec = long
			}
			if err := r.save(rec); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			if reads == 0 {
				t.Fatal("no read overlapped the writes")
			}
			return
		default:
		}
		got, err := r.load("c1")
		if err != nil {
			t.Fatalf("read %d: %v", reads, err)
		}
		if got.Pid == 1 && len(got.Spec.Hostname) != 5000 || got.Pid == 2 && got.Spec.Hostname != "y" {
			t.Fatalf("read %d: a mix of two records: pid %d hostname %d bytes", reads, got.Pid, len(got.Spec.Hostname))
		}
	}
}

// TestDeleteForceCorruptState: a create killed between creating
// state.json and writing it leaves an empty file; delete --force removes
// the container's directory anyway, delete without it reports the state
// as unreadable.
func TestDeleteForceCorruptState(t *testing.T) {
	r, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := mkdirState(r, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.dir("c1"), stateFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(context.Background(), "c1", false); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("delete without force: %v, want ErrCorrupt", err)
	}
	if err := r.Delete(context.Background(), "c1", true); err != nil {
		t.Fatalf("delete --force: %v", err)
	}
	if _, err := os.Stat(r.dir("c1")); !os.IsNotExist(err) {
		t.Fatalf("directory left behind: %v", err)
	}
}
