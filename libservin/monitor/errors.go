package monitor

import "errors"

// ErrRunning: another monitor already runs the container.
var ErrRunning = errors.New("container already has a monitor")
