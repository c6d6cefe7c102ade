package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func collect(t *testing.T, path string, o ReadOptions) []Entry {
	t.Helper()
	var out []Entry
	if err := Read(context.Background(), path, o, func(e Entry) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStreamWriterLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w, err := NewWriter(path, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	out, errs := w.Stream("stdout"), w.Stream("stderr")
	fmt.Fprint(out, "a\nb")
	fmt.Fprint(errs, "oops\n")
	fmt.Fprint(out, "c\npartial")
	out.Write([]byte(strings.Repeat("x", MaxLine+10) + "\n"))
	out.Flush()
	w.Close()
	got := collect(t, path, ReadOptions{Tail: -1})
	want := []string{"stdout:a\n", "stderr:oops\n", "stdout:bc\n", "stdout:partial" + strings.Repeat("x", MaxLine-7), "stdout:" + strings.Repeat("x", 17) + "\n"}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, e := range got {
		if e.Stream+":"+e.Log != want[i] {
			t.Errorf("entry %d = %q, want %q", i, e.Stream+":"+e.Log, want[i])
		}
	}
	// The file is JSON lines with time, stream, log.
	data, _ := os.ReadFile(path)
	var raw map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(string(data), "\n", 2)[0]), &raw); err != nil || raw["time"] == nil || raw["stream"] != "stdout" || raw["log"] != "a\n" {
		t.Fatalf("line: %v %v", err, raw)
	}
}

func TestRotation(t *testing.T) {
	tests := []struct {
		name     string
		maxFiles int
		files    int
	}{
		{"one file drops old", 1, 1},
		{"three files", 3, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "container.log")
			w, err := NewWriter(path, 1000, tc.maxFiles)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 200; i++ {
				if err := w.WriteEntry("stdout", []byte(fmt.Sprintf("line %d\n", i))); err != nil {
					t.Fatal(err)
				}
			}
			w.Close()
			fi, err := os.Stat(path)
			if err != nil || fi.Size() > 1000 {
				t.Fatalf("current file %v size %d", err, fi.Size())
			}
			n := len(files(path))
			if n != tc.files {
				t.Fatalf("%d files, want %d", n, tc.files)
			}
			got := collect(t, path, ReadOptions{Tail: -1})
			if got[len(got)-1].Log != "line 199\n" {
				t.Fatalf("last entry %q", got[len(got)-1].Log)
			}
			for i := 1; i < len(got); i++ { // oldest file first, in order
				var a, b int
				fmt.Sscanf(got[i-1].Log, "line %d", &a)
				fmt.Sscanf(got[i].Log, "line %d", &b)
				if b != a+1 {
					t.Fatalf("entries out of order at %d: %q then %q", i, got[i-1].Log, got[i].Log)
				}
			}
		})
	}
}

func TestReadSelect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w, _ := NewWriter(path, 0, 1)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 10; i++ {
		w.now = func() time.Time { return base.Add(time.Duration(i) * time.Minute) }
		w.WriteEntry("stdout", []byte(fmt.Sprintf("%d\n", i)))
	}
	w.Close()
	tests := []struct {
		name string
		o    ReadOptions
		want string
	}{
		{"all", ReadOptions{Tail: -1}, "0123456789"},
		{"tail", ReadOptions{Tail: 3}, "789"},
		{"tail zero", ReadOptions{Tail: 0}, ""},
		{"since", ReadOptions{Tail: -1, Since: base.Add(7 * time.Minute)}, "789"},
		{"until", ReadOptions{Tail: -1, Until: base.Add(2 * time.Minute)}, "012"},
		{"window and tail", ReadOptions{Tail: 2, Since: base.Add(2 * time.Minute), Until: base.Add(6 * time.Minute)}, "56"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s strings.Builder
			for _, e := range collect(t, path, tc.o) {
				s.WriteString(strings.TrimSpace(e.Log))
			}
			if s.String() != tc.want {
				t.Fatalf("got %q, want %q", s.String(), tc.want)
			}
		})
	}
}

func TestFollowAcrossRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "container.log")
	w, _ := NewWriter(path, 1000, 2)
	done := make(chan struct{})
	var got []string
	finished := make(chan error, 1)
	go func() {
		finished <- Read(context.Background(), path, ReadOptions{Tail: -1, Follow: true, Poll: 5 * time.Millisecond,
			Done: func() bool {
				select {
				case <-done:
					return true
				default:
					return false
				}
			}},
			func(e Entry) error { got = append(got, e.Log); return nil })
	}()
	for i := 0; i < 50; i++ {
		w.WriteEntry("stdout", []byte(fmt.Sprintf("%d\n", i)))
		time.Sleep(2 * time.Millisecond)
	}
	w.Close()
	time.Sleep(50 * time.Millisecond)
	close(done)
	select {
	case err := <-finished:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not stop after Done")
	}
	if len(got) != 50 || got[0] != "0\n" || got[49] != "49\n" {
		t.Fatalf("followed %d entries: %v", len(got), got)
	}
}
