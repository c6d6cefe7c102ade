package unpack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

func TestAheadReader(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 3*aheadChunk/16*aheadChunks+7)
	tests := []struct {
		name string
		src  io.Reader
		err  error
	}{
		{name: "whole", src: bytes.NewReader(data)},
		{name: "one byte reads", src: iotest.OneByteReader(bytes.NewReader(data))},
		{name: "half reads", src: iotest.HalfReader(bytes.NewReader(data))},
		{name: "error at the end", src: io.MultiReader(bytes.NewReader(data), iotest.ErrReader(io.ErrUnexpectedEOF)), err: io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAheadReader(tc.src, aheadChunks, func() {})
			defer a.Close()
			got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(a, 1000)))
			if err != nil || !bytes.Equal(got, data[:1000]) {
				t.Fatalf("first 1000 bytes: %v", err)
			}
			rest, err := io.ReadAll(a)
			if !errors.Is(err, tc.err) && !(tc.err == nil && err == nil) {
				t.Fatalf("error = %v, want %v", err, tc.err)
			}
			if tc.err == nil && !bytes.Equal(append(got, rest...), data) {
				t.Fatalf("read %d bytes, want %d", len(got)+len(rest), len(data))
			}
		})
	}
}

// endless is an infinite source that counts its reads.
type endless struct{ reads atomic.Int64 }

func (e *endless) Read(p []byte) (int, error) {
	e.reads.Add(1)
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestAheadReaderLimit(t *testing.T) {
	for _, chunks := range []int{1, aheadChunks, 9} {
		t.Run(fmt.Sprint(chunks), func(t *testing.T) {
			src := &endless{}
			exited := make(chan struct{})
			a := newAheadReader(src, chunks, func() { close(exited) })
			// Nothing is consumed: the goroutine fills every chunk, then waits.
			deadline := time.Now().Add(5 * time.Second)
			for len(a.full) < chunks && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond)
			if got := len(a.full); got != chunks {
				t.Fatalf("%d chunks read ahead, want %d", got, chunks)
			}
			if got, want := src.reads.Load(), int64(chunks); got != want {
				t.Fatalf("%d reads of the source, want %d (one chunk each)", got, want)
			}
			// Consuming one chunk lets exactly one more be read.
			if _, err := io.ReadFull(a, make([]byte, aheadChunk+1)); err != nil {
				t.Fatal(err)
			}
			deadline = time.Now().Add(5 * time.Second)
			for src.reads.Load() < int64(chunks+1) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(20 * time.Millisecond)
			if got, want := src.reads.Load(), int64(chunks+1); got != want {
				t.Fatalf("%d reads after consuming a chunk, want %d", got, want)
			}
			a.Close()
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				t.Fatal("goroutine still running after Close")
			}
			a.Close() // twice is harmless, and recycles now that it ended
			if len(a.full) != 0 || len(a.free) != 0 {
				t.Errorf("chunks left after Close: %d full, %d free", len(a.full), len(a.free))
			}
			if _, err := a.Read(make([]byte, 1)); !errors.Is(err, errAheadStopped) {
				t.Errorf("read after Close: %v, want errAheadStopped", err)
			}
		})
	}
}

// A stopped reader whose source is always ready ends without filling its
// chunks (a prefetched layer is abandoned quickly when an earlier fails).
func TestAheadReaderStopsWhileReading(t *testing.T) {
	src := &endless{}
	exited := make(chan struct{})
	a := newAheadReader(src, prefetchChunks, func() { close(exited) })
	a.Close()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("goroutine still running after Close")
	}
	if n := src.reads.Load(); n > 2 {
		t.Errorf("%d chunks read after Close, want at most 2", n)
	}
}
