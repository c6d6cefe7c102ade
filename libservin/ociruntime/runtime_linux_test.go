package ociruntime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/ociruntime"
	"github.com/servin/servin/libservin/spec"
	"github.com/servin/servin/libservin/testutil"
)

// runtimes returns the runtimes to test: servin-run built from this tree
// and runc when installed.
func runtimes(t *testing.T) map[string]string {
	out := map[string]string{}
	bin := filepath.Join(t.TempDir(), "servin-run")
	if b, err := exec.Command("go", "build", "-o", bin, "../../cmd/servin-run").CombinedOutput(); err != nil {
		t.Fatalf("build servin-run: %v\n%s", err, b)
	}
	out["servin-run"] = bin
	if p, err := exec.LookPath("runc"); err == nil {
		out["runc"] = p
	}
	return out
}

// TestLifecycle drives create/start/state/kill/delete (and exec, ps with
// runc) through each runtime's command line.
func TestLifecycle(t *testing.T) {
	testutil.RequireRoot(t)
	for name, path := range runtimes(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			base := t.TempDir()
			bundle := filepath.Join(base, "bundle")
			testutil.BusyboxRootfs(t, filepath.Join(bundle, "rootfs"))
			s := spec.Default()
			s.Process.Terminal, s.Root.Readonly = false, false
			s.Process.Args = []string{"sh", "-c", "echo started; sleep 100"}
			data, _ := json.Marshal(s)
			os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644)
			rt := ociruntime.New(path, filepath.Join(base, "state"))
			id := "lifecycle-test"
			t.Cleanup(func() { _ = rt.Delete(context.Background(), id, true) })
			var out bytes.Buffer
			r, w, _ := os.Pipe()
			err := rt.Create(ctx, id, ociruntime.CreateOptions{Bundle: bundle, PidFile: filepath.Join(base, "pid"), Stdio: ociruntime.Stdio{Stdout: w, Stderr: w}})
			w.Close()
			if err != nil {
				t.Fatal(err)
			}
			st, err := rt.State(ctx, id)
			if err != nil || st.Status != specs.StateCreated || st.Pid == 0 {
				t.Fatalf("state after create: %+v %v", st, err)
			}
			if err := rt.Start(ctx, id); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			n, _ := r.Read(buf)
			out.Write(buf[:n])
			if out.String() != "started\n" {
				t.Fatalf("container output %q", out.String())
			}
			if st, _ := rt.State(ctx, id); st.Status != specs.StateRunning {
				t.Fatalf("state after start: %+v", st)
			}
			if name == "runc" {
				var eo bytes.Buffer
				p := *s.Process
				p.Args = []string{"sh", "-c", "echo $((6*7)); exit 3"}
				err := rt.Exec(ctx, id, ociruntime.ExecOptions{Process: &p, Stdio: ociruntime.Stdio{Stdout: &eo}})
				var ee *ociruntime.ExitError
				if !errors.As(err, &ee) || ee.Code != 3 || eo.String() != "42\n" {
					t.Fatalf("exec: %v %q", err, eo.String())
				}
				pids, err := rt.Ps(ctx, id)
				if err != nil || len(pids) != 1 || pids[0] != st.Pid {
					t.Fatalf("ps: %v %v", pids, err)
				}
			}
			if err := rt.Kill(ctx, id, "KILL", false); err != nil {
				t.Fatal(err)
			}
			for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				st, err := rt.State(ctx, id)
				if err == nil && st.Status == specs.StateStopped {
					break
				}
				if time.Now().After(end) {
					t.Fatalf("not stopped: %+v %v", st, err)
				}
			}
			if err := rt.Delete(ctx, id, false); err != nil {
				t.Fatal(err)
			}
			if _, err := rt.State(ctx, id); !errors.Is(err, ociruntime.ErrNotExist) {
				t.Fatalf("state after delete: %v", err)
			}
			if err := rt.Start(ctx, "nosuch"); err == nil || !strings.Contains(err.Error(), path[strings.LastIndex(path, "/")+1:]) {
				t.Fatalf("error does not name the runtime: %v", err)
			}
		})
	}
}
