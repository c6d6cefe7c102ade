package name

import "errors"

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("invalid reference")
