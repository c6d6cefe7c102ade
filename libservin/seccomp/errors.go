package seccomp

import "errors"

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrInvalid is wrapped by every error about the configuration itself:
	// unknown action, architecture, operator or flag, bad argument index,
	// errnoRet on an action that takes none, a filter too large, ...
	ErrInvalid = errors.New("invalid seccomp configuration")
	// ErrNotPermitted means the kernel refused the filter because the
	// thread has neither no_new_privs nor CAP_SYS_ADMIN.
	ErrNotPermitted = errors.New("installing a seccomp filter needs no_new_privs or CAP_SYS_ADMIN")
)
