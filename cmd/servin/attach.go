package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/containerd/console"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/monitor"
)

// attachSession is a connection to a container's monitor.
type attachSession struct {
	conn net.Conn
	c    *container.Container
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
