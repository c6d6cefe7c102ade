package tap_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/servin/servin/conformance/runtime/internal/tap"
)

// nestedBlock renders a YAML block the way the suite's RuntimeInsideValidate
// does: indented JSON with runtimetest's TAP in "stdout".
func nestedBlock(t *testing.T, stdout, stderr string) string {
	t.Helper()
	b, err := json.MarshalIndent(map[string]string{"stdout": stdout, "stderr": stderr}, "  ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return "  ---\n  " + string(b) + "\n  ...\n"
}

func TestParseCounts(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     tap.Counts
		plan     int
		missing  int
		bail     bool
		skipAll  string
		failDiag []string // Diag of the first failing top-level result
	}{
		{
			name: "plain",
			in:   "TAP version 13\nok 1 - one\nnot ok 2 - two\n# expect: x\nok 3 # skip three\nok 4 # SKIP\nnot ok 5 # TODO later\n1..5\n",
			want: tap.Counts{Passed: 1, Failed: 1, Skipped: 2, Todo: 1}, plan: 5,
			failDiag: []string{"expect: x"},
		},
		{
			name: "yaml after result",
			in:   "TAP version 13\nnot ok 1 - create\n  ---\n  {\n    \"error\": \"exit status 1\"\n  }\n  ...\n1..1\n",
			want: tap.Counts{Failed: 1}, plan: 1,
			failDiag: []string{"{", "  \"error\": \"exit status 1\"", "}"},
		},
		{
			name: "missing results",
			in:   "TAP version 13\nok 1 - one\n1..3\n",
			want: tap.Counts{Passed: 1}, plan: 3, missing: 2,
		},
		{
			name: "bail out",
			in:   "TAP version 13\nok 1 - one\nBail out! no runtime\n",
			want: tap.Counts{Passed: 1}, plan: -1, bail: true,
		},
		{
			name: "skip all",
			in:   "TAP version 13\n1..0 # SKIP cgroup v2\n",
			plan: 0, skipAll: "cgroup v2",
		},
		{
			name: "no plan",
			in:   "ok 1\nok 2\n",
			want: tap.Counts{Passed: 2}, plan: -1,
		},
		{
			name: "description with hash is not a directive",
			in:   "ok 1 - issue#42 fixed\n",
			want: tap.Counts{Passed: 1}, plan: -1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tap.ParseString(tc.in)
			if got := d.Count(); got != tc.want {
				t.Errorf("Count() = %+v, want %+v", got, tc.want)
			}
			if d.Plan != tc.plan {
				t.Errorf("Plan = %d, want %d", d.Plan, tc.plan)
			}
			if got := d.Missing(); got != tc.missing {
				t.Errorf("Missing() = %d, want %d", got, tc.missing)
			}
			if d.BailOut != tc.bail {
				t.Errorf("BailOut = %v, want %v", d.BailOut, tc.bail)
			}
			if d.SkipAll != tc.skipAll {
				t.Errorf("SkipAll = %q, want %q", d.SkipAll, tc.skipAll)
			}
			if tc.failDiag != nil {
				var got []string
				for _, r := range d.Results {
					if r.Status == tap.Fail {
						got = r.Diag
						break
					}
				}
				if strings.Join(got, "|") != strings.Join(tc.failDiag, "|") {
					t.Errorf("fail diag = %q, want %q", got, tc.failDiag)
				}
			}
		})
	}
}

func TestParseNested(t *testing.T) {
	inner := "TAP version 13\nok 1 - a\nnot ok 2 - b\n  ---\n  {\n    \"actual\": 1\n  }\n  ...\nok 3 # SKIP c not set\n1..3\n"
	in := "TAP version 13\n" +
		nestedBlock(t, inner, "warn: x") +
		"not ok 1 - check hostname \"\"\n" +
		"ok 2 - hostname is set correctly\n" +
		nestedBlock(t, "TAP version 13\nok 1 - a\n1..1\n", "") +
		"ok 3 - check hostname \"h\"\n" +
		"ok 4 - hostname is set correctly\n1..4\n"
	d := tap.ParseString(in)
	if len(d.Results) != 4 {
		t.Fatalf("got %d results, want 4", len(d.Results))
	}
	if d.Results[0].Sub == nil || d.Results[2].Sub == nil || d.Results[1].Sub != nil {
		t.Fatalf("nested documents attached to the wrong results: %v %v %v", d.Results[0].Sub, d.Results[1].Sub, d.Results[2].Sub)
	}
	if d.Results[0].SubStderr != "warn: x" {
		t.Errorf("SubStderr = %q", d.Results[0].SubStderr)
	}
	if len(d.Results[0].Diag) != 0 {
		t.Errorf("nested block leaked into Diag: %q", d.Results[0].Diag)
	}
	// 1 pass + 1 fail + 1 skip nested in result 1, 1 pass nested in result 3,
	// plus the two plain results 2 and 4.
	want := tap.Counts{Passed: 4, Failed: 1, Skipped: 1}
	if got := d.Count(); got != want {
		t.Errorf("Count() = %+v, want %+v", got, want)
	}
	sub := d.Results[0].Sub.Results[1]
	if sub.Name != "b" || sub.Status != tap.Fail || len(sub.Diag) != 3 {
		t.Errorf("nested failure = %+v", sub)
	}
}

func TestOrphansAndCountTop(t *testing.T) {
	in := "TAP version 13\n  ---\n  {\n    \"error\": \"hooks out of order\"\n  }\n  ...\n1..0\n"
	d := tap.ParseString(in)
	if len(d.Results) != 0 || d.Plan != 0 || d.SkipAll != "" {
		t.Fatalf("got %d results, plan %d, skip-all %q", len(d.Results), d.Plan, d.SkipAll)
	}
	if len(d.Orphans) != 1 || d.Orphans[0][1] != `  "error": "hooks out of order"` {
		t.Errorf("Orphans = %q", d.Orphans)
	}
	nested := nestedBlock(t, "TAP version 13\nok 1 - a\nok 2 - b\nnot ok 3 - c\n1..3\n", "") + "not ok 1 - agg\nok 2 # SKIP x\n1..2\n"
	want := tap.Counts{Failed: 1, Skipped: 1}
	if got := tap.ParseString(nested).CountTop(); got != want {
		t.Errorf("CountTop() = %+v, want %+v", got, want)
	}
}

func TestCountFailedAggregateWithoutNestedFailure(t *testing.T) {
	in := nestedBlock(t, "TAP version 13\nok 1 - a\n1..1\n", "boom") + "not ok 1 - agg\n1..1\n"
	want := tap.Counts{Passed: 1, Failed: 1}
	if got := tap.ParseString(in).Count(); got != want {
		t.Errorf("Count() = %+v, want %+v", got, want)
	}
}
