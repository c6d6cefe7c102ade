package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/cgroups"
	"github.com/servin/servin/libservin/testutil"
)

// cgroupContainer records a fake container: a sleeping child in a fresh
// cgroup, with a state record as create will write it.
func cgroupContainer(t *testing.T) (*Runtime, *record, *exec.Cmd) {
	t.Helper()
	testutil.RequireRoot(t)
	if m := cgroups.DetectMode(); m != cgroups.ModeLegacy && m != cgroups.ModeHybrid && m != cgroups.ModeUnified {
		t.Skip("skipping: no cgroups")
	}
	r, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("cg-%d-%d", os.Getpid(), time.Now().UnixNano())
	m, err := cgroups.New("/servin-test-"+id, id)
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command("sleep", "300")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = child.Process.Kill()
		_, _ = child.Process.Wait()
		if err := m.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err := m.Apply(child.Process.Pid); err != nil {
		t.Fatal(err)
	}
	st, err := readStat(child.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	rec := &record{ID: id, Pid: child.Process.Pid, StartTime: st.startTime, Spec: &specs.Spec{},
		CgroupPaths: m.Paths()}
	if err := os.Mkdir(r.dir(id), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := r.save(rec); err != nil {
		t.Fatal(err)
	}
	return r, rec, child
}

func TestPauseResume(t *testing.T) {
	r, rec, _ := cgroupContainer(t)
	ctx := context.Background()
	if err := r.Resume(ctx, rec.ID); !errors.Is(err, ErrState) {
		t.Errorf("resume of a running container: err = %v", err)
	}
	if err := r.Pause(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if !r.paused(rec) || r.status(rec) != StatePaused {
		t.Error("not paused after Pause")
	}
	if err := r.Pause(ctx, rec.ID); !errors.Is(err, ErrState) {
		t.Errorf("pause of a paused container: err = %v", err)
	}
	if err := r.Resume(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if r.paused(rec) || r.status(rec) != specs.StateRunning {
		t.Error("still paused after Resume")
	}
}

func TestPidsStatsUpdate(t *testing.T) {
	r, rec, child := cgroupContainer(t)
	ctx := context.Background()
	pids, err := r.Pids(ctx, rec.ID)
	if err != nil || !slices.Equal(pids, []int{child.Process.Pid}) {
		t.Fatalf("Pids = %v, %v", pids, err)
	}
	limit := int64(100)
	if err := r.Update(ctx, rec.ID, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}}); err != nil {
		t.Fatal(err)
	}
	st, err := r.Stats(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pids.Current != 1 || st.Pids.Limit != 100 {
		t.Errorf("pids stats %+v", st.Pids)
	}
	saved, err := r.load(rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l := saved.Spec.Linux.Resources.Pids.Limit; l == nil || *l != 100 {
		t.Errorf("recorded pids limit = %v", l)
	}
	// Events: one stats event, then the stream ends when the process does.
	var events []*cgroups.Event
	done := make(chan error, 1)
	go func() {
		done <- r.Events(ctx, rec.ID, 50*time.Millisecond, func(e *cgroups.Event) error {
			events = append(events, e)
			return nil
		})
	}()
	time.Sleep(300 * time.Millisecond)
	_ = child.Process.Kill()
	_, _ = child.Process.Wait()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Events did not end after the process died")
	}
	if len(events) < 2 || events[0].Type != "stats" || events[0].ID != rec.ID {
		t.Errorf("events = %v", events)
	}
	if _, err := r.Stats(ctx, rec.ID); !errors.Is(err, ErrState) {
		t.Errorf("stats of a stopped container: err = %v", err)
	}
	if err := r.Update(ctx, rec.ID, &specs.LinuxResources{}); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("update of a stopped container: err = %v", err)
	}
}

func TestNoCgroupRecorded(t *testing.T) {
	r, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := &record{ID: "nocg", Pid: os.Getpid(), Spec: &specs.Spec{}}
	if err := os.Mkdir(filepath.Join(r.root, "nocg"), 0o711); err != nil {
		t.Fatal(err)
	}
	if err := r.save(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Pids(context.Background(), "nocg"); !errors.Is(err, ErrNoCgroup) {
		t.Errorf("err = %v, want ErrNoCgroup", err)
	}
	if r.paused(rec) {
		t.Error("paused without a cgroup")
	}
}

func TestMergeResources(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	dst := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i(1), Swap: i(2)}, CPU: &specs.LinuxCPU{Cpus: "0"}}
	mergeResources(dst, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i(5)}, CPU: &specs.LinuxCPU{Mems: "0"},
		Unified: map[string]string{"a.b": "1"}})
	if *dst.Memory.Limit != 5 || *dst.Memory.Swap != 2 || dst.CPU.Cpus != "0" || dst.CPU.Mems != "0" || dst.Unified["a.b"] != "1" {
		t.Errorf("merged %+v %+v %v", dst.Memory, dst.CPU, dst.Unified)
	}
}

func TestSignalPausedContainer(t *testing.T) {
	r, rec, child := cgroupContainer(t)
	if err := r.Pause(context.Background(), rec.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.signalCgroup(rec, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _, _ = child.Process.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("SIGKILL did not kill the paused process")
	}
	if r.paused(rec) {
		t.Error("still frozen after signalCgroup(SIGKILL)")
	}
}
