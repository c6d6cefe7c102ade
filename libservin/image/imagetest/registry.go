package imagetest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// RegistryBinary returns the path of Debian's docker-registry (package
// docker-registry) or skips the test.
func RegistryBinary(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SERVIN_TEST_REGISTRY"), "/usr/bin/docker-registry"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("docker-registry"); err == nil {
		return p
	}
	t.Skip("skipping: docker-registry not installed (apt-get install docker-registry)")
	return ""
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartRegistry runs docker-registry on a random free port of 127.0.0.1
// with a temporary config and storage directory, waits until it answers,
// and kills it (by PID) in cleanup. It returns "127.0.0.1:PORT".
func StartRegistry(t testing.TB) string {
	t.Helper()
	bin := RegistryBinary(t)
	dir := t.TempDir()
	for attempt := 0; attempt < 3; attempt++ {
		addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
		cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "storage"), addr)
		cfgPath := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "serve", cfgPath)
		logf, _ := os.Create(filepath.Join(dir, "registry.log"))
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatalf("start docker-registry: %v", err)
		}
		proc := cmd.Process // killed by PID below
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		stop := func() {
			proc.Kill()
			<-done
			logf.Close()
		}
		if waitHTTP("http://"+addr+"/v2/", done) {
			t.Cleanup(stop)
			return addr
		}
		stop()
	}
	log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
	t.Fatalf("docker-registry did not start:\n%s", log)
	return ""
}

func waitHTTP(url string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
