package registry

import "errors"

var (
	// ErrAddrInUse is returned when the server's listen address is taken.
	ErrAddrInUse = errors.New("address already in use")
	// ErrRunning is returned when an operation needs the local server stopped.
	ErrRunning = errors.New("registry server is running")
	// ErrNotRunning is returned when no local server runs.
	ErrNotRunning = errors.New("no registry server is running")
	// ErrUnauthorized is returned when a registry rejects the credentials.
	ErrUnauthorized = errors.New("unauthorized: wrong username or password")
	// ErrNotLoggedIn is returned by Logout when no credentials are stored.
	ErrNotLoggedIn = errors.New("not logged in")
	// ErrInvalidConfig is returned for a configuration the server cannot use.
	ErrInvalidConfig = errors.New("invalid registry configuration")
)
