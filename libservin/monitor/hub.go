package monitor

import (
	"net"
	"strconv"
	"sync"
)

// hub fans the container's output out to attach clients and collects
// their input.
type hub struct {
	mu      sync.Mutex
	clients map[net.Conn]bool
	first   chan struct{} // closed when the first client connects
	once    sync.Once
}

func newHub() *hub { return &hub{clients: map[net.Conn]bool{}, first: make(chan struct{})} }

func (h *hub) add(c net.Conn) {
	h.mu.Lock()
	h.clients[c] = true
	h.mu.Unlock()
	h.once.Do(func() { close(h.first) })
}

func (h *hub) remove(c net.Conn) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	c.Close()
}

// send writes a frame to every client, dropping those that fail.
func (h *hub) send(kind byte, p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if WriteFrame(c, kind, p) != nil {
			delete(h.clients, c)
			c.Close()
		}
	}
}

// exit sends the exit code to every client and closes them.
func (h *hub) exit(code int) {
	h.send(FrameExit, []byte(strconv.Itoa(code)))
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		c.Close()
		delete(h.clients, c)
	}
}

// streamWriter sends what is written as frames of one kind.
type streamWriter struct {
	h    *hub
	kind byte
}

func (s streamWriter) Write(p []byte) (int, error) {
	s.h.send(s.kind, append([]byte(nil), p...))
	return len(p), nil
}
