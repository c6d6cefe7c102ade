package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/importer"
	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/testutil"
)

// binDir holds servin, servin-run and servin-image built once (static, so
// --init works in any image).
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "servin-cli-test")
	if err != nil {
		panic(err)
	}
	binDir = dir
	for _, pkg := range []string{".", "../servin-run", "../servin-image"} {
		cmd := exec.Command("go", "build", "-o", dir+"/", pkg)
		if pkg == "." {
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // static: --init runs it in the container
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", pkg, err, out)
			os.Exit(1)
		}
	}
	cleanCgroups := testutil.CgroupParents("servin", "libpod_parent", "servin-test-crash-*")
	code := m.Run()
	cleanCgroups()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	tarOnce sync.Once
	bbTar   []byte
)

// env is one test's servin root with a busybox image named "busybox".
type env struct {
	t       *testing.T
	root    string
	logFile string
	runtime string // --runtime, empty for the default
	// wrap runs servin under a command (e.g. unshare), when set.
	wrap []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	testutil.RequireRoot(t)
	tarOnce.Do(func() { bbTar = imagetest.BusyboxTar(t) })
	e := &env{t: t, root: t.TempDir()}
	e.logFile = filepath.Join(e.root, "servin.log")
	s, err := layout.Open(filepath.Join(e.root, "images"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importer.Import(context.Background(), s, bytes.NewReader(bbTar), importer.WithNames("busybox"), importer.WithChanges(`CMD ["/bin/sh"]`)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.cleanup)
	return e
}

// cleanup removes every container (killing running ones) so no monitor or
// container process outlives the test.
func (e *env) cleanup() {
	out, _, _ := e.run("ls", "-aq", "--no-trunc")
	for _, id := range strings.Fields(out) {
		if _, stderr, code := e.run("rm", "-f", id); code != 0 {
			e.t.Logf("cleanup rm %s: %s", id, stderr)
		}
	}
}

func (e *env) cmd(stdin io.Reader, args ...string) *exec.Cmd {
	full := []string{"--root", e.root, "--log-file", e.logFile}
	if e.runtime != "" {
		full = append(full, "--runtime", e.runtime)
	}
	argv := append([]string{filepath.Join(binDir, "servin")}, append(full, args...)...)
	if len(e.wrap) > 0 {
		argv = append(append([]string(nil), e.wrap...), argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), "SERVIN_ROOT=", "SERVIN_RUNTIME=")
	return cmd
}

// run executes servin and returns stdout, stderr and the exit code.
func (e *env) run(args ...string) (string, string, int) { return e.runIn(nil, args...) }

func (e *env) runIn(stdin io.Reader, args ...string) (string, string, int) {
	e.t.Helper()
	cmd := e.cmd(stdin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		e.t.Fatalf("servin %v: timed out\nstdout: %s\nstderr: %s", args, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// ok runs servin, fails the test on a non-zero exit and returns stdout.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	out, stderr, code := e.run(args...)
	if code != 0 {
		e.t.Fatalf("servin %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, stderr)
	}
	return out
}

// expect runs servin and checks the exit code and that stdout contains want.
func (e *env) expect(code int, want string, args ...string) string {
	e.t.Helper()
	out, stderr, got := e.run(args...)
	if got != code || !strings.Contains(out, want) {
		e.t.Fatalf("servin %s: exit %d (want %d), stdout %q (want %q), stderr %q", strings.Join(args, " "), got, code, out, want, stderr)
	}
	return out
}

// inspect returns the container record.
func (e *env) inspect(ref string) *container.Container {
	e.t.Helper()
	var list []*container.Container
	if err := json.Unmarshal([]byte(e.ok("inspect", ref)), &list); err != nil || len(list) != 1 {
		e.t.Fatalf("inspect %s: %v", ref, err)
	}
	return list[0]
}

// waitFor polls cond for up to 10 seconds.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	e.t.Fatalf("timed out waiting for %s", what)
}
