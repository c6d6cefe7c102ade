package layout

import (
	"context"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Verify checks the whole store: index.json parses, and every blob an
// entry reaches is present with the size and digest its descriptor says.
func (s *Store) Verify(ctx context.Context) error {
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	checked := map[string]bool{}
	for _, m := range idx.Manifests {
		err := s.walk(m, true, func(d ocispec.Descriptor) error {
			if checked[d.Digest.String()] {
				return nil
			}
			checked[d.Digest.String()] = true
			if err := ctx.Err(); err != nil {
				return err
			}
			f, err := s.OpenBlob(d.Digest)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(io.Discard, VerifyReader(f, d.Digest, d.Size)); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("verify %s (%s): %w", m.Digest, RefName(m), err)
		}
	}
	return nil
}
