package name_test

import (
	"errors"
	"testing"

	"github.com/servin/servin/libservin/image/name"
)

func TestParse(t *testing.T) {
	const dg = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	tests := []struct {
		in, want, familiar string
	}{
		{"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
		{"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
		{"library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
		{"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
		{"index.docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
		{"user/app", "docker.io/user/app:latest", "user/app:latest"},
		{"localhost/app", "localhost/app:latest", "localhost/app:latest"},
		{"localhost:5000/app:v1", "localhost:5000/app:v1", "localhost:5000/app:v1"},
		{"127.0.0.1:5000/a/b/c:v1.2-x", "127.0.0.1:5000/a/b/c:v1.2-x", "127.0.0.1:5000/a/b/c:v1.2-x"},
		{"quay.io/org/app", "quay.io/org/app:latest", "quay.io/org/app:latest"},
		{"busybox@" + dg, "docker.io/library/busybox@" + dg, "busybox@" + dg},
		{"busybox:1@" + dg, "docker.io/library/busybox:1@" + dg, "busybox:1@" + dg},
		{"[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest"},
		{"a__b/c-d--e/f.g", "docker.io/a__b/c-d--e/f.g:latest", "a__b/c-d--e/f.g:latest"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := name.Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.String() != tc.want {
				t.Errorf("String() = %q, want %q", r.String(), tc.want)
			}
			if r.Familiar() != tc.familiar {
				t.Errorf("Familiar() = %q, want %q", r.Familiar(), tc.familiar)
			}
			again, err := name.Parse(r.String())
			if err != nil || again != r {
				t.Errorf("reparse of %q = %+v, %v", r.String(), again, err)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	for _, in := range []string{
		"", "Busybox", "user/App", "app:", "app:-bad", "app@sha256:xyz", ":tag", "a//b",
		"-app", "app_", "localhost:5000/", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"host:port/app", "a b",
	} {
		t.Run(in, func(t *testing.T) {
			r, err := name.Parse(in)
			if !errors.Is(err, name.ErrInvalid) {
				t.Fatalf("Parse(%q) = %+v, %v; want ErrInvalid", in, r, err)
			}
		})
	}
}

func TestParseNoTag(t *testing.T) {
	r, err := name.ParseNoTag("busybox")
	if err != nil || r.Tag != "" || r.Name() != "docker.io/library/busybox" {
		t.Fatalf("ParseNoTag(busybox) = %+v, %v", r, err)
	}
}
