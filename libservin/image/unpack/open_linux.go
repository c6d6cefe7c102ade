package unpack

import (
	"os"
	"syscall"
)

// openNoFollow opens a path already resolved by securejoin, refusing a
// symlink swapped in since.
func openNoFollow(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
}
