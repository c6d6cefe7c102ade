package container

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// ParseVolume parses -v: "SRC:DST[:OPTS]" (SRC an absolute host path for a
// bind mount, else a volume name) or "DST" (an anonymous volume). OPTS is
// a comma list of ro, rw and propagation modes.
func ParseVolume(s string) (Mount, error) {
	parts := strings.Split(s, ":")
	var m Mount
	switch len(parts) {
	case 1:
		m = Mount{Type: "volume", Destination: parts[0]}
	case 2, 3:
		m = Mount{Type: "volume", Name: parts[0], Destination: parts[1]}
		if strings.HasPrefix(parts[0], "/") || strings.HasPrefix(parts[0], ".") {
			m = Mount{Type: "bind", Source: parts[0], Destination: parts[1]}
		}
		if len(parts) == 3 {
			for _, o := range strings.Split(parts[2], ",") {
				switch o {
				case "ro":
					m.ReadOnly = true
				case "rw", "z", "Z", "private", "rprivate", "shared", "rshared", "slave", "rslave", "nocopy", "":
				default:
					return Mount{}, fmt.Errorf("invalid volume %q: unknown option %q", s, o)
				}
			}
		}
	default:
		return Mount{}, fmt.Errorf("invalid volume %q: want [SRC:]DST[:OPTS]", s)
	}
	return m, checkDest(s, m.Destination)
}

// ParseMount parses --mount "type=bind|volume|tmpfs,source=...,target=...,readonly".
func ParseMount(s string) (Mount, error) {
	m := Mount{Type: "volume"}
	for _, kv := range strings.Split(s, ",") {
		k, v, hasValue := strings.Cut(kv, "=")
		switch strings.ToLower(k) {
		case "type":
			m.Type = v
		case "source", "src":
			m.Source = v
		case "target", "destination", "dst":
			m.Destination = v
		case "readonly", "ro":
			b := true
			if hasValue {
				var err error
				if b, err = strconv.ParseBool(v); err != nil {
					return Mount{}, fmt.Errorf("invalid mount %q: readonly=%q", s, v)
				}
			}
			m.ReadOnly = b
		case "tmpfs-size", "tmpfs-mode", "bind-propagation", "volume-nocopy", "consistency":
			if k == "tmpfs-size" || k == "tmpfs-mode" {
				m.Options = append(m.Options, strings.TrimPrefix(strings.TrimPrefix(k, "tmpfs-"), "")+"="+v)
			}
		default:
			return Mount{}, fmt.Errorf("invalid mount %q: unknown key %q", s, k)
		}
	}
	switch m.Type {
	case "bind":
		if m.Source == "" {
			return Mount{}, fmt.Errorf("invalid mount %q: bind needs source", s)
		}
	case "volume":
		m.Name, m.Source = m.Source, ""
	case "tmpfs":
		if m.Source != "" {
			return Mount{}, fmt.Errorf("invalid mount %q: tmpfs takes no source", s)
		}
	default:
		return Mount{}, fmt.Errorf("invalid mount %q: type %q (want bind, volume or tmpfs)", s, m.Type)
	}
	return m, checkDest(s, m.Destination)
}

// ParseTmpfs parses --tmpfs "DST[:OPTS]".
func ParseTmpfs(s string) (Mount, error) {
	dst, opts, _ := strings.Cut(s, ":")
	m := Mount{Type: "tmpfs", Destination: dst}
	if opts != "" {
		m.Options = strings.Split(opts, ",")
	}
	return m, checkDest(s, dst)
}

func checkDest(s, dst string) error {
	if !strings.HasPrefix(dst, "/") {
		return fmt.Errorf("invalid mount %q: destination %q is not an absolute path", s, dst)
	}
	if path.Clean(dst) == "/" {
		return fmt.Errorf("invalid mount %q: cannot mount over /", s)
	}
	return nil
}
