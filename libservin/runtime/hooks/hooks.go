// Package hooks runs OCI lifecycle hooks (runtime-spec config.md, "POSIX
// platform hooks"): each hook's path is executed with its args and env, the
// container state JSON on stdin, and killed when its timeout expires.
package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Run executes hooks in order and stops at the first failure, which it
// returns naming the hook kind, its position and its path.
func Run(ctx context.Context, kind string, hooks []specs.Hook, state *specs.State) error {
	if len(hooks) == 0 {
		return nil
	}
	input, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("%s hooks: encode state: %w", kind, err)
	}
	for i, h := range hooks {
		if err := runOne(ctx, h, input); err != nil {
			return fmt.Errorf("%s hook #%d (%s): %w", kind, i, h.Path, err)
		}
	}
	return nil
}

// RunAll executes every hook even when some fail, and returns the
// failures: for poststart and poststop, where the suite and runc expect a
// warning and the lifecycle to go on.
func RunAll(ctx context.Context, kind string, hooks []specs.Hook, state *specs.State) []error {
	if len(hooks) == 0 {
		return nil
	}
	input, err := json.Marshal(state)
	if err != nil {
		return []error{fmt.Errorf("%s hooks: encode state: %w", kind, err)}
	}
	var errs []error
	for i, h := range hooks {
		if err := runOne(ctx, h, input); err != nil {
			errs = append(errs, fmt.Errorf("%s hook #%d (%s): %w", kind, i, h.Path, err))
		}
	}
	return errs
}

func runOne(ctx context.Context, h specs.Hook, input []byte) error {
	if h.Timeout != nil && *h.Timeout <= 0 {
		return fmt.Errorf("timeout must be positive, got %d", *h.Timeout)
	}
	if h.Timeout != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		defer cancel()
	}
	args := h.Args
	if len(args) == 0 {
		args = []string{h.Path}
	}
	cmd := exec.CommandContext(ctx, h.Path)
	cmd.Args = args
	cmd.Env = h.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Stdin = bytes.NewReader(input)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	killGroupOnCancel(cmd)
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("timed out after %ds", *h.Timeout)
	}
	if err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	return nil
}
