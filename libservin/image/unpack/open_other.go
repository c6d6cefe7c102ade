//go:build !linux

package unpack

import "os"

// openNoFollow opens a path already resolved by securejoin.
func openNoFollow(p string) (*os.File, error) { return os.Open(p) }
