package unpack_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/image/unpack"
	"github.com/servin/servin/libservin/spec"
)

func userRootfs(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"etc/passwd": "# comment\nroot:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\nbob:x:1001:100::/home/bob:/bin/sh\nbroken line\n",
		"etc/group":  "root:x:0:\nalice:x:1000:\nusers:x:100:bob\nwheel:x:10:alice,bob\ndocker:x:999:alice\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(root, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestSpecUser(t *testing.T) {
	root := userRootfs(t)
	tests := []struct {
		user    string
		want    specs.User
		home    string
		wantErr error
	}{
		{user: "", want: specs.User{}},
		{user: "alice", want: specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 999}}, home: "/home/alice"},
		{user: "bob", want: specs.User{UID: 1001, GID: 100, AdditionalGids: []uint32{100, 10}}, home: "/home/bob"},
		{user: "1000", want: specs.User{UID: 1000, GID: 1000}, home: "/home/alice"},
		{user: "4242", want: specs.User{UID: 4242, GID: 0}},
		{user: "4242:4343", want: specs.User{UID: 4242, GID: 4343}},
		{user: "alice:users", want: specs.User{UID: 1000, GID: 100}, home: "/home/alice"},
		{user: "alice:55", want: specs.User{UID: 1000, GID: 55}, home: "/home/alice"},
		{user: "77:wheel", want: specs.User{UID: 77, GID: 10}},
		{user: "mallory", wantErr: unpack.ErrUserNotFound},
		{user: "alice:nogroup", wantErr: unpack.ErrUserNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.user, func(t *testing.T) {
			cfg := &v1.ConfigFile{Config: v1.Config{User: tc.user}}
			s, err := unpack.Spec(cfg, root)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error = %v, want %v", err, tc.wantErr)
				}
				t.Logf("error: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Process.User, tc.want) {
				t.Errorf("user = %+v, want %+v", s.Process.User, tc.want)
			}
			wantEnv := []string{spec.DefaultPath}
			if tc.home != "" {
				wantEnv = append(wantEnv, "HOME="+tc.home)
			}
			if !reflect.DeepEqual(s.Process.Env, wantEnv) {
				t.Errorf("env = %q, want %q", s.Process.Env, wantEnv)
			}
		})
	}
}

// A symlinked /etc/passwd is resolved inside the rootfs, never on the host.
func TestSpecUserWithoutRootfs(t *testing.T) {
	if _, err := unpack.Spec(&v1.ConfigFile{Config: v1.Config{User: "root"}}, ""); !errors.Is(err, unpack.ErrUserNotFound) {
		t.Errorf("named user without rootfs: %v, want ErrUserNotFound", err)
	}
	s, err := unpack.Spec(&v1.ConfigFile{Config: v1.Config{User: "12:34"}}, "")
	if err != nil || s.Process.User.UID != 12 || s.Process.User.GID != 34 {
		t.Errorf("numeric user without rootfs: %+v, %v", s, err)
	}
}

func TestSpecUserSymlinkedPasswd(t *testing.T) {
	base := t.TempDir()
	host := filepath.Join(base, "hostpasswd")
	if err := os.WriteFile(host, []byte("evil:x:666:666::/:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(base, "rootfs")
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	if err := os.Symlink(host, filepath.Join(root, "etc", "passwd")); err != nil {
		t.Fatal(err)
	}
	_, err := unpack.Spec(&v1.ConfigFile{Config: v1.Config{User: "evil"}}, root)
	if err == nil {
		t.Fatal("user resolved through a host file")
	}
	t.Logf("error: %v", err)
	// The same link relative to the rootfs is fine.
	os.MkdirAll(filepath.Join(root, "lib"), 0o755)
	os.WriteFile(filepath.Join(root, "lib", "passwd"), []byte("good:x:5:6::/:/bin/sh\n"), 0o644)
	os.Remove(filepath.Join(root, "etc", "passwd"))
	os.Symlink("/lib/passwd", filepath.Join(root, "etc", "passwd"))
	s, err := unpack.Spec(&v1.ConfigFile{Config: v1.Config{User: "good"}}, root)
	if err != nil || s.Process.User.UID != 5 || s.Process.User.GID != 6 {
		t.Fatalf("user through in-rootfs symlink: %+v, %v", s, err)
	}
}

func TestSpecConversion(t *testing.T) {
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	cfg := &v1.ConfigFile{
		OS: "linux", Architecture: "amd64", Variant: "v3", Author: "me", Created: v1.Time{Time: created},
		Config: v1.Config{
			Entrypoint:   []string{"/bin/app", "--flag"},
			Cmd:          []string{"serve"},
			Env:          []string{"PATH=/custom", "A=1"},
			WorkingDir:   "/srv",
			StopSignal:   "SIGQUIT",
			ExposedPorts: map[string]struct{}{"8080/tcp": {}, "53/udp": {}},
			Volumes:      map[string]struct{}{"/data": {}, "/cache": {}},
			Labels:       map[string]string{"org.opencontainers.image.author": "label wins", "x": "y"},
		},
	}
	s, err := unpack.Spec(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/bin/app", "--flag", "serve"}; !reflect.DeepEqual(s.Process.Args, want) {
		t.Errorf("args = %q, want %q", s.Process.Args, want)
	}
	if want := []string{"PATH=/custom", "A=1"}; !reflect.DeepEqual(s.Process.Env, want) {
		t.Errorf("env = %q, want %q", s.Process.Env, want)
	}
	if s.Process.Cwd != "/srv" || s.Process.Terminal || s.Root.Path != "rootfs" {
		t.Errorf("cwd %q terminal %v root %q", s.Process.Cwd, s.Process.Terminal, s.Root.Path)
	}
	want := map[string]string{
		unpack.AnnotationOS: "linux", unpack.AnnotationArch: "amd64", unpack.AnnotationVariant: "v3",
		unpack.AnnotationAuthor: "label wins", unpack.AnnotationCreated: "2024-05-06T07:08:09Z",
		unpack.AnnotationStopSignal: "SIGQUIT", unpack.AnnotationExposedPorts: "53/udp,8080/tcp",
		unpack.AnnotationVolumes: "/cache,/data", "x": "y",
	}
	if !reflect.DeepEqual(s.Annotations, want) {
		t.Errorf("annotations = %v\nwant %v", s.Annotations, want)
	}
}

func TestSpecMappings(t *testing.T) {
	m := toSpecs([]specsMapping{{0, 100000, 65536}})
	s, err := unpack.Spec(&v1.ConfigFile{}, "", unpack.WithUIDMappings(m...), unpack.WithGIDMappings(m...))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Linux.UIDMappings, m) || !reflect.DeepEqual(s.Linux.GIDMappings, m) {
		t.Errorf("mappings = %v %v", s.Linux.UIDMappings, s.Linux.GIDMappings)
	}
	n := 0
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.UserNamespace {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d user namespaces, want 1", n)
	}
	s, err = unpack.Spec(&v1.ConfigFile{}, "", unpack.WithRootless())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Linux.UIDMappings) != 1 || s.Linux.UIDMappings[0].HostID != uint32(os.Geteuid()) {
		t.Errorf("rootless mappings = %v", s.Linux.UIDMappings)
	}
}

func TestParseIDMapping(t *testing.T) {
	tests := []struct {
		in   string
		want specs.LinuxIDMapping
		ok   bool
	}{
		{"0:100000:65536", specs.LinuxIDMapping{ContainerID: 0, HostID: 100000, Size: 65536}, true},
		{"1:2", specs.LinuxIDMapping{}, false},
		{"1:2:0", specs.LinuxIDMapping{}, false},
		{"a:b:c", specs.LinuxIDMapping{}, false},
		{"1:2:3:4", specs.LinuxIDMapping{}, false},
	}
	for _, tc := range tests {
		got, err := unpack.ParseIDMapping(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseIDMapping(%q) = %v, %v", tc.in, got, err)
		}
	}
}
