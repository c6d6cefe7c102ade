package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/servin/servin/libservin/store"
)

func TestRoot(t *testing.T) {
	tests := []struct {
		name, flag, env, want string
	}{
		{name: "flag wins", flag: "/a", env: "/b", want: "/a"},
		{name: "env", env: "/b", want: "/b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(store.EnvRoot, tc.env)
			if got := store.Root(tc.flag); got != tc.want {
				t.Fatalf("Root(%q) = %q, want %q", tc.flag, got, tc.want)
			}
		})
	}
	t.Run("default", func(t *testing.T) {
		t.Setenv(store.EnvRoot, "")
		got := store.DefaultRoot()
		if runtime.GOOS == "linux" && os.Geteuid() == 0 {
			if got != store.SystemRoot {
				t.Fatalf("DefaultRoot() = %q, want %q", got, store.SystemRoot)
			}
			return
		}
		if filepath.Base(got) != ".servin" {
			t.Fatalf("DefaultRoot() = %q, want ~/.servin", got)
		}
	})
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	for _, content := range []string{"one", "two, longer"} {
		if err := store.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q, %v; want %q", got, err, content)
		}
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
	if err := store.WriteFile(filepath.Join(dir, "missing", "f"), nil, 0o644); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

func TestLockExclusive(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".lock")
	ctx := context.Background()
	var (
		mu      sync.Mutex
		holders int
		maxSeen int
		wg      sync.WaitGroup
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := store.LockFile(ctx, p)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			holders++
			maxSeen = max(maxSeen, holders)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			holders--
			mu.Unlock()
			if err := l.Unlock(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if maxSeen != 1 {
		t.Fatalf("%d holders of an exclusive lock at once", maxSeen)
	}
}

func TestLockSharedAndCancel(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".lock")
	ctx := context.Background()
	r1, err := store.RLockFile(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := store.RLockFile(ctx, p)
	if err != nil {
		t.Fatalf("second shared lock: %v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := store.LockFile(cctx, p); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("exclusive lock while shared held: err = %v, want deadline exceeded", err)
	}
	r1.Unlock()
	r2.Unlock()
	l, err := store.LockFile(ctx, p)
	if err != nil {
		t.Fatalf("exclusive lock after release: %v", err)
	}
	l.Unlock()
}
