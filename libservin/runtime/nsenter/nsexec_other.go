//go:build !(linux && cgo)

package nsenter

import (
	"errors"
	"fmt"
	"os"
)

// IDMap is one line of a uid_map or gid_map.
type IDMap struct {
	InsideID, OutsideID, Size uint32
}

// NewUserNamespace needs Linux and cgo.
func NewUserNamespace(uids, gids []IDMap) (*os.File, error) {
	return nil, fmt.Errorf("user namespace for idmapped mount: %w", errors.ErrUnsupported)
}
