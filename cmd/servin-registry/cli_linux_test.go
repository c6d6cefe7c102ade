package main_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/servin/servin/libservin/testutil"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/servin/servin/libservin/registry"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "servin-registry-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "servin-registry")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build servin-registry: %v\n%s", err, out)
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

func run(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(data, ')')
	return i < 0 || i+2 >= len(data) || data[i+2] != 'Z'
}

// startDetached starts a background server under root and returns its
// host:port and pid; cleanup stops it and makes sure no process is left.
func startDetached(t *testing.T, root string, extra ...string) (string, int) {
	t.Helper()
	port := freePort(t)
	args := append([]string{"--root", root, "start", "--detach", "--port", strconv.Itoa(port), "--log-level", "warn"}, extra...)
	r := run(t, nil, "", args...)
	if r.code != 0 {
		t.Fatalf("start --detach: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	st, err := registry.Running(filepath.Join(root, "registry"))
	if err != nil {
		t.Fatalf("no running state after start --detach: %v", err)
	}
	t.Cleanup(func() {
		run(t, nil, "", "--root", root, "stop")
		if alive(st.PID) {
			syscall.Kill(st.PID, syscall.SIGKILL)
			t.Errorf("server %d still alive after stop", st.PID)
		}
	})
	return "127.0.0.1:" + strconv.Itoa(port), st.PID
}

func randomImage(t *testing.T, size, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(size, layers)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func digestOf(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDetachStop(t *testing.T) {
	root := t.TempDir()
	host, pid := startDetached(t, root)
	resp, err := http.Get("http://" + host + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/v2/: %s", resp.Status)
	}
	for _, f := range []string{registry.PIDFileName, registry.LogFileName} {
		if _, err := os.Stat(filepath.Join(root, "registry", f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// a second start under the same root names the running one
	r := run(t, nil, "", "--root", root, "start", "--detach", "--port", strconv.Itoa(freePort(t)))
	if r.code != 2 || !strings.Contains(r.stderr, "already") && !strings.Contains(r.stderr, "is running") {
		t.Errorf("second start: exit %d, %q", r.code, r.stderr)
	}
	// a second server on the busy port fails clearly, in the foreground and detached
	_, port, _ := net.SplitHostPort(host)
	for _, detach := range []string{"--detach=false", "--detach"} {
		r = run(t, nil, "", "--root", t.TempDir(), "start", detach, "--port", port)
		if r.code == 0 || !strings.Contains(r.stderr, "address already in use") {
			t.Errorf("start %s on a busy port: exit %d, %q", detach, r.code, r.stderr)
		}
	}
	r = run(t, nil, "", "--root", root, "stop")
	if r.code != 0 || !strings.Contains(r.stdout, "stopped") {
		t.Fatalf("stop: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if alive(pid) {
		t.Fatalf("server %d alive after stop", pid)
	}
	if _, err := os.Stat(filepath.Join(root, "registry", registry.PIDFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file left after stop: %v", err)
	}
	log, _ := os.ReadFile(filepath.Join(root, "registry", registry.LogFileName))
	if !strings.Contains(string(log), "stopped") {
		t.Errorf("log does not show a graceful stop:\n%s", log)
	}
	r = run(t, nil, "", "--root", root, "stop")
	if r.code == 0 || !strings.Contains(r.stderr, "no registry server is running") {
		t.Errorf("stop with none running: exit %d, %q", r.code, r.stderr)
	}
}

func TestKilledServerRestart(t *testing.T) {
	root := t.TempDir()
	host, pid := startDetached(t, root)
	img := randomImage(t, 4096, 3)
	if err := remote.Write(mustRef(t, host+"/keep/me:v1"), img); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := 0; alive(pid) && i < 100; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	// the stale pid file does not block a new start
	r := run(t, nil, "", "--root", root, "start", "--detach", "--port", strings.Split(host, ":")[1], "--log-level", "warn")
	if r.code != 0 {
		t.Fatalf("restart after kill: exit %d: %s", r.code, r.stderr)
	}
	st, err := registry.Running(filepath.Join(root, "registry"))
	if err != nil || st.PID == pid {
		t.Fatalf("state after restart: %+v %v", st, err)
	}
	got, err := remote.Image(mustRef(t, host+"/keep/me:v1"))
	if err != nil {
		t.Fatalf("pull after restart: %v", err)
	}
	if digestOf(t, got) != digestOf(t, img) {
		t.Fatal("image changed across the restart")
	}
	if err := remote.Write(mustRef(t, host+"/keep/me:v2"), randomImage(t, 1024, 1)); err != nil {
		t.Fatalf("push after restart: %v", err)
	}
}

func writeHtpasswd(t *testing.T, user, pass string) string { return testutil.Htpasswd(t, user, pass) }

func TestLoginLogout(t *testing.T) {
	root := t.TempDir()
	host, _ := startDetached(t, root, "--htpasswd", writeHtpasswd(t, "alice", "wonderland"))
	cfgDir := filepath.Join(t.TempDir(), "docker")
	env := []string{"DOCKER_CONFIG=" + cfgDir, "REGISTRY_AUTH_FILE="}
	file := filepath.Join(cfgDir, "config.json")

	r := run(t, env, "wrong\n", "--root", root, "login", "-u", "alice", "--password-stdin", host)
	if r.code == 0 || !strings.Contains(r.stderr, "unauthorized") {
		t.Fatalf("login with a wrong password: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed login stored something: %v", err)
	}
	// the registry defaults to the running local one
	r = run(t, env, "wonderland\n", "--root", root, "login", "-u", "alice", "--password-stdin")
	if r.code != 0 || !strings.Contains(r.stdout, "Login Succeeded") {
		t.Fatalf("login: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config.json: %v %v", fi, err)
	}
	var doc struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	data, _ := os.ReadFile(file)
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Auths[host].Auth != base64.StdEncoding.EncodeToString([]byte("alice:wonderland")) {
		t.Fatalf("config.json: %s", data)
	}
	// other tools' readers find the credentials
	kc := authn.NewMultiKeychain(authn.DefaultKeychain)
	t.Setenv("DOCKER_CONFIG", cfgDir)
	if err := remote.Write(mustRef(t, host+"/login/img:v1"), randomImage(t, 512, 1), remote.WithAuthFromKeychain(kc)); err != nil {
		t.Fatalf("push with the stored credentials: %v", err)
	}
	r = run(t, env, "", "--root", root, "list")
	if r.code != 0 || !strings.Contains(r.stdout, host) || !strings.Contains(r.stdout, "ok") {
		t.Errorf("list: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	// -p works too, with a warning; --authfile wins over the environment
	other := filepath.Join(t.TempDir(), "auth.json")
	r = run(t, env, "", "--root", root, "login", "-u", "alice", "-p", "wonderland", "--authfile", other, host)
	if r.code != 0 || !strings.Contains(r.stderr, "password-stdin") {
		t.Errorf("login -p: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("--authfile not written: %v", err)
	}
	r = run(t, env, "", "--root", root, "logout", host)
	if r.code != 0 {
		t.Fatalf("logout: exit %d: %s", r.code, r.stderr)
	}
	data, _ = os.ReadFile(file)
	if strings.Contains(string(data), host) {
		t.Errorf("credentials left after logout: %s", data)
	}
	r = run(t, env, "", "--root", root, "logout", host)
	if r.code == 0 || !strings.Contains(r.stderr, "not logged in") {
		t.Errorf("second logout: exit %d, %q", r.code, r.stderr)
	}
	r = run(t, env, "", "--root", root, "login", "-u", "alice", host)
	if r.code == 0 || !strings.Contains(r.stderr, "password") {
		t.Errorf("login without a password on a pipe: exit %d, %q", r.code, r.stderr)
	}
}

func TestGCRefusesWhileRunning(t *testing.T) {
	root := t.TempDir()
	host, _ := startDetached(t, root)
	if err := remote.Write(mustRef(t, host+"/gc/img:v1"), randomImage(t, 512, 2)); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "", "--root", root, "gc")
	if r.code == 0 || !strings.Contains(r.stderr, "running") {
		t.Fatalf("gc while running: exit %d, %q", r.code, r.stderr)
	}
	if r := run(t, nil, "", "--root", root, "stop"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r = run(t, nil, "", "--root", root, "gc", "--delete-untagged", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "would delete 0 blobs") {
		t.Fatalf("gc: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
}

// startDockerRegistry runs Debian's docker-registry (distribution 2.8) on
// a free loopback port, or skips when it is not installed.
func startDockerRegistry(t *testing.T) string {
	t.Helper()
	exe, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Skip("docker-registry not installed (apt-get install docker-registry)")
	}
	dir := t.TempDir()
	port := freePort(t)
	cfg := fmt.Sprintf("version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage:\n  filesystem: {rootdirectory: %s}\n  delete: {enabled: true}\nhttp:\n  addr: 127.0.0.1:%d\n", filepath.Join(dir, "data"), port)
	file := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "serve", file)
	cmd.Env = append(os.Environ(), "OTEL_TRACES_EXPORTER=none")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	host := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; i < 100; i++ {
		if resp, err := http.Get("http://" + host + "/v2/"); err == nil {
			resp.Body.Close()
			return host
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("docker-registry did not answer")
	return ""
}

func copyImage(t *testing.T, from, to string) v1.Hash {
	t.Helper()
	img, err := remote.Image(mustRef(t, from))
	if err != nil {
		t.Fatalf("pull %s: %v", from, err)
	}
	if err := remote.Write(mustRef(t, to), img); err != nil {
		t.Fatalf("push %s: %v", to, err)
	}
	return digestOf(t, img)
}

func TestRoundTripPeers(t *testing.T) {
	a, _ := startDetached(t, t.TempDir())
	b, _ := startDetached(t, t.TempDir())
	img := randomImage(t, 8192, 3)
	want := digestOf(t, img)
	if err := remote.Write(mustRef(t, a+"/peer/img:v1"), img); err != nil {
		t.Fatal(err)
	}
	if got := copyImage(t, a+"/peer/img:v1", b+"/peer/img:v1"); got != want {
		t.Fatalf("servin → servin: %s, want %s", got, want)
	}
	d := startDockerRegistry(t)
	if got := copyImage(t, b+"/peer/img:v1", d+"/peer/img:v1"); got != want {
		t.Fatalf("servin → docker-registry: %s, want %s", got, want)
	}
	if got := copyImage(t, d+"/peer/img:v1", a+"/peer/back:v1"); got != want {
		t.Fatalf("docker-registry → servin: %s, want %s", got, want)
	}
	// and a fresh image first pushed to docker-registry
	img2 := randomImage(t, 2048, 2)
	if err := remote.Write(mustRef(t, d+"/peer/two:v1"), img2); err != nil {
		t.Fatal(err)
	}
	if got := copyImage(t, d+"/peer/two:v1", b+"/peer/two:v1"); got != digestOf(t, img2) {
		t.Fatalf("docker-registry → servin: %s", got)
	}
}

func TestTLSStart(t *testing.T) {
	cert, key := selfSigned(t)
	root := t.TempDir()
	host, _ := startDetached(t, root, "--tls-cert", cert, "--tls-key", key, "--htpasswd", writeHtpasswd(t, "bob", "builder"))
	env := []string{"REGISTRY_AUTH_FILE=" + filepath.Join(t.TempDir(), "auth.json")}
	r := run(t, env, "builder", "--root", root, "login", "-u", "bob", "--password-stdin", host)
	if r.code == 0 {
		t.Fatal("login trusted a self-signed certificate")
	}
	r = run(t, env, "builder", "--root", root, "login", "-u", "bob", "--password-stdin", "--ca-cert", cert, host)
	if r.code != 0 {
		t.Fatalf("login with --ca-cert: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, env, "", "--root", root, "list", "--ca-cert", cert)
	if r.code != 0 || !regexpLine(r.stdout, host, "yes", "ok") {
		t.Errorf("list: %s%s", r.stdout, r.stderr)
	}
}

func regexpLine(out string, words ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return true
		}
	}
	return false
}
