//go:build !(linux && cgo)

package nsenter

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// IDMap is one line of a uid_map or gid_map.
type IDMap struct {
	InsideID, OutsideID, Size uint32
}

// NewUserNamespace needs Linux and cgo.
func NewUserNamespace(uids, gids []IDMap) (*os.File, error) {
	return nil, fmt.Errorf("user namespace for idmapped mount: %w", errors.ErrUnsupported)
}

// RelaySignals needs Linux and cgo; callers use os/signal instead.
func RelaySignals(sigs []syscall.Signal) error {
	return fmt.Errorf("signal relay: %w", errors.ErrUnsupported)
}

// RelayTo does nothing without RelaySignals.
func RelayTo(pid int) {}

// RelayStop does nothing without RelaySignals.
func RelayStop() {}
