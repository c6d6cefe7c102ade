package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/containerd/console"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/monitor"
)

// attachSession is a connection to a container's monitor.
type attachSession struct {
	conn net.Conn
	c    *container.Container
	// detached is set when stdin gave the detach keys (errDetached): the
	// client left, the container goes on.
	detached atomic.Bool
}

// dialAttach connects to the monitor of c.
func dialAttach(c *container.Container) (*attachSession, error) {
	conn, err := net.DialTimeout("unix", monitor.SocketPath(c.Bundle), 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("attach to %s: %w", c.ShortID(), err)
	}
	return &attachSession{conn: conn, c: c}, nil
}

// stream copies stdin (when given) to the container and its output to
// stdout/stderr until the exit frame; it returns the exit code, or -1 when
// the monitor went away without one.
func (s *attachSession) stream(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) int {
	defer s.conn.Close()
	if s.c.HostConfig.Tty {
		if cur, err := console.ConsoleFromFile(os.Stdin); err == nil {
			if err := cur.SetRaw(); err == nil {
				defer cur.Reset()
			}
			s.sendSize(cur)
			stop := watchResize(func() { s.sendSize(cur) })
			defer stop()
		}
	}
	if stdin != nil {
		go func() {
			buf := make([]byte, 32*1024)
			for {
				n, err := stdin.Read(buf)
				if n > 0 && monitor.WriteFrame(s.conn, monitor.FrameStdin, buf[:n]) != nil {
					return
				}
				if errors.Is(err, errDetached) {
					s.detached.Store(true)
					s.conn.Close()
					return
				}
				if err != nil {
					_ = monitor.WriteFrame(s.conn, monitor.FrameStdinClose, nil)
					return
				}
			}
		}()
	}
	go func() { <-ctx.Done(); s.conn.Close() }()
	for {
		kind, p, err := monitor.ReadFrame(s.conn)
		if err != nil {
			return -1
		}
		switch kind {
		case monitor.FrameStdout:
			stdout.Write(p)
		case monitor.FrameStderr:
			stderr.Write(p)
		case monitor.FrameExit:
			code, err := strconv.Atoi(string(p))
			if err != nil {
				return -1
			}
			return code
		}
	}
}

func (s *attachSession) sendSize(c console.Console) {
	ws, err := c.Size()
	if err != nil {
		return
	}
	var p [4]byte
	binary.BigEndian.PutUint16(p[:], ws.Height)
	binary.BigEndian.PutUint16(p[2:], ws.Width)
	_ = monitor.WriteFrame(s.conn, monitor.FrameResize, p[:])
}

// errDetached ends an attached stdin that gave the detach keys.
var errDetached = errors.New("detached")

// defaultDetachKeys is docker's.
const defaultDetachKeys = "ctrl-p,ctrl-q"

// parseDetachKeys reads docker's --detach-keys format: a comma-separated
// sequence of single characters and ctrl-<c> (c a letter or one of @[\\]^_).
func parseDetachKeys(spec string) ([]byte, error) {
	var keys []byte
	for _, k := range strings.Split(spec, ",") {
		switch {
		case len(k) == 1:
			keys = append(keys, k[0])
		case len(k) == 6 && strings.HasPrefix(strings.ToLower(k), "ctrl-"):
			c := k[5]
			switch {
			case 'a' <= c && c <= 'z':
				keys = append(keys, c-'a'+1)
			case 'A' <= c && c <= 'Z':
				keys = append(keys, c-'A'+1)
			case c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '_':
				keys = append(keys, c-'@')
			default:
				return nil, fmt.Errorf("invalid detach key %q", k)
			}
		default:
			return nil, fmt.Errorf("invalid detach key %q", k)
		}
	}
	return keys, nil
}

// detachReader passes r through until it reads keys in a row, then
// returns errDetached. Bytes that start the sequence are held back until
// it is clear they are not it.
type detachReader struct {
	r       io.Reader
	keys    []byte
	matched int    // how many of keys the input ends with so far
	out     []byte // bytes ready to return
	buf     []byte
	done    bool // the keys came: errDetached once out is returned
}

func newDetachReader(r io.Reader, keys []byte) io.Reader {
	if len(keys) == 0 {
		return r
	}
	return &detachReader{r: r, keys: keys, buf: make([]byte, 32*1024)}
}

func (d *detachReader) Read(p []byte) (int, error) {
	for len(d.out) == 0 && !d.done {
		n, err := d.r.Read(d.buf)
		for _, c := range d.buf[:n] {
			if c == d.keys[d.matched] {
				d.matched++
				if d.matched == len(d.keys) {
					d.done = true // what follows is not read
					break
				}
				continue
			}
			// Not the sequence: what was held back is input after all.
			d.out = append(d.out, d.keys[:d.matched]...)
			d.matched = 0
			if c == d.keys[0] {
				d.matched = 1
				continue
			}
			d.out = append(d.out, c)
		}
		if d.done {
			break
		}
		if err != nil {
			// The end of input: a part of the sequence is input too.
			d.out = append(d.out, d.keys[:d.matched]...)
			d.matched = 0
			if len(d.out) == 0 {
				return 0, err
			}
			break
		}
	}
	if len(d.out) == 0 {
		return 0, errDetached
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}
