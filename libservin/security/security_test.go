package security_test

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/security"
)

func TestParseIDMap(t *testing.T) {
	tests := []struct {
		in   string
		want specs.LinuxIDMapping
		bad  bool
	}{
		{"0:1000:1", specs.LinuxIDMapping{ContainerID: 0, HostID: 1000, Size: 1}, false},
		{"0:100000:65536", specs.LinuxIDMapping{ContainerID: 0, HostID: 100000, Size: 65536}, false},
		{"0:1000", specs.LinuxIDMapping{}, true},
		{"a:b:c", specs.LinuxIDMapping{}, true},
		{"0:1:0", specs.LinuxIDMapping{}, true},
	}
	for _, tc := range tests {
		got, err := security.ParseIDMap(tc.in)
		if tc.bad != (err != nil) || got != tc.want {
			t.Errorf("ParseIDMap(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func TestConfig(t *testing.T) {
	root := t.TempDir()
	c, err := security.Load(root)
	if err != nil || c.UserNamespace || c.NoNewPrivileges {
		t.Fatalf("missing file: %+v %v", c, err)
	}
	want := security.Config{NoNewPrivileges: true, UserNamespace: true, UIDMappings: []specs.LinuxIDMapping{{HostID: 1000, Size: 10}}}
	if err := security.Save(root, want); err != nil {
		t.Fatal(err)
	}
	got, err := security.Load(root)
	if err != nil || !got.NoNewPrivileges || !got.UserNamespace || len(got.UIDMappings) != 1 {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	s := &specs.Spec{Process: &specs.Process{}, Linux: &specs.Linux{}}
	got.Apply(s)
	if !s.Process.NoNewPrivileges || len(s.Linux.GIDMappings) != 1 || s.Linux.Namespaces[0].Type != specs.UserNamespace {
		t.Fatalf("apply: %+v", s)
	}
	if len(security.Check()) == 0 {
		t.Fatal("no features")
	}
}
