package unpack

import (
	"errors"
	"io"
)

// aheadReader reads src in a goroutine, up to a few chunks ahead of its
// consumer, so that decompressing and hashing a layer runs on one core
// while extraction (mostly system calls) runs on another, as tar -z does
// with its gzip child process.
type aheadReader struct {
	full  chan []byte
	free  chan []byte
	stop  chan struct{}
	done  chan struct{}
	chunk []byte // the buffer being consumed, returned to free when done
	cur   []byte // its unread part
	err   error  // final error of src (io.EOF at the end), valid after done
}

const (
	aheadChunk  = 256 << 10
	aheadChunks = 4
)

var errAheadStopped = errors.New("read-ahead stopped")

func newAheadReader(src io.Reader, onExit func()) *aheadReader {
	a := &aheadReader{
		full: make(chan []byte, aheadChunks),
		free: make(chan []byte, aheadChunks),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range aheadChunks {
		a.free <- make([]byte, aheadChunk)
	}
	go func() {
		defer onExit()
		a.run(src)
	}()
	return a
}

func (a *aheadReader) run(src io.Reader) {
	defer close(a.done)
	defer close(a.full)
	for {
		var buf []byte
		select {
		case buf = <-a.free:
		case <-a.stop:
			a.err = errAheadStopped
			return
		}
		buf = buf[:cap(buf)]
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var k int
			k, err = src.Read(buf[n:])
			n += k
		}
		if n > 0 {
			a.full <- buf[:n] // never blocks: at most aheadChunks buffers exist
		}
		if err != nil {
			a.err = err
			return
		}
	}
}

// Read implements io.Reader.
func (a *aheadReader) Read(p []byte) (int, error) {
	for len(a.cur) == 0 {
		if a.chunk != nil {
			a.free <- a.chunk[:0]
			a.chunk = nil
		}
		buf, ok := <-a.full
		if !ok {
			<-a.done
			return 0, a.err
		}
		a.chunk, a.cur = buf, buf
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	return n, nil
}

// Close stops the goroutine. It does not wait for it: the goroutine may
// be blocked reading a stalled network stream, which its owner closes
// next; it then returns without touching anything of the caller's.
func (a *aheadReader) Close() {
	close(a.stop)
}
