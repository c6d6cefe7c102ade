package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/servin/servin/libservin/image/imagetest"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "servin-image-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "servin-image")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build servin-image: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs servin-image with --root root.
func run(t *testing.T, root string, stdin io.Reader, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--root", root}, args...)...)
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), "SERVIN_ROOT=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run servin-image %v: %v", args, err)
	}
	return res
}

// ok runs servin-image and fails the test unless it exits 0.
func ok(t *testing.T, root string, stdin io.Reader, args ...string) string {
	t.Helper()
	res := run(t, root, stdin, args...)
	if res.code != 0 {
		t.Fatalf("servin-image %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
	return res.stdout
}

// fails runs servin-image and checks the exit code and that stderr says why.
func fails(t *testing.T, root string, code int, stderrHas string, args ...string) result {
	t.Helper()
	res := run(t, root, nil, args...)
	if res.code != code || !strings.Contains(res.stderr, stderrHas) {
		t.Fatalf("servin-image %s: exit %d (want %d), stderr %q (want %q)", strings.Join(args, " "), res.code, code, res.stderr, stderrHas)
	}
	return res
}

// busyboxTarGz is a gzip rootfs tarball built from the host's busybox.
func busyboxTarGz(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(imagetest.BusyboxTar(t))
	w.Close()
	return buf.Bytes()
}

// importBusybox imports a busybox rootfs under the given name and
// returns the image ID printed.
func importBusybox(t *testing.T, root, name string, extra ...string) string {
	t.Helper()
	args := append([]string{"import", "-", name}, extra...)
	return strings.TrimSpace(ok(t, root, bytes.NewReader(busyboxTarGz(t)), args...))
}
