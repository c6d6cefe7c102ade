//go:build !linux

package runtime

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func unsupported(op string) error {
	return fmt.Errorf("%s: containers need Linux (namespaces, cgroups): %w", op, errors.ErrUnsupported)
}

// Create is not supported off Linux.
func (r *Runtime) Create(ctx context.Context, id string, o CreateOptions) error {
	return unsupported("create")
}

// Start is not supported off Linux.
func (r *Runtime) Start(ctx context.Context, id string) error { return unsupported("start") }

// State reads the recorded state; no container can run off Linux.
func (r *Runtime) State(ctx context.Context, id string) (*State, error) {
	return nil, unsupported("state")
}

// List is not supported off Linux.
func (r *Runtime) List(ctx context.Context) ([]*State, error) { return nil, unsupported("list") }

// Kill is not supported off Linux.
func (r *Runtime) Kill(ctx context.Context, id string, sig syscall.Signal, all bool) error {
	return unsupported("kill")
}

// Delete is not supported off Linux.
func (r *Runtime) Delete(ctx context.Context, id string, force bool) error {
	return unsupported("delete")
}

// Run is not supported off Linux.
func (r *Runtime) Run(ctx context.Context, id string, o CreateOptions, detach bool) (int, error) {
	return -1, unsupported("run")
}

// ParseSignal is not supported off Linux.
func ParseSignal(s string) (syscall.Signal, error) { return 0, unsupported("signal") }

// Exec is not supported off Linux.
func (r *Runtime) Exec(ctx context.Context, id string, proc *specs.Process, o ExecOptions) (int, error) {
	return -1, unsupported("exec")
}

// BaseProcess is not supported off Linux.
func (r *Runtime) BaseProcess(ctx context.Context, id string) (*specs.Process, error) {
	return nil, unsupported("exec")
}
