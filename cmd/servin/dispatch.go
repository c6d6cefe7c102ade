package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/servin/servin/libservin/store"
)

// tools maps front-end commands to the tool (and leading arguments) they
// run.
var tools = map[string][]string{
	"image":    {"servin-image"},
	"build":    {"servin-image", "build"},
	"registry": {"servin-registry"},
	"compose":  {"servin-compose"},
}

// globalValueFlags are the global flags that take a value.
var globalValueFlags = map[string]bool{"--root": true, "--runtime": true, "--log-level": true, "--log-file": true}

// splitGlobals finds the command word: it returns the global flags before
// it, the word and the rest. ok is false when there is no command word.
func splitGlobals(args []string) (globals []string, word string, rest []string, ok bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return nil, "", nil, false
		}
		if !strings.HasPrefix(a, "-") {
			return args[:i], a, args[i+1:], true
		}
		name, _, hasValue := strings.Cut(a, "=")
		if globalValueFlags[name] && !hasValue {
			i++
		}
	}
	return nil, "", nil, false
}

// dispatch runs an external tool when the command word is not a built-in:
// image/build/registry/compose and any servin-<word> found next to servin
// or on PATH. handled is false when cobra should take the command line.
func dispatch(args []string) (code int, handled bool) {
	globals, word, rest, ok := splitGlobals(args)
	if !ok || builtins()[word] {
		return 0, false
	}
	argv, known := tools[word]
	if !known {
		argv = []string{"servin-" + word}
	}
	path, err := findTool(argv[0])
	if err != nil {
		if known {
			fmt.Fprintf(os.Stderr, "servin: %s: %s is not installed (looked next to servin and on PATH)\n", word, argv[0])
		} else {
			fmt.Fprintf(os.Stderr, "servin: '%s' is not a servin command.\nSee 'servin help'.\n", word)
		}
		return exitNotFound, true
	}
	env := os.Environ()
	for i := 0; i < len(globals); i++ {
		name, value, hasValue := strings.Cut(globals[i], "=")
		if globalValueFlags[name] && !hasValue && i+1 < len(globals) {
			i++
			value = globals[i]
		}
		switch name {
		case "--root":
			env = append(env, store.EnvRoot+"="+value)
		case "--runtime":
			env = append(env, EnvRuntime+"="+value)
		case "--log-file":
			env = append(env, EnvLogFile+"="+value)
		}
	}
	return runTool(path, append(argv[1:], rest...), env), true
}

// findTool looks for name next to the servin executable, then on PATH.
func findTool(name string) (string, error) {
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(self); err == nil {
			self = r
		}
		p := filepath.Join(filepath.Dir(self), name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

// runTool runs the tool with servin's stdio and returns its exit code
// (126 when it cannot be run).
func runTool(path string, args, env []string) int {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env = os.Stdin, os.Stdout, os.Stderr, env
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.ExitCode() < 0 {
			return exitError
		}
		return ee.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "servin: cannot run %s: %v\n", path, err)
		return exitCannotExec
	}
}

// externalTools lists the servin-* executables next to servin and on PATH.
func externalTools() []string {
	seen := map[string]bool{}
	var dirs []string
	if self, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(self); err == nil {
			self = r
		}
		dirs = append(dirs, filepath.Dir(self))
	}
	dirs = append(dirs, filepath.SplitList(os.Getenv("PATH"))...)
	for _, d := range dirs {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			n := strings.TrimSuffix(e.Name(), ".exe")
			if !strings.HasPrefix(n, "servin-") || e.IsDir() {
				continue
			}
			if fi, err := e.Info(); err == nil && (runtime.GOOS == "windows" || fi.Mode()&fs.ModePerm&0o111 != 0) {
				seen[n] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
