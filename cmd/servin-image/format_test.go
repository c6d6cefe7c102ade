package main

import "testing"

func TestSplitName(t *testing.T) {
	for in, want := range map[string][2]string{
		"":                                 {"<none>", "<none>"},
		"docker.io/library/busybox:latest": {"busybox", "latest"},
		"localhost:5000/a/b:v1":            {"localhost:5000/a/b", "v1"},
		"v1":                               {"v1", "<none>"},
		"Not A Name":                       {"Not A Name", "<none>"},
	} {
		if r, tag := splitName(in); r != want[0] || tag != want[1] {
			t.Errorf("splitName(%q) = %q, %q; want %v", in, r, tag, want)
		}
	}
}
