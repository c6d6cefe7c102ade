package unpack

import (
	"fmt"
	"path"
	"strings"
)

// cleanName turns a tar entry name into a clean path relative to the
// extraction root ("" for the root itself). Leading slashes are dropped, as
// tar does; a name that climbs above the root is rejected.
func cleanName(name string) (string, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", fmt.Errorf("%w: %q has a NUL byte", ErrUnsafePath, name)
	}
	c := path.Clean(strings.TrimLeft(name, "/"))
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%w: %q leaves the root", ErrUnsafePath, name)
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

// splitPath splits a clean relative path into its parent ("" for the root)
// and last element.
func splitPath(p string) (string, string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

const (
	whiteoutPrefix = ".wh."
	opaqueWhiteout = ".wh..wh..opq"
)
