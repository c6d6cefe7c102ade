package registry_test

import (
	"testing"

	"github.com/servin/servin/libservin/registry"
)

func TestRetarget(t *testing.T) {
	const d = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	tests := []struct {
		image, reg, want string
		wantErr          bool
	}{
		{"busybox", "localhost:5000", "localhost:5000/busybox:latest", false},
		{"docker.io/library/busybox:1.36", "127.0.0.1:5000", "127.0.0.1:5000/busybox:1.36", false},
		{"quay.io/org/app:v2", "https://reg.example/", "reg.example/org/app:v2", false},
		{"myuser/tool@" + d, "localhost:5000", "localhost:5000/myuser/tool@" + d, false},
		{"app:v1@" + d, "localhost:5000", "localhost:5000/app:v1@" + d, false},
		{"localhost:5000/app:v1", "127.0.0.1:6000", "127.0.0.1:6000/app:v1", false},
		{"Bad Name", "localhost:5000", "", true},
		{"busybox", "docker.io", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.image, func(t *testing.T) {
			got, err := registry.Retarget(tc.image, tc.reg)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("Retarget(%q, %q) = %q, %v; want %q (error %v)", tc.image, tc.reg, got, err, tc.want, tc.wantErr)
			}
		})
	}
}
