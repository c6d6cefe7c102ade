// Package tap parses the Test Anything Protocol (version 13) as written by
// the OCI runtime-tools validation programs (github.com/mndrix/tap-go).
//
// Besides plain TAP it understands the suite's one form of nesting: a YAML
// diagnostic block whose JSON body has a "stdout" field holding a whole TAP
// document (runtimetest's output from inside the container). That block is
// written just before the outer "ok" line it belongs to, so it is attached to
// the next result as Sub.
package tap

import (
	"bufio"
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Status is the outcome of one test point.
type Status int

// Test point outcomes.
const (
	Pass Status = iota
	Fail
	Skip
	Todo // "# TODO": neither passes nor fails the run
)

func (s Status) String() string {
	switch s {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	case Skip:
		return "skip"
	case Todo:
		return "todo"
	}
	return "status(" + strconv.Itoa(int(s)) + ")"
}

// Result is one "ok"/"not ok" line with what belongs to it.
type Result struct {
	Num    int
	Name   string
	Status Status
	// Reason is the text of a SKIP or TODO directive.
	Reason string
	// Diag holds "# ..." comment lines and YAML block lines that follow the
	// result, without their leading indentation or "# ".
	Diag []string
	// Sub is the nested TAP document carried by a YAML "stdout" field, if any.
	Sub *Doc
	// SubStderr is the "stderr" field beside that nested document.
	SubStderr string
}

// Doc is a parsed TAP document.
type Doc struct {
	Results []*Result
	// Plan is the N of "1..N", or -1 when there is no plan line.
	Plan int
	// SkipAll is the reason of a "1..0 # SKIP" plan.
	SkipAll string
	// BailOut is set when a "Bail out!" line was seen; BailReason holds its text.
	BailOut    bool
	BailReason string
	// Comments holds "# ..." lines seen before the first result.
	Comments []string
	// Orphans holds YAML blocks (other than nested documents) seen before
	// the first result. The suite's hook programs report their only
	// verdict this way: "1..0" with an "error" block on failure.
	Orphans [][]string
}

// Counts are leaf test points by outcome.
type Counts struct {
	Passed, Failed, Skipped, Todo int
}

// Add returns the sum of c and o.
func (c Counts) Add(o Counts) Counts {
	return Counts{c.Passed + o.Passed, c.Failed + o.Failed, c.Skipped + o.Skipped, c.Todo + o.Todo}
}

// Total is the number of counted test points, skipped and todo included.
func (c Counts) Total() int { return c.Passed + c.Failed + c.Skipped + c.Todo }

var (
	resultRe = regexp.MustCompile(`^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$`)
	planRe   = regexp.MustCompile(`^(\d+)\.\.(\d+)\s*(?:#\s*(.*))?$`)
	// directiveRe finds an unescaped "# SKIP ..." or "# TODO ..." in a description.
	directiveRe = regexp.MustCompile(`(?i)(?:^|\s)#\s*(skip\S*|todo)\b\s*(.*)$`)
)

// Parse reads a TAP document. It never fails on malformed input: lines it
// does not understand are ignored, as TAP requires.
func Parse(r io.Reader) (*Doc, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return parseLines(lines), nil
}

// ParseString parses a TAP document held in a string.
func ParseString(s string) *Doc {
	return parseLines(strings.Split(s, "\n"))
}

func parseLines(lines []string) *Doc {
	d := &Doc{Plan: -1}
	var last *Result
	var pending *yamlBlock // a nested-TAP block waiting for its result line
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, " ") && trimmed == "---":
			end := i + 1
			for end < len(lines) && strings.TrimSpace(lines[end]) != "..." {
				end++
			}
			blk := newYAMLBlock(lines[i+1 : min(end, len(lines))])
			i = end
			if blk.sub != nil {
				pending = blk
				continue
			}
			if last != nil {
				last.Diag = append(last.Diag, blk.lines...)
			} else {
				d.Orphans = append(d.Orphans, blk.lines)
			}
		case resultRe.MatchString(trimmed) && !strings.HasPrefix(line, " "):
			last = parseResult(trimmed)
			if pending != nil {
				last.Sub, last.SubStderr = pending.sub, pending.stderr
				pending = nil
			}
			d.Results = append(d.Results, last)
		case planRe.MatchString(trimmed):
			m := planRe.FindStringSubmatch(trimmed)
			d.Plan, _ = strconv.Atoi(m[2])
			if d.Plan == 0 && m[3] != "" {
				d.SkipAll = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(m[3], "SKIP"), "skip"))
			}
		case strings.HasPrefix(trimmed, "Bail out!"):
			d.BailOut = true
			d.BailReason = strings.TrimSpace(strings.TrimPrefix(trimmed, "Bail out!"))
		case strings.HasPrefix(trimmed, "#"):
			c := strings.TrimSpace(strings.TrimPrefix(trimmed, "#"))
			if last != nil {
				last.Diag = append(last.Diag, c)
			} else {
				d.Comments = append(d.Comments, c)
			}
		}
	}
	return d
}

func parseResult(line string) *Result {
	m := resultRe.FindStringSubmatch(line)
	r := &Result{Status: Pass, Name: strings.TrimSpace(m[3])}
	if m[1] == "not ok" {
		r.Status = Fail
	}
	r.Num, _ = strconv.Atoi(m[2])
	if dm := directiveRe.FindStringSubmatchIndex(r.Name); dm != nil {
		word := strings.ToLower(r.Name[dm[2]:dm[3]])
		reason := strings.TrimSpace(r.Name[dm[4]:dm[5]])
		desc := strings.TrimSpace(r.Name[:dm[0]])
		if strings.HasPrefix(word, "skip") {
			// A skipped test is not run, so "not ok # SKIP" is a skip too.
			r.Status = Skip
		} else {
			r.Status = Todo
		}
		r.Reason = reason
		if desc == "" {
			desc = reason
		}
		r.Name = desc
	}
	return r
}

type yamlBlock struct {
	lines  []string
	sub    *Doc
	stderr string
}

func newYAMLBlock(raw []string) *yamlBlock {
	b := &yamlBlock{}
	indent := -1
	for _, l := range raw {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " "))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for _, l := range raw {
		if len(l) >= indent && indent > 0 {
			l = l[indent:]
		}
		b.lines = append(b.lines, l)
	}
	// tap-go writes the diagnostic map as indented JSON, which is valid YAML.
	var fields map[string]any
	if json.Unmarshal([]byte(strings.Join(raw, "\n")), &fields) != nil {
		return b
	}
	if out, ok := fields["stdout"].(string); ok && strings.HasPrefix(strings.TrimSpace(out), "TAP version") {
		b.sub = ParseString(out)
		b.stderr, _ = fields["stderr"].(string)
	}
	return b
}

// Count returns the leaf counts of d. A result carrying a nested document
// is an aggregate of it: its nested results are counted in its place.
// An aggregate that failed although none of its nested results did is
// counted as one failure.
func (d *Doc) Count() Counts {
	var c Counts
	for _, r := range d.Results {
		if r.Sub != nil && len(r.Sub.Results) > 0 {
			sc := r.Sub.Count()
			c = c.Add(sc)
			if r.Status == Fail && sc.Failed == 0 {
				c.Failed++
			}
			continue
		}
		switch r.Status {
		case Pass:
			c.Passed++
		case Fail:
			c.Failed++
		case Skip:
			c.Skipped++
		case Todo:
			c.Todo++
		}
	}
	return c
}

// CountTop returns the counts of the top-level results only, a nested
// document counting as its one aggregate result.
func (d *Doc) CountTop() Counts {
	var c Counts
	for _, r := range d.Results {
		switch r.Status {
		case Pass:
			c.Passed++
		case Fail:
			c.Failed++
		case Skip:
			c.Skipped++
		case Todo:
			c.Todo++
		}
	}
	return c
}

// Missing reports how many results the plan announced but the document
// lacks (0 when there is no plan or nothing is missing).
func (d *Doc) Missing() int {
	if d.Plan < 0 || len(d.Results) >= d.Plan {
		return 0
	}
	return d.Plan - len(d.Results)
}
