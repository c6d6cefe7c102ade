//go:build !linux

package snapshot

import (
	"context"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
)

func (s *Store) lock(ctx context.Context, d digest.Digest) (func(), error) {
	return nil, fmt.Errorf("lock snapshot %s: %w", d, errors.ErrUnsupported)
}

func (s *Store) tryLock(d digest.Digest) (func(), bool, error) {
	return nil, false, fmt.Errorf("lock snapshot %s: %w", d, errors.ErrUnsupported)
}
