package main

// A small runc-compatible command line: global flags, then a command, its
// flags and positional arguments. servin-run is one short-lived process per
// container operation, so it avoids cobra (and the text/template, regexp
// and net/url that come with it) for start-up time and binary size.
//
// Flags follow runc (urfave/cli over Go's flag package) and stay
// compatible with the cobra parser this replaced: --name value,
// --name=value, -name value (one dash works for long names too), short
// forms -b DIR, -bDIR, -b=DIR, clustered short booleans -dt, booleans as
// --name or --name=false. "--" ends the flags. Flags may follow positional
// arguments, except for commands with stopAtArg (exec, ps) where the first
// positional argument ends them and the rest passes through untouched.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// flag is one command-line flag. value points at where it lands: *bool,
// *string, *int, *time.Duration, or *[]string for a repeatable flag.
type flag struct {
	name   string
	short  string // one letter, or ""
	usage  string
	value  any
	hidden bool
	given  bool   // set by parse
	def    string // the default, for help
}

// flagSet is a command's flags, in the order help lists them.
type flagSet []*flag

func (fs flagSet) lookup(name string) *flag {
	for _, f := range fs {
		if f.name == name || (f.short != "" && f.short == name) {
			return f
		}
	}
	return nil
}

// given reports whether any of the named flags was on the command line.
func (fs flagSet) given(names ...string) bool {
	for _, n := range names {
		if f := fs.lookup(n); f != nil && f.given {
			return true
		}
	}
	return false
}

// command is one subcommand.
type command struct {
	name    string
	aliases []string
	args    string // the positional arguments for help: "<container-id> [signal]"
	short   string
	long    string
	minArgs int
	maxArgs int // < 0: no limit
	// stopAtArg ends flag parsing at the first positional argument: the
	// rest belongs to the container process (exec) or ps(1).
	stopAtArg bool
	flags     flagSet
	run       func(ctx context.Context, args []string) error
}

// parse reads args against the flag sets, searched in order, and returns
// the positional arguments. help is set by -h/--help.
func parse(args []string, stopAtArg bool, sets ...flagSet) (pos []string, help bool, err error) {
	sets = append(sets, flagSet{{name: "help", short: "h", value: &help}})
	for _, fs := range sets {
		for _, f := range fs {
			if !f.given { // still its default: help shows it
				f.def = f.show()
			}
		}
	}
	lookup := func(name string) *flag {
		for _, fs := range sets {
			if f := fs.lookup(name); f != nil {
				return f
			}
		}
		return nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), help, nil
		}
		if len(a) < 2 || a[0] != '-' {
			if stopAtArg {
				return append(pos, args[i:]...), help, nil
			}
			pos = append(pos, a)
			continue
		}
		long := strings.HasPrefix(a, "--")
		body := strings.TrimPrefix(a[1:], "-")
		name, val, hasVal := strings.Cut(body, "=")
		f := lookup(name)
		if f == nil && !long {
			// -dt (short booleans) or -bDIR (short flag and its value)
			if i, err = parseShorts(a, args, i, lookup); err != nil {
				return nil, help, err
			}
			continue
		}
		if f == nil {
			return nil, help, fmt.Errorf("unknown flag: %s", strings.SplitN(a, "=", 2)[0])
		}
		if _, isBool := f.value.(*bool); !isBool && !hasVal {
			if i+1 >= len(args) {
				return nil, help, fmt.Errorf("flag needs an argument: %s", a)
			}
			i++
			val, hasVal = args[i], true
		}
		if err := f.set(val, hasVal); err != nil {
			return nil, help, err
		}
	}
	return pos, help, nil
}

// parseShorts reads a cluster of one-letter flags, args[i]: booleans, and
// at most one value flag last, whose value is the rest of the word or the
// next argument. It returns the index of the last argument consumed.
func parseShorts(a string, args []string, i int, lookup func(string) *flag) (int, error) {
	for j := 1; j < len(a); j++ {
		f := lookup(a[j : j+1])
		if f == nil || f.short != a[j:j+1] {
			return i, fmt.Errorf("unknown shorthand flag: %q in %s", a[j], a)
		}
		if _, isBool := f.value.(*bool); isBool {
			if err := f.set("", false); err != nil {
				return i, err
			}
			continue
		}
		val := strings.TrimPrefix(a[j+1:], "=")
		if j+1 == len(a) {
			if i+1 >= len(args) {
				return i, fmt.Errorf("flag needs an argument: -%s", f.short)
			}
			i++
			val = args[i]
		}
		return i, f.set(val, true)
	}
	return i, nil
}

// set stores a value; a boolean given without one is true.
func (f *flag) set(val string, hasVal bool) error {
	f.given = true
	var err error
	switch p := f.value.(type) {
	case *bool:
		*p = true
		if hasVal {
			*p, err = strconv.ParseBool(val)
		}
	case *string:
		*p = val
	case *[]string:
		*p = append(*p, val)
	case *int:
		*p, err = strconv.Atoi(val)
	case *time.Duration:
		*p, err = time.ParseDuration(val)
	default:
		panic(fmt.Sprintf("flag --%s: unsupported type %T", f.name, f.value))
	}
	if ne := (*strconv.NumError)(nil); errors.As(err, &ne) {
		err = ne.Err // "invalid syntax", without strconv's own wording
	}
	if err != nil {
		return fmt.Errorf("invalid value %q for --%s: %w", val, f.name, err)
	}
	return nil
}

// show formats the current value for help ("" for a zero value).
func (f *flag) show() string {
	switch p := f.value.(type) {
	case *string:
		if *p != "" {
			return strconv.Quote(*p)
		}
	case *int:
		if *p != 0 {
			return strconv.Itoa(*p)
		}
	case *time.Duration:
		if *p != 0 {
			return p.String()
		}
	}
	return ""
}

// kind names the value type for help, like pflag ("string", "int").
func (f *flag) kind() string {
	switch f.value.(type) {
	case *string:
		return "string"
	case *[]string:
		return "stringArray"
	case *int:
		return "int"
	case *time.Duration:
		return "duration"
	}
	return ""
}

// printFlags writes a help table of the flags that are not hidden.
func printFlags(w io.Writer, title string, sets ...flagSet) {
	fmt.Fprintf(w, "\n%s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	for _, fs := range sets {
		for _, f := range fs {
			if f.hidden {
				continue
			}
			names := "    --" + f.name
			if f.short != "" {
				names = "-" + f.short + ", --" + f.name
			}
			usage := f.usage
			if f.def != "" {
				usage += " (default " + f.def + ")"
			}
			fmt.Fprintf(tw, "  %s %s\t%s\n", names, f.kind(), usage)
		}
	}
	tw.Flush()
}

// checkArgs checks the number of positional arguments.
func (c *command) checkArgs(args []string) error {
	n := len(args)
	var want string
	switch {
	case c.maxArgs == 0 && n > 0:
		want = "no arguments"
	case c.minArgs == c.maxArgs && n != c.minArgs:
		want = "exactly " + nArgs(c.minArgs)
	case n < c.minArgs:
		want = "at least " + nArgs(c.minArgs)
	case c.maxArgs >= 0 && n > c.maxArgs:
		want = "at most " + nArgs(c.maxArgs)
	default:
		return nil
	}
	return fmt.Errorf("%s: takes %s, got %d (usage: %s)", c.name, want, n, strings.TrimSpace("servin-run "+c.name+" "+c.args))
}

func nArgs(n int) string {
	if n == 1 {
		return "1 argument"
	}
	return strconv.Itoa(n) + " arguments"
}
