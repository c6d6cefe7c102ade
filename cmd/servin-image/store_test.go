package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/layout"
)

func TestConcurrentProcesses(t *testing.T) {
	root := t.TempDir()
	importBusybox(t, root, "base")
	input := busyboxTarGz(t)
	var wg sync.WaitGroup
	errs := make(chan string, 32)
	start := func(args []string, stdin []byte) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, append([]string{"--root", root}, args...)...)
			if stdin != nil {
				cmd.Stdin = bytes.NewReader(stdin)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Sprintf("%v: %v\n%s", args, err, out)
			}
		}()
	}
	const n = 6
	for i := range n {
		start([]string{"import", "-", fmt.Sprintf("imported:%d", i), "-c", fmt.Sprintf("ENV I=%d", i)}, input)
		start([]string{"tag", "base", fmt.Sprintf("tagged:%d", i)}, nil)
	}
	start([]string{"prune"}, nil)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	out := ok(t, root, nil, "ls", "--format", "{{.Repository}}:{{.Tag}}")
	for i := range n {
		for _, want := range []string{fmt.Sprintf("imported:%d", i), fmt.Sprintf("tagged:%d", i)} {
			if !strings.Contains(out, want+"\n") {
				t.Errorf("name %s lost in concurrent writes:\n%s", want, out)
			}
		}
	}
	s, err := layout.Open(filepath.Join(root, "images"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	imagetest.ValidateLayout(t, s.Path())
}

// bigTar is a tar archive with one large incompressible file.
func bigTar(t *testing.T, size int) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	data := make([]byte, size)
	rand.New(rand.NewSource(1)).Read(data)
	tw.WriteHeader(&tar.Header{Name: "big", Mode: 0o644, Size: int64(size), Typeflag: tar.TypeReg})
	tw.Write(data)
	tw.Close()
	return buf.Bytes()
}

func TestKillMidImport(t *testing.T) {
	root := t.TempDir()
	importBusybox(t, root, "keep")
	before := ok(t, root, nil, "ls", "-q")
	data := bigTar(t, 32<<20)
	cmd := exec.Command(bin, "--root", root, "import", "-", "crashed")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Feed half the archive, then wait until the blob is being written.
	if _, err := stdin.Write(data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	tmpDir := filepath.Join(root, "images", ".servin", "tmp")
	deadline := time.Now().Add(20 * time.Second)
	for {
		entries, _ := os.ReadDir(tmpDir)
		if len(entries) > 0 {
			if fi, err := entries[0].Info(); err == nil && fi.Size() > 1<<20 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("import never started writing its blob")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL to pid
		t.Fatalf("kill %d: %v", pid, err)
	}
	cmd.Wait()
	stdin.Close()

	s, err := layout.Open(filepath.Join(root, "images"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(context.Background()); err != nil {
		t.Fatalf("store broken by a killed import: %v", err)
	}
	imagetest.ValidateLayout(t, s.Path())
	if after := ok(t, root, nil, "ls", "-q"); after != before {
		t.Fatalf("images changed: %q → %q", before, after)
	}
	out := ok(t, root, nil, "prune")
	if strings.Contains(out, "Deleted blobs: 0\n") {
		t.Fatalf("prune left the partial blob: %s", out)
	}
	if entries, _ := os.ReadDir(tmpDir); len(entries) != 0 {
		t.Fatalf("temporary files left after prune: %v", entries)
	}
	// The store still works: the import can be redone.
	ok(t, root, io.NopCloser(bytes.NewReader(data)), "import", "-", "crashed")
}
