package unpack

import (
	"errors"
	"io"
	"sync"
)

// aheadReader reads src in a goroutine, up to a number of chunks ahead of
// its consumer, so that decompressing and hashing a layer runs on one core
// while extraction (mostly system calls) runs on another, as tar -z does
// with its gzip child process. Chunks are allocated as the goroutine gets
// ahead, up to the limit, and recycled when the reader is done.
type aheadReader struct {
	full     chan []byte
	free     chan []byte
	stop     chan struct{}
	done     chan struct{}
	maxBufs  int
	nbufs    int    // chunks allocated (goroutine side)
	chunk    []byte // the buffer being consumed, returned to free when done
	cur      []byte // its unread part
	err      error  // final error of src (io.EOF at the end), valid after done
	stopOnce sync.Once
}

const (
	aheadChunk = 256 << 10
	// aheadChunks is the read-ahead of the layer being extracted: enough
	// to keep both sides busy.
	aheadChunks = 4
	// prefetchChunks is the read-ahead of a layer decompressed while an
	// earlier one is still being extracted (ApplyImage): 32 MiB, so that a
	// typical layer is decompressed whole on the otherwise idle core.
	prefetchChunks = 128
)

var (
	errAheadStopped = errors.New("read-ahead stopped")
	chunkPool       = sync.Pool{New: func() any { b := make([]byte, aheadChunk); return &b }}
)

func newAheadReader(src io.Reader, maxChunks int, onExit func()) *aheadReader {
	maxChunks = max(1, maxChunks)
	a := &aheadReader{
		full:    make(chan []byte, maxChunks),
		free:    make(chan []byte, maxChunks),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		maxBufs: maxChunks,
	}
	go func() {
		defer onExit()
		a.run(src)
	}()
	return a
}

// buffer returns an empty chunk: a recycled one, a new one while under the
// limit, else the next one the consumer frees. nil means stop.
func (a *aheadReader) buffer() []byte {
	select {
	case <-a.stop:
		return nil
	case buf := <-a.free:
		return buf
	default:
	}
	if a.nbufs < a.maxBufs {
		a.nbufs++
		return (*chunkPool.Get().(*[]byte))[:0]
	}
	select {
	case <-a.stop:
		return nil
	case buf := <-a.free:
		return buf
	}
}

func (a *aheadReader) run(src io.Reader) {
	defer close(a.done)
	defer close(a.full)
	for {
		buf := a.buffer()
		if buf == nil {
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
			a.full <- buf[:n] // never blocks: at most maxBufs buffers exist
		} else {
			a.free <- buf // never blocks, as above
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
// next; it then returns without touching anything of the caller's. When
// the goroutine has already ended, its chunks are recycled.
func (a *aheadReader) Close() {
	a.stopOnce.Do(func() { close(a.stop) })
	select {
	case <-a.done:
	default:
		return
	}
	if a.chunk != nil {
		a.free <- a.chunk[:0]
		a.chunk, a.cur = nil, nil
	}
	for _, ch := range []chan []byte{a.full, a.free} {
		for {
			var buf []byte
			ok := true
			select {
			case buf, ok = <-ch:
			default:
				ok = false
			}
			if !ok {
				break
			}
			buf = buf[:cap(buf)]
			chunkPool.Put(&buf)
		}
	}
}
