package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseRAM(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		bad  bool
	}{
		{"-1", -1, false}, {"1024", 1024, false}, {"64m", 64 << 20, false}, {"1g", 1 << 30, false},
		{"1.5GiB", 3 << 29, false}, {"10 kb", 10 << 10, false}, {"lots", 0, true}, {"-5", 0, true},
		{" 2K ", 2 << 10, false}, {"3 b", 3, false}, {"4ib", 4, false}, {"5Pi", 5 << 50, false}, {"7T", 7 << 40, false},
		{"", 0, true}, {"1.", 0, true}, {".5", 0, true}, {"1.2.3", 0, true}, {"1..2", 0, true}, {"5x", 0, true},
		{"5bi", 0, true}, {"5kbb", 0, true}, {"5  k", 0, true}, {"k", 0, true}, {"5kk", 0, true}, {"5 ", 5, false},
	}
	for _, tc := range tests {
		got, err := parseRAM(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseRAM(%q) = %d, %v", tc.in, got, err)
		}
	}
}

func TestUpdateFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, s string)
		bad   string
	}{
		{name: "nothing given sets nothing", args: nil, check: func(t *testing.T, s string) {
			if s != "{}" {
				t.Errorf("resources %s", s)
			}
		}},
		{name: "all kinds", args: []string{"--memory", "1m", "--memory-swap", "-1", "--cpu-quota", "-1", "--cpu-period", "100000",
			"--cpuset-mems", "0", "--blkio-weight", "300", "--pids-limit", "5", "--cpu-shares", "256", "--l3-cache-schema", "x"},
			check: func(t *testing.T, s string) {
				for _, want := range []string{`"limit":1048576`, `"swap":-1`, `"quota":-1`, `"period":100000`, `"mems":"0"`,
					`"weight":300`, `"pids":{"limit":5}`, `"shares":256`} {
					if !strings.Contains(s, want) {
						t.Errorf("resources %s lack %s", s, want)
					}
				}
			}},
		{name: "runc spelling", args: []string{"--cpu-share", "2"}, check: func(t *testing.T, s string) {
			if !strings.Contains(s, `"shares":2`) {
				t.Errorf("resources %s", s)
			}
		}},
		{name: "bad number", args: []string{"--cpu-period", "-3"}, bad: "--cpu-period"},
		{name: "bad weight", args: []string{"--blkio-weight", "70000"}, bad: "--blkio-weight"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, vals := addUpdateFlags(nil)
			if _, _, err := parse(tc.args, false, fs); err != nil {
				t.Fatal(err)
			}
			res, err := flagResources(fs, vals)
			if tc.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tc.bad) {
					t.Fatalf("err = %v, want %s", err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := jsonString(res)
			tc.check(t, data)
		})
	}
}

func TestFilterPs(t *testing.T) {
	out := "UID PID PPID CMD\nroot 1 0 init\nroot 42 1 sleep 300\nroot 420 1 other\n"
	var b strings.Builder
	if err := filterPs(&b, out, []int{42, 7}); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "UID PID PPID CMD\nroot 42 1 sleep 300\n" {
		t.Errorf("filtered %q", got)
	}
	if err := filterPs(&b, "USER COMMAND\nroot x\n", []int{1}); err == nil {
		t.Error("no PID column accepted")
	}
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
