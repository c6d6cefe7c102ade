package registry

import (
	"net"
	"strconv"
)

func splitHostPort(addr string) (string, string, error) { return net.SplitHostPort(addr) }

func joinHostPort(host, port string) string { return net.JoinHostPort(host, port) }

// ListenAddr combines a bind host (or host:port) and a port into host:port.
// A negative port means unset: the port in addr, else DefaultPort. Port 0
// asks the system for a free port.
func ListenAddr(addr string, port int) string {
	host := addr
	if h, p, err := net.SplitHostPort(addr); err == nil {
		host = h
		if port < 0 {
			if n, err := strconv.Atoi(p); err == nil {
				port = n
			}
		}
	}
	if port < 0 {
		port = DefaultPort
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}
