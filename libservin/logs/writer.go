package logs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// Entry is one log line.
type Entry struct {
	Time   time.Time `json:"time"`
	Stream string    `json:"stream"`
	Log    string    `json:"log"`
}

// MaxLine is the longest line kept in one entry; longer lines are split
// (docker uses 16 KiB too).
const MaxLine = 16 * 1024

// Writer appends entries to a log file, rotating it when it would exceed
// MaxSize: container.log → container.log.1 → ... up to MaxFiles files in
// all (older ones are deleted). Safe for concurrent streams.
type Writer struct {
	mu       sync.Mutex
	path     string
	maxSize  int64
	maxFiles int
	f        *os.File
	size     int64
	now      func() time.Time
}

// NewWriter opens (appends to) path. maxSize 0 means no rotation;
// maxFiles < 1 means 1 (rotation then drops the old content).
func NewWriter(path string, maxSize int64, maxFiles int) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	return &Writer{path: path, maxSize: maxSize, maxFiles: max(1, maxFiles), f: f, size: fi.Size(), now: time.Now}, nil
}

// WriteEntry writes one line (which should end in "\n" unless it is the
// last, partial line of a stream) of stream.
func (w *Writer) WriteEntry(stream string, line []byte) error {
	data, err := json.Marshal(Entry{Time: w.now().UTC(), Stream: stream, Log: string(line)})
	if err != nil {
		return err
	}
	data = append(data, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.maxSize > 0 && w.size > 0 && w.size+int64(len(data)) > w.maxSize {
		if err := w.rotate(); err != nil {
			return err
		}
	}
	n, err := w.f.Write(data)
	w.size += int64(n)
	if err != nil {
		return fmt.Errorf("write log %s: %w", w.path, err)
	}
	return nil
}

func (w *Writer) rotate() error {
	w.f.Close()
	if w.maxFiles == 1 {
		os.Remove(w.path)
	}
	for i := w.maxFiles - 1; i >= 1; i-- {
		src := w.path
		if i > 1 {
			src = w.path + "." + strconv.Itoa(i-1)
		}
		_ = os.Rename(src, w.path+"."+strconv.Itoa(i))
	}
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("rotate log %s: %w", w.path, err)
	}
	w.f, w.size = f, 0
	return nil
}

// Close closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Close()
}

// Stream returns an io.Writer for one stream that splits what is written
// into lines; Flush writes a last partial line.
func (w *Writer) Stream(stream string) *StreamWriter {
	return &StreamWriter{w: w, stream: stream}
}

// StreamWriter turns a byte stream into line entries.
type StreamWriter struct {
	w      *Writer
	stream string
	buf    []byte
}

// Write buffers p and writes every complete line.
func (s *StreamWriter) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 && len(s.buf) < MaxLine {
			return len(p), nil
		}
		n := i + 1
		if i < 0 || n > MaxLine {
			n = MaxLine
		}
		if err := s.w.WriteEntry(s.stream, s.buf[:n]); err != nil {
			return len(p), err
		}
		s.buf = s.buf[n:]
	}
}

// Flush writes the buffered partial line, if any.
func (s *StreamWriter) Flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	err := s.w.WriteEntry(s.stream, s.buf)
	s.buf = nil
	return err
}
