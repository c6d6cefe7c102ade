package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// testFlags is a flag of each kind, fresh for each case.
type testFlags struct {
	detach, tty, rm bool
	bundle, user    string
	env             []string
	fds             int
	interval        time.Duration
	set             flagSet
}

func newTestFlags() *testFlags {
	f := &testFlags{bundle: "."}
	f.set = flagSet{
		{name: "detach", short: "d", value: &f.detach},
		{name: "tty", short: "t", value: &f.tty},
		{name: "rm", value: &f.rm},
		{name: "bundle", short: "b", value: &f.bundle},
		{name: "user", short: "u", value: &f.user},
		{name: "env", short: "e", value: &f.env},
		{name: "preserve-fds", value: &f.fds},
		{name: "interval", value: &f.interval},
	}
	return f
}

func (f *testFlags) String() string {
	return fmt.Sprintf("d=%v t=%v rm=%v b=%s u=%s e=%q fds=%d i=%s", f.detach, f.tty, f.rm, f.bundle, f.user, f.env, f.fds, f.interval)
}

func TestParse(t *testing.T) {
	const zero = "d=false t=false rm=false b=. u= e=[] fds=0 i=0s"
	tests := []struct {
		name      string
		args      []string
		stopAtArg bool
		want      string   // the flags after parsing
		pos       []string // positional arguments
		help      bool
		err       string // part of the error, "" for none
	}{
		{name: "nothing", args: nil, want: zero},
		{name: "long with separate value", args: []string{"--bundle", "/b", "c1"}, want: "d=false t=false rm=false b=/b u= e=[] fds=0 i=0s", pos: []string{"c1"}},
		{name: "long with =", args: []string{"--bundle=/b=x"}, want: "d=false t=false rm=false b=/b=x u= e=[] fds=0 i=0s"},
		{name: "empty value with =", args: []string{"--bundle="}, want: "d=false t=false rm=false b= u= e=[] fds=0 i=0s"},
		{name: "long with one dash (Go flag style)", args: []string{"-bundle", "/b", "-detach"}, want: "d=true t=false rm=false b=/b u= e=[] fds=0 i=0s"},
		{name: "short with separate value", args: []string{"-b", "/b"}, want: "d=false t=false rm=false b=/b u= e=[] fds=0 i=0s"},
		{name: "short with attached value", args: []string{"-b/b"}, want: "d=false t=false rm=false b=/b u= e=[] fds=0 i=0s"},
		{name: "short with =", args: []string{"-b=/b"}, want: "d=false t=false rm=false b=/b u= e=[] fds=0 i=0s"},
		{name: "short as long", args: []string{"--b", "/b", "--d"}, want: "d=true t=false rm=false b=/b u= e=[] fds=0 i=0s"},
		{name: "value may start with a dash", args: []string{"--user", "-1", "-e", "--x"}, want: "d=false t=false rm=false b=. u=-1 e=[\"--x\"] fds=0 i=0s"},
		{name: "bool forms", args: []string{"--detach", "-t", "--rm=true"}, want: "d=true t=true rm=true b=. u= e=[] fds=0 i=0s"},
		{name: "bool false", args: []string{"-d", "--detach=false", "-t=0"}, want: zero},
		{name: "bool takes no separate value", args: []string{"--detach", "false"}, want: "d=true t=false rm=false b=. u= e=[] fds=0 i=0s", pos: []string{"false"}},
		{name: "clustered shorts", args: []string{"-dt"}, want: "d=true t=true rm=false b=. u= e=[] fds=0 i=0s"},
		{name: "cluster ending in a value flag", args: []string{"-dte", "A=1", "-tbX"}, want: "d=true t=true rm=false b=X u= e=[\"A=1\"] fds=0 i=0s"},
		{name: "cluster with attached value", args: []string{"-deA=1"}, want: "d=true t=false rm=false b=. u= e=[\"A=1\"] fds=0 i=0s"},
		{name: "repeatable", args: []string{"-e", "A=1", "--env", "B=2", "--env=C=3,D=4", "-eE=5"}, want: "d=false t=false rm=false b=. u= e=[\"A=1\" \"B=2\" \"C=3,D=4\" \"E=5\"] fds=0 i=0s"},
		{name: "string repeated: last wins", args: []string{"-b", "x", "-b", "y"}, want: "d=false t=false rm=false b=y u= e=[] fds=0 i=0s"},
		{name: "int and duration", args: []string{"--preserve-fds", "3", "--interval=2s"}, want: "d=false t=false rm=false b=. u= e=[] fds=3 i=2s"},
		{name: "flags after positionals", args: []string{"c1", "--detach", "sig"}, want: "d=true t=false rm=false b=. u= e=[] fds=0 i=0s", pos: []string{"c1", "sig"}},
		{name: "dash alone is positional", args: []string{"-", "x"}, want: zero, pos: []string{"-", "x"}},
		{name: "double dash ends flags", args: []string{"-d", "--", "-t", "--rm"}, want: "d=true t=false rm=false b=. u= e=[] fds=0 i=0s", pos: []string{"-t", "--rm"}},
		{name: "stop at arg passes the rest through", stopAtArg: true, args: []string{"-d", "c1", "sh", "-c", "echo", "-t"}, want: "d=true t=false rm=false b=. u= e=[] fds=0 i=0s", pos: []string{"c1", "sh", "-c", "echo", "-t"}},
		{name: "stop at arg keeps a later double dash", stopAtArg: true, args: []string{"c1", "--", "ls", "-l"}, want: zero, pos: []string{"c1", "--", "ls", "-l"}},
		{name: "stop at arg: double dash before the id", stopAtArg: true, args: []string{"-t", "--", "c1", "ls"}, want: "d=false t=true rm=false b=. u= e=[] fds=0 i=0s", pos: []string{"c1", "ls"}},
		{name: "stop at arg: help after the id is the process's", stopAtArg: true, args: []string{"c1", "ls", "--help"}, want: zero, pos: []string{"c1", "ls", "--help"}},
		{name: "help", args: []string{"--help", "c1"}, want: zero, pos: []string{"c1"}, help: true},
		{name: "short help in a cluster", args: []string{"-dh"}, want: "d=true t=false rm=false b=. u= e=[] fds=0 i=0s", help: true},
		{name: "help=false", args: []string{"-h=false"}, want: zero},
		{name: "unknown long", args: []string{"--nope"}, err: "unknown flag: --nope"},
		{name: "unknown long with value", args: []string{"--nope=1"}, err: "unknown flag: --nope"},
		{name: "unknown one-dash word", args: []string{"-nope"}, err: "unknown shorthand flag: 'n' in -nope"},
		{name: "unknown short in cluster", args: []string{"-dz"}, err: "'z' in -dz"},
		{name: "long name as cluster is not short", args: []string{"-rm"}, want: "d=false t=false rm=true b=. u= e=[] fds=0 i=0s"},
		{name: "triple dash", args: []string{"---detach"}, err: "unknown flag: ---detach"},
		{name: "empty name", args: []string{"--=x"}, err: "unknown flag: --"},
		{name: "missing long value", args: []string{"c1", "--bundle"}, err: "flag needs an argument: --bundle"},
		{name: "missing short value", args: []string{"-b"}, err: "flag needs an argument: -b"},
		{name: "missing value after cluster", args: []string{"-db"}, err: "flag needs an argument: -b"},
		{name: "bad bool", args: []string{"--detach=yes"}, err: `invalid value "yes" for --detach`},
		{name: "bad int", args: []string{"--preserve-fds", "x"}, err: `invalid value "x" for --preserve-fds: invalid syntax`},
		{name: "bad duration", args: []string{"--interval", "5"}, err: `invalid value "5" for --interval`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newTestFlags()
			pos, help, err := parse(tc.args, tc.stopAtArg, f.set)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := f.String(); got != tc.want {
				t.Errorf("flags %s\nwant  %s", got, tc.want)
			}
			if !slices.Equal(pos, tc.pos) {
				t.Errorf("positional %q, want %q", pos, tc.pos)
			}
			if help != tc.help {
				t.Errorf("help = %v", help)
			}
		})
	}
}

func TestParseFallbackAndGiven(t *testing.T) {
	var force bool
	root := "/run/servin"
	local := flagSet{{name: "force", short: "f", value: &force}}
	global := flagSet{{name: "root", value: &root}, {name: "force", value: new(bool)}}
	pos, _, err := parse([]string{"c1", "--root", "/r", "--force"}, false, local, global)
	if err != nil {
		t.Fatal(err)
	}
	if !force || root != "/r" || !slices.Equal(pos, []string{"c1"}) {
		t.Errorf("force %v root %s pos %q", force, root, pos)
	}
	if !local.given("force") || !global.given("root") || global.given("force") {
		t.Error("given() wrong: the first set that has a flag takes it")
	}
	if local.given("nope") {
		t.Error("unknown flag given")
	}
}

func TestCheckArgs(t *testing.T) {
	tests := []struct {
		min, max int
		n        int
		err      string
	}{
		{0, 0, 0, ""}, {0, 0, 1, "takes no arguments, got 1"},
		{1, 1, 1, ""}, {1, 1, 0, "takes exactly 1 argument, got 0"}, {1, 1, 2, "exactly 1 argument, got 2"},
		{1, 2, 2, ""}, {1, 2, 3, "at most 2 arguments, got 3"}, {1, 2, 0, "at least 1 argument, got 0"},
		{1, -1, 9, ""}, {1, -1, 0, "at least 1 argument"},
	}
	for _, tc := range tests {
		c := &command{name: "x", args: "<id>", minArgs: tc.min, maxArgs: tc.max}
		err := c.checkArgs(make([]string, tc.n))
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%d..%d with %d: %v, want %q", tc.min, tc.max, tc.n, err, tc.err)
		}
	}
}

// TestEngineCommandLines parses the command lines podman/conmon,
// containerd's shim and the servin front-end send.
func TestEngineCommandLines(t *testing.T) {
	tests := []struct {
		line  string
		cmd   string
		args  []string
		flags map[string]string // command or global flag -> value
	}{
		{line: "--log-format=json --log /l create --bundle /b --pid-file /p --console-socket /s --preserve-fds 2 c1", cmd: "create", args: []string{"c1"},
			flags: map[string]string{"log-format": "json", "log": "/l", "bundle": "/b", "pid-file": "/p", "console-socket": "/s", "preserve-fds": "2"}},
		{line: "--root /r --log /b/log.json --log-format json create --bundle /b --pid-file /b/init.pid c1", cmd: "create", args: []string{"c1"},
			flags: map[string]string{"root": "/r", "log": "/b/log.json", "log-format": "json", "bundle": "/b", "pid-file": "/b/init.pid"}},
		{line: "start c1", cmd: "start", args: []string{"c1"}, flags: map[string]string{"root": "/run/servin", "log-format": "text", "rootless": "auto"}},
		{line: "--log-format=json --log /l exec --pid-file /p --process /pr --detach --tty --console-socket /s c1", cmd: "exec", args: []string{"c1"},
			flags: map[string]string{"pid-file": "/p", "process": "/pr", "detach": "true", "tty": "true", "console-socket": "/s"}},
		{line: "exec --process /pr --console-socket /s --detach --pid-file /p c1", cmd: "exec", args: []string{"c1"},
			flags: map[string]string{"process": "/pr", "detach": "true", "tty": "false"}},
		{line: "exec -t -e A=1 -e B=2 --cap CAP_X -u 1:2 -g 7 -g 8 c1 sh -c echo -e x", cmd: "exec", args: []string{"c1", "sh", "-c", "echo", "-e", "x"},
			flags: map[string]string{"env": "[A=1 B=2]", "cap": "[CAP_X]", "user": "1:2", "additional-gids": "[7 8]", "tty": "true"}},
		{line: "kill c1 9", cmd: "kill", args: []string{"c1", "9"}, flags: map[string]string{"all": "false"}},
		{line: "kill --all c1 15", cmd: "kill", args: []string{"c1", "15"}, flags: map[string]string{"all": "true"}},
		{line: "delete --force c1", cmd: "delete", args: []string{"c1"}, flags: map[string]string{"force": "true"}},
		{line: "delete c1", cmd: "delete", args: []string{"c1"}, flags: map[string]string{"force": "false"}},
		{line: "pause c1", cmd: "pause", args: []string{"c1"}},
		{line: "resume c1", cmd: "resume", args: []string{"c1"}},
		{line: "update --resources=/f c1", cmd: "update", args: []string{"c1"}, flags: map[string]string{"resources": "/f"}},
		{line: "update --resources - c1", cmd: "update", args: []string{"c1"}, flags: map[string]string{"resources": "-"}},
		{line: "state c1", cmd: "state", args: []string{"c1"}},
		{line: "ps --format json c1", cmd: "ps", args: []string{"c1"}, flags: map[string]string{"format": "json"}},
		{line: "ps c1 -o pid,comm", cmd: "ps", args: []string{"c1", "-o", "pid,comm"}, flags: map[string]string{"format": "table"}},
		{line: "--root /r list -q", cmd: "list", flags: map[string]string{"quiet": "true", "format": "table"}},
		{line: "ls --format=json", cmd: "list", flags: map[string]string{"format": "json"}},
		{line: "run -d --bundle /b --no-pivot c1", cmd: "run", args: []string{"c1"}, flags: map[string]string{"detach": "true", "no-pivot": "true"}},
		{line: "events --stats --interval 1s c1", cmd: "events", args: []string{"c1"}, flags: map[string]string{"stats": "true", "interval": "1s"}},
		{line: "spec -b /b --rootless", cmd: "spec", flags: map[string]string{"bundle": "/b", "rootless": "true"}},
		{line: "--rootless true --debug --criu /x features", cmd: "features", flags: map[string]string{"rootless": "true", "debug": "true"}},
		{line: "state --root /r c1", cmd: "state", args: []string{"c1"}, flags: map[string]string{"root": "/r"}},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			g := &globals{}
			c, args, err := g.parseLine(io.Discard, strings.Fields(tc.line))
			if err != nil {
				t.Fatal(err)
			}
			if c == nil || c.name != tc.cmd || !slices.Equal(args, tc.args) {
				t.Fatalf("got %v %q, want %s %q", c, args, tc.cmd, tc.args)
			}
			for name, want := range tc.flags {
				f := c.flags.lookup(name)
				if f == nil {
					f = g.flags.lookup(name)
				}
				if f == nil {
					t.Fatalf("no flag --%s", name)
				}
				var got any
				switch p := f.value.(type) {
				case *bool:
					got = *p
				case *string:
					got = *p
				case *[]string:
					got = *p
				case *int:
					got = *p
				case *time.Duration:
					got = *p
				}
				if s := fmt.Sprint(got); s != want {
					t.Errorf("--%s = %s, want %s", name, s, want)
				}
			}
		})
	}
}

func TestParseLineErrorsAndHelp(t *testing.T) {
	tests := []struct {
		line string
		out  string // part of what is printed, "" for an error
		err  string
	}{
		{line: "", out: "Commands:"},
		{line: "--help", out: "exec "},
		{line: "-h", out: "--log-format"},
		{line: "help", out: "Global flags:"},
		{line: "help exec", out: "--additional-gids"},
		{line: "exec --help", out: "servin-run [global flags] exec [flags] <container-id> [command [args...]]"},
		{line: "ls -h", out: "Aliases: ls"},
		{line: "--version", out: "servin-run version "},
		{line: "-v", out: "\nspec: "},
		{line: "--bogus state c1", err: "unknown flag: --bogus"},
		{line: "bogus", err: `unknown command "bogus"`},
		{line: "help bogus", err: `unknown command "bogus"`},
		{line: "state", err: "state: takes exactly 1 argument, got 0"},
		{line: "state a b", err: "got 2"},
		{line: "kill", err: "kill: takes at least 1 argument"},
		{line: "exec", err: "exec: takes at least 1 argument"},
		{line: "list x", err: "list: takes no arguments"},
		{line: "create --bundle", err: "create: flag needs an argument: --bundle"},
		{line: "delete --forse c1", err: "delete: unknown flag: --forse"},
		{line: "--root", err: "flag needs an argument: --root"},
		{line: "state --version c1", err: "unknown flag: --version"},
		{line: "update --memory=1m --cpu-shares 2 --bogus c1", err: "update: unknown flag: --bogus"},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			var out strings.Builder
			c, _, err := (&globals{}).parseLine(&out, strings.Fields(tc.line))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || c != nil {
				t.Fatalf("command %v, err %v; want only printing", c, err)
			}
			if !strings.Contains(out.String(), tc.out) {
				t.Errorf("printed %q, want %q in it", out.String(), tc.out)
			}
		})
	}
}

func TestHelpShowsDefaults(t *testing.T) {
	var out strings.Builder
	if _, _, err := (&globals{}).parseLine(&out, []string{"--root", "/elsewhere", "ps", "--help"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`--root string         root directory for storage of container state (default "/run/servin")`,
		`-f, --format string   select one of: table or json (default "table")`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}
