package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/servin/servin/conformance/runtime/internal/tap"
)

// outcome is what one validation program produced.
type outcome struct {
	name   string
	doc    *tap.Doc
	counts tap.Counts // leaf test points, nested documents expanded
	top    tap.Counts // top-level test points only
	// orphanDiag holds the error blocks of a program without test points.
	orphanDiag [][]string
	problems   []string // program-level failures, each counted as one failed test point
	warnings   []string
	stderr     []byte
	elapsed    time.Duration
}

func run(c *config) int {
	start := time.Now()
	progs, err := listPrograms(c.binDir)
	if err != nil {
		fatalf("%v", err)
	}
	skips, err := readSkips(c.skipFile)
	if err != nil {
		fatalf("%v", err)
	}
	for _, dir := range []string{c.workDir, filepath.Join(c.workDir, "tmp"), filepath.Join(c.workDir, "logs")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fatalf("%v", err)
		}
		// linux_uid_mappings runs the container as host uid 1000, which must
		// traverse every parent of the bundle.
		if err := os.Chmod(dir, 0o755); err != nil {
			fatalf("%v", err)
		}
	}
	fmt.Printf("runtime %s, %d programs, timeout %s each\n", c.runtime, len(progs), c.timeout)
	if d := untraversable(filepath.Join(c.workDir, "tmp")); d != "" {
		fmt.Printf("warning: %s is not searchable by others: linux_uid_mappings (container uid 1000) will fail; move the checkout or chmod o+x it\n", d)
	}
	var total, top tap.Counts
	var nwarn, nprogFail int
	for _, name := range progs {
		if c.tests != nil && !c.tests.MatchString(name) {
			continue
		}
		if reason, ok := skips[name]; ok {
			fmt.Printf("SKIP %s (SKIP list: %s)\n", name, reason)
			continue
		}
		var o *outcome
		if time.Since(start) > c.budget {
			o = &outcome{name: name, doc: tap.ParseString(""), problems: []string{fmt.Sprintf("not run: the %s time budget is spent", c.budget)}}
			o.score()
		} else {
			o = runProgram(c, name)
		}
		total, top = total.Add(o.counts), top.Add(o.top)
		nwarn += len(o.warnings)
		if o.counts.Failed > 0 {
			nprogFail++
		}
		report(c, o)
	}
	fmt.Printf("%d programs failed, %d warnings, %s\n", nprogFail, nwarn, time.Since(start).Round(time.Second))
	fmt.Printf("top-level TAP lines only (nested runtimetest documents as one point): %d passed, %d failed, %d skipped\n", top.Passed, top.Failed, top.Skipped)
	fmt.Printf("%d passed, %d failed, %d skipped\n", total.Passed, total.Failed, total.Skipped)
	return ratchet(c, total.Passed)
}

// ratchet compares passed with the floor and returns the exit code.
func ratchet(c *config, passed int) int {
	if c.ignoreFloor {
		fmt.Println("floor not checked: only a subset of programs ran (TESTS set)")
		return 0
	}
	floor, err := readFloor(c.floorFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: %v\n", err)
		return 2
	}
	switch {
	case passed < floor:
		fmt.Printf("FAIL: %d passed is %d below the floor of %d in %s\n", passed, floor-passed, floor, c.floorFile)
		return 1
	case passed > floor:
		fmt.Printf("%d passed is above the floor of %d: raise it with  echo %d > %s\n", passed, floor, passed, c.floorFile)
	}
	return 0
}

func readFloor(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read floor: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("floor file %s: want a non-negative integer, got %q", path, strings.TrimSpace(string(b)))
	}
	return n, nil
}

// readSkips reads "name reason..." lines; '#' starts a comment line.
// A missing file means no skips.
func readSkips(path string) (map[string]string, error) {
	skips := map[string]string{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return skips, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read skip list: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		reason = strings.TrimSpace(reason)
		if reason == "" {
			reason = "no reason given"
		}
		skips[name] = reason
	}
	return skips, sc.Err()
}

func listPrograms(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list validation programs: %w", err)
	}
	var names []string
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no validation programs in %s", dir)
	}
	sort.Strings(names)
	return names, nil
}

// untraversable returns the first ancestor of dir (dir included) that other
// users cannot search, or "".
func untraversable(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
			return d
		}
		if d == filepath.Dir(d) {
			return ""
		}
	}
}
