package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/servin/servin/conformance/runtime/internal/tap"
)

// report prints one line for a program, then its failures indented.
func report(c *config, o *outcome) {
	printOutcome(os.Stdout, o, c.maxDiag, c.verbose)
}

func printOutcome(w io.Writer, o *outcome, maxDiag int, verbose bool) {
	verdict := "PASS"
	if o.counts.Failed > 0 {
		verdict = "FAIL"
	}
	line := fmt.Sprintf("%s %s %d/%d", verdict, o.name, o.counts.Passed, o.counts.Passed+o.counts.Failed)
	if o.counts.Skipped > 0 {
		line += fmt.Sprintf(" (%d skipped)", o.counts.Skipped)
	}
	if o.doc != nil && o.doc.SkipAll != "" {
		line += " (skipped: " + o.doc.SkipAll + ")"
	}
	fmt.Fprintf(w, "%s %.1fs\n", line, o.elapsed.Seconds())
	for _, p := range o.problems {
		fmt.Fprintf(w, "    %s\n", p)
	}
	for _, b := range o.orphanDiag {
		fmt.Fprintf(w, "    the program reported an error:\n")
		printDiag(w, b, maxDiag)
	}
	if o.doc != nil {
		printFailures(w, o.doc, "", maxDiag, verbose)
	}
	if len(o.problems) > 0 || (o.counts.Failed > 0 && len(o.stderr) > 0) {
		printTail(w, "stderr", string(o.stderr), maxDiag)
	}
	for _, wn := range o.warnings {
		fmt.Fprintf(w, "    warning: %s\n", wn)
	}
}

func printFailures(w io.Writer, d *tap.Doc, prefix string, maxDiag int, verbose bool) {
	for _, r := range d.Results {
		if r.Sub != nil && len(r.Sub.Results) > 0 && r.Sub.Count().Failed > 0 {
			printFailures(w, r.Sub, prefix+r.Name+" > ", maxDiag, verbose)
			if strings.TrimSpace(r.SubStderr) != "" {
				printTail(w, "container stderr", r.SubStderr, maxDiag)
			}
			continue
		}
		switch {
		case r.Status == tap.Fail:
			fmt.Fprintf(w, "    not ok %d - %s%s\n", r.Num, prefix, r.Name)
			printDiag(w, r.Diag, maxDiag)
			if r.Sub != nil && strings.TrimSpace(r.SubStderr) != "" {
				printTail(w, "container stderr", r.SubStderr, maxDiag)
			}
		case r.Status == tap.Skip && verbose:
			fmt.Fprintf(w, "    skip %d - %s%s\n", r.Num, prefix, r.Name)
		}
	}
}

func printDiag(w io.Writer, lines []string, max int) {
	for i, l := range lines {
		if i == max {
			fmt.Fprintf(w, "        ... (%d more lines in the log)\n", len(lines)-max)
			return
		}
		fmt.Fprintf(w, "        %s\n", l)
	}
}

func printTail(w io.Writer, what, text string, max int) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return
	}
	if len(lines) > max {
		lines = lines[len(lines)-max:]
		what += fmt.Sprintf(" (last %d lines)", max)
	}
	fmt.Fprintf(w, "    %s:\n", what)
	for _, l := range lines {
		fmt.Fprintf(w, "        %s\n", l)
	}
}
