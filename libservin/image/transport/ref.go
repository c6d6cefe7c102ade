package transport

import (
	"fmt"
	"strings"
)

// Transport names.
const (
	OCI           = "oci"
	OCIArchive    = "oci-archive"
	DockerArchive = "docker-archive"
	Docker        = "docker"
	Servin        = "servin"
)

// Ref is a parsed "transport:location" reference.
type Ref struct {
	Transport string
	Path      string // directory or file (oci, oci-archive, docker-archive)
	Ref       string // image reference inside it; the registry ref for docker
}

// String renders the reference in the form ParseRef accepts.
func (r Ref) String() string {
	switch r.Transport {
	case Docker:
		return "docker://" + r.Ref
	case Servin:
		return "servin:" + r.Ref
	}
	if r.Ref == "" {
		return r.Transport + ":" + r.Path
	}
	return r.Transport + ":" + r.Path + ":" + r.Ref
}

// ParseRef parses oci:DIR[:REF], oci-archive:FILE[:REF],
// docker-archive:FILE[:REF], docker://REF and servin:REF. As in skopeo,
// the path ends at the first colon after the transport.
func ParseRef(s string) (Ref, error) {
	t, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Ref{}, fmt.Errorf("%w %q: want TRANSPORT:LOCATION", ErrBadRef, s)
	}
	switch t {
	case Docker:
		if !strings.HasPrefix(rest, "//") || len(rest) == 2 {
			return Ref{}, fmt.Errorf("%w %q: want docker://REF", ErrBadRef, s)
		}
		return Ref{Transport: Docker, Ref: rest[2:]}, nil
	case Servin:
		if rest == "" {
			return Ref{}, fmt.Errorf("%w %q: want servin:REF", ErrBadRef, s)
		}
		return Ref{Transport: Servin, Ref: rest}, nil
	case OCI, OCIArchive, DockerArchive:
		path, ref, _ := strings.Cut(rest, ":")
		if path == "" {
			return Ref{}, fmt.Errorf("%w %q: empty path", ErrBadRef, s)
		}
		return Ref{Transport: t, Path: path, Ref: ref}, nil
	}
	return Ref{}, fmt.Errorf("%w %q: unknown transport %q", ErrBadRef, s, t)
}
