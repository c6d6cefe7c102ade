package logs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"time"
)

// ReadOptions select entries.
type ReadOptions struct {
	// Tail keeps only the last Tail entries (negative: all).
	Tail int
	// Since and Until bound the entries' times (zero: unbounded).
	Since, Until time.Time
	// Follow keeps reading new entries until Done reports true and the
	// file has no more data, or ctx ends.
	Follow bool
	Done   func() bool
	// Poll is the follow interval (default 100ms).
	Poll time.Duration
}

// files returns the log files oldest first.
func files(path string) []string {
	var old []string
	for i := 1; ; i++ {
		p := path + "." + strconv.Itoa(i)
		if _, err := os.Stat(p); err != nil {
			break
		}
		old = append([]string{p}, old...)
	}
	return append(old, path)
}

// Read calls fn for every selected entry of the log at path.
func Read(ctx context.Context, path string, o ReadOptions, fn func(Entry) error) error {
	var entries []Entry
	keep := func(e Entry) bool {
		return (o.Since.IsZero() || !e.Time.Before(o.Since)) && (o.Until.IsZero() || !e.Time.After(o.Until))
	}
	var offset int64
	var cur *os.File
	for _, p := range files(path) {
		f, err := os.Open(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return err
		}
		n, err := scan(f, func(e Entry) error {
			if keep(e) {
				entries = append(entries, e)
			}
			return nil
		})
		if p == path {
			cur, offset = f, n
		} else {
			f.Close()
		}
		if err != nil {
			return err
		}
	}
	if o.Tail >= 0 && len(entries) > o.Tail {
		entries = entries[len(entries)-o.Tail:]
	}
	for _, e := range entries {
		if err := fn(e); err != nil {
			return err
		}
	}
	if cur == nil {
		if !o.Follow {
			return nil
		}
	} else {
		defer func() { cur.Close() }()
	}
	if !o.Follow {
		return nil
	}
	return follow(ctx, path, cur, offset, o, keep, fn)
}

// scan decodes complete lines from r, returning the bytes consumed.
func scan(r io.Reader, fn func(Entry) error) (int64, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	var n int64
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			n += int64(len(line))
			var e Entry
			if json.Unmarshal(line, &e) == nil {
				if ferr := fn(e); ferr != nil {
					return n, ferr
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
	}
}

// follow polls path for new entries, reopening it after a rotation.
func follow(ctx context.Context, path string, f *os.File, off int64, o ReadOptions, keep func(Entry) bool, fn func(Entry) error) error {
	poll := o.Poll
	if poll == 0 {
		poll = 100 * time.Millisecond
	}
	emit := func(e Entry) error {
		if keep(e) {
			return fn(e)
		}
		return nil
	}
	for {
		done := o.Done != nil && o.Done()
		if f == nil {
			if nf, err := os.Open(path); err == nil {
				f, off = nf, 0
			}
		}
		if f != nil {
			if rotated(f, path) {
				// Drain the old file, then continue with the new one.
				if _, err := f.Seek(off, io.SeekStart); err == nil {
					_, _ = scan(f, emit)
				}
				f.Close()
				f, off = nil, 0
				continue
			}
			if _, err := f.Seek(off, io.SeekStart); err != nil {
				return err
			}
			n, err := scan(f, emit)
			off += n
			if err != nil {
				return err
			}
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// rotated reports whether path no longer names the open file f.
func rotated(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	if err1 != nil || err2 != nil {
		return err2 != nil && err1 == nil
	}
	return !os.SameFile(a, b)
}
