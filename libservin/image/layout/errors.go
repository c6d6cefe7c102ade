package layout

import "errors"

// Sentinel errors, checked with errors.Is.
var (
	ErrNotExist      = errors.New("image not known")
	ErrAmbiguous     = errors.New("ambiguous image reference")
	ErrInUse         = errors.New("image is in use by a container")
	ErrMultipleNames = errors.New("image is referenced by several names")
	ErrNotLayout     = errors.New("not an OCI image layout")
	ErrDigest        = errors.New("digest mismatch")
	ErrSize          = errors.New("size mismatch")
	ErrNoPlatform    = errors.New("no image for the platform")
	ErrReadOnly      = errors.New("layout opened read-only")
)
