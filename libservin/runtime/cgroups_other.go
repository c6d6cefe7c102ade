//go:build !linux

package runtime

import (
	"context"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/servin/servin/libservin/cgroups"
)

// StatePaused is the status runc reports for a frozen container.
const StatePaused specs.ContainerState = "paused"

// Cgroup is not supported off Linux.
func (r *Runtime) Cgroup(ctx context.Context, id string) (*cgroups.Manager, error) {
	return nil, unsupported("cgroup")
}

// Pause is not supported off Linux.
func (r *Runtime) Pause(ctx context.Context, id string) error { return unsupported("pause") }

// Resume is not supported off Linux.
func (r *Runtime) Resume(ctx context.Context, id string) error { return unsupported("resume") }

// Pids is not supported off Linux.
func (r *Runtime) Pids(ctx context.Context, id string) ([]int, error) {
	return nil, unsupported("ps")
}

// Stats is not supported off Linux.
func (r *Runtime) Stats(ctx context.Context, id string) (*cgroups.Stats, error) {
	return nil, unsupported("events")
}

// Update is not supported off Linux.
func (r *Runtime) Update(ctx context.Context, id string, res *specs.LinuxResources) error {
	return unsupported("update")
}

// Events is not supported off Linux.
func (r *Runtime) Events(ctx context.Context, id string, interval time.Duration, emit func(*cgroups.Event) error) error {
	return unsupported("events")
}
