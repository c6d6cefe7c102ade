// Command runner runs the OCI runtime-tools validation programs against a
// runc-compatible runtime, parses their TAP output, prints one line per
// program and a final "N passed, M failed, K skipped" line, and enforces the
// ratchet floor (the minimum number of passed test points).
//
// It is Linux-only and must run as root, like the suite itself.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

type config struct {
	runtime     string
	binDir      string // the validation programs
	suiteDir    string // cwd of each program: ./runtimetest and ./rootfs-amd64.tar.gz
	workDir     string // TMPDIRs and logs go below it
	floorFile   string
	skipFile    string
	tests       *regexp.Regexp
	timeout     time.Duration
	budget      time.Duration // for the whole run
	maxDiag     int
	verbose     bool
	ignoreFloor bool
}

func main() {
	var c config
	var tests string
	flag.StringVar(&c.runtime, "runtime", os.Getenv("RUNTIME"), "absolute path of the runtime under test (default $RUNTIME)")
	flag.StringVar(&c.binDir, "bin", "work/bin", "directory holding the validation programs")
	flag.StringVar(&c.suiteDir, "suite", "work/suite", "working directory of each program (holds runtimetest and rootfs-amd64.tar.gz)")
	flag.StringVar(&c.workDir, "work", "work", "directory for per-program TMPDIRs and logs")
	flag.StringVar(&c.floorFile, "floor", "FLOOR", "file holding the minimum number of passed test points")
	flag.StringVar(&c.skipFile, "skip", "SKIP", "file listing programs not to run, one per line with a reason")
	flag.StringVar(&tests, "tests", os.Getenv("TESTS"), "run only programs whose name matches this regexp (default $TESTS); the floor is not enforced then")
	flag.DurationVar(&c.timeout, "timeout", 120*time.Second, "per-program timeout; the program's process group is killed and it counts as failed")
	flag.DurationVar(&c.budget, "budget", 30*time.Minute, "time budget of the whole run; programs not started within it count as failed")
	flag.IntVar(&c.maxDiag, "max-diag", 12, "diagnostic lines printed per failing test point (full output in the logs)")
	flag.BoolVar(&c.verbose, "v", false, "also list passing programs' skipped test points")
	flag.Parse()
	if tests != "" {
		re, err := regexp.Compile(tests)
		if err != nil {
			fatalf("bad -tests regexp: %v", err)
		}
		c.tests, c.ignoreFloor = re, true
	}
	if c.runtime == "" {
		fatalf("no runtime: set RUNTIME=/abs/path or -runtime")
	}
	abs, err := filepath.Abs(c.runtime)
	if err != nil {
		fatalf("runtime path %s: %v", c.runtime, err)
	}
	c.runtime = abs
	if fi, err := os.Stat(c.runtime); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		fatalf("runtime %s is not an executable file", c.runtime)
	}
	for _, p := range []*string{&c.binDir, &c.suiteDir, &c.workDir} {
		if *p, err = filepath.Abs(*p); err != nil {
			fatalf("%v", err)
		}
	}
	os.Exit(run(&c))
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "runner: "+format+"\n", args...)
	os.Exit(2)
}
