package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// captureRun runs `sh -c script` in a new --rm container of image (never
// pulled) and returns its trimmed stdout.
func (a *app) captureRun(cmd *cobra.Command, image, script string) (string, error) {
	ctx := cmd.Context()
	o := &runOptions{rm: true, pull: "never", network: "none", hostname: "servin-security-test", restart: "no"}
	c, err := a.createContainer(ctx, o, image, []string{"sh", "-c", script})
	if err != nil {
		return "", err
	}
	var out, errOut bytes.Buffer
	err = a.runAttached(context.WithoutCancel(ctx), c, false, &out, &errOut)
	var st statusError
	if errors.As(err, &st) {
		return strings.TrimSpace(out.String()), fmt.Errorf("exit %d: %s", st.code, strings.TrimSpace(errOut.String()))
	}
	return strings.TrimSpace(out.String()), err
}
