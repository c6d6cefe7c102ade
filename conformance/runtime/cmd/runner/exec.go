package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/servin/servin/conformance/runtime/internal/tap"
)

// runProgram runs one validation program in its own process group with a
// fresh TMPDIR, then parses its TAP and removes whatever it left behind.
func runProgram(c *config, name string) *outcome {
	o := &outcome{name: name}
	tmp := filepath.Join(c.workDir, "tmp", name)
	if err := os.RemoveAll(tmp); err != nil {
		o.problems = append(o.problems, fmt.Sprintf("clear TMPDIR %s: %v", tmp, err))
	}
	if err := os.Mkdir(tmp, 0o755); err != nil {
		o.problems = append(o.problems, fmt.Sprintf("create TMPDIR: %v", err))
		o.counts.Failed = len(o.problems)
		return o
	}
	before := snapshot()

	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name))
	cmd.Dir = c.suiteDir
	cmd.Env = append(os.Environ(), "RUNTIME="+c.runtime, "TMPDIR="+tmp)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A leaked grandchild holding the pipes must not hang the runner.
	cmd.WaitDelay = 5 * time.Second
	t0 := time.Now()
	err := cmd.Run()
	o.elapsed = time.Since(t0)
	o.stderr = stderr.Bytes()
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		o.problems = append(o.problems, fmt.Sprintf("timed out after %s; process group killed", c.timeout))
	case errors.As(err, &exitErr):
		o.problems = append(o.problems, fmt.Sprintf("program exited with %v", exitErr.ProcessState))
	case errors.Is(err, exec.ErrWaitDelay):
		o.warnings = append(o.warnings, "a leftover process kept the program's output open")
	case err != nil:
		o.problems = append(o.problems, fmt.Sprintf("run: %v", err))
	}
	if cmd.Process != nil && ctx.Err() == nil {
		o.warnings = append(o.warnings, killGroup(cmd.Process.Pid)...)
	}
	o.warnings = append(o.warnings, cleanup(c, before, tmp)...)

	writeLog(c, name+".tap", stdout.Bytes())
	writeLog(c, name+".stderr", o.stderr)
	o.doc = tap.ParseString(stdout.String())
	o.score()
	return o
}

// score turns the parsed document and the program-level problems into
// counts, both leaf (nested documents expanded) and top-level.
func (o *outcome) score() {
	d := o.doc
	o.counts, o.top = d.Count(), d.CountTop()
	if n := d.Missing(); n > 0 {
		o.problems = append(o.problems, fmt.Sprintf("plan 1..%d but only %d results; %d counted as failed", d.Plan, len(d.Results), n))
		o.counts.Failed += n - 1 // the problem line itself counts one
		o.top.Failed += n - 1
	}
	if d.BailOut {
		o.problems = append(o.problems, "bail out! "+d.BailReason)
	}
	// The hook programs and some *_fail programs have no test points. Their
	// verdict is the exit status (Fatal exits 1) plus, for the hook ones, an
	// "error" YAML block before "1..0"; exiting 0 without one is a pass.
	if len(d.Results) == 0 && d.SkipAll == "" {
		switch {
		case len(d.Orphans) > 0:
			o.orphanDiag = d.Orphans
			o.counts.Failed++
			o.top.Failed++
		case len(o.problems) == 0:
			o.counts.Passed, o.top.Passed = 1, 1
		}
	}
	o.counts.Failed += len(o.problems)
	o.top.Failed += len(o.problems)
}

// killGroup kills what is left of the program's process group.
func killGroup(pgid int) []string {
	if syscall.Kill(-pgid, 0) != nil {
		return nil
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return []string{fmt.Sprintf("processes of the program's group %d were still alive and were killed", pgid)}
}

func writeLog(c *config, name string, b []byte) {
	_ = os.WriteFile(filepath.Join(c.workDir, "logs", name), b, 0o644)
}
