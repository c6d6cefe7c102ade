// Package store holds what every servin on-disk store shares: the choice of
// the root directory (--root, SERVIN_ROOT, platform default), atomic file
// writes (temporary file, fsync, rename, fsync of the directory) and
// advisory file locks that serialise mutations between processes.
//
// The layout under the root is described in specs/image-store.md.
package store
