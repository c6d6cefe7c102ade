package volume_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/servin/servin/libservin/volume"
)

func TestStore(t *testing.T) {
	root := t.TempDir()
	s, err := volume.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Create("data", map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Mountpoint != filepath.Join(root, "volumes", "data", "_data") || !v.Empty() {
		t.Fatalf("volume %+v", v)
	}
	if _, err := s.Create("data", nil); !errors.Is(err, volume.ErrExist) {
		t.Fatalf("duplicate: %v", err)
	}
	for _, bad := range []string{"", "../x", "a/b", ".hidden"} {
		if _, err := s.Create(bad, nil); !errors.Is(err, volume.ErrInvalidName) {
			t.Errorf("Create(%q): %v", bad, err)
		}
	}
	os.WriteFile(filepath.Join(v.Mountpoint, "f"), []byte("x"), 0o644)
	got, err := s.Get("data")
	if err != nil || got.Labels["k"] != "v" || got.Empty() {
		t.Fatalf("get: %+v %v", got, err)
	}
	s.Create("b", nil)
	list, _ := s.List()
	if len(list) != 2 || list[0].Name != "b" {
		t.Fatalf("list %v", list)
	}
	if err := s.Remove("data"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("data"); !errors.Is(err, volume.ErrNotExist) {
		t.Fatalf("after remove: %v", err)
	}
	if err := s.Remove("data"); !errors.Is(err, volume.ErrNotExist) {
		t.Fatalf("remove twice: %v", err)
	}
}
