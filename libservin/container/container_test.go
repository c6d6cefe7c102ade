package container_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/container"
	"github.com/servin/servin/libservin/image/imagetest"
)

func TestStore(t *testing.T) {
	ctx := context.Background()
	s, err := container.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := &container.Container{Name: "web"}
	if err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if len(a.ID) != 64 {
		t.Fatalf("id %q", a.ID)
	}
	if err := s.Create(ctx, &container.Container{Name: "web"}); !errors.Is(err, container.ErrNameInUse) {
		t.Fatalf("duplicate name: %v", err)
	}
	if err := s.Create(ctx, &container.Container{Name: "-bad"}); !errors.Is(err, container.ErrInvalidName) {
		t.Fatalf("invalid name: %v", err)
	}
	b := &container.Container{}
	if err := s.Create(ctx, b); err != nil || b.Name == "" {
		t.Fatalf("generated name: %v %q", err, b.Name)
	}
	tests := []struct {
		ref  string
		want string
		err  error
	}{
		{a.ID, a.ID, nil},
		{"web", a.ID, nil},
		{"/web", a.ID, nil},
		{a.ID[:10], a.ID, nil},
		{b.Name, b.ID, nil},
		{"nosuch", "", container.ErrNotExist},
		{"", "", container.ErrNotExist},
	}
	for _, tc := range tests {
		c, err := s.Get(tc.ref)
		if !errors.Is(err, tc.err) || err == nil && c.ID != tc.want {
			t.Errorf("Get(%q) = %v, %v", tc.ref, c, err)
		}
	}
	if _, err := s.Update(ctx, a.ID, func(c *container.Container) error { c.State.Status = container.StatusRunning; return nil }); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Load(a.ID); c.State.Status != container.StatusRunning {
		t.Fatalf("update not stored: %+v", c.State)
	}
	if err := s.Remove(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, a.ID, func(*container.Container) error { return nil }); !errors.Is(err, container.ErrNotExist) {
		t.Fatalf("update of removed: %v", err)
	}
	if _, err := os.Stat(s.Dir(a.ID)); !os.IsNotExist(err) {
		t.Fatal("update recreated a removed container's directory")
	}
}

func TestStoreConcurrentNames(t *testing.T) {
	s, _ := container.Open(t.TempDir())
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.Create(context.Background(), &container.Container{Name: "same"}) == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d creations of one name succeeded", ok)
	}
}

func rootfsWithUsers(t *testing.T) string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/group"), []byte("root:x:0:\napp:x:1000:\nwheel:x:10:app,other\nstaff:x:50:\n"), 0o644)
	return dir
}

func TestResolveUser(t *testing.T) {
	rootfs := rootfsWithUsers(t)
	tests := []struct {
		user string
		want specs.User
		bad  bool
	}{
		{"", specs.User{}, false},
		{"root", specs.User{}, false},
		{"app", specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10}}, false},
		{"1000", specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10}}, false},
		{"app:staff", specs.User{UID: 1000, GID: 50, AdditionalGids: []uint32{10}}, false},
		{"5000", specs.User{UID: 5000, GID: 0}, false},
		{"5000:6000", specs.User{UID: 5000, GID: 6000}, false},
		{"nobody", specs.User{}, true},
		{"app:nogroup", specs.User{}, true},
	}
	for _, tc := range tests {
		got, err := container.ResolveUser(rootfs, tc.user)
		if tc.bad != (err != nil) || !tc.bad && (got.UID != tc.want.UID || got.GID != tc.want.GID || !slices.Equal(got.AdditionalGids, tc.want.AdditionalGids)) {
			t.Errorf("ResolveUser(%q) = %+v, %v; want %+v", tc.user, got, err, tc.want)
		}
	}
	// /etc/passwd as a symlink out of the rootfs is resolved inside it.
	evil := t.TempDir()
	os.MkdirAll(filepath.Join(evil, "etc"), 0o755)
	os.Symlink("/etc/passwd", filepath.Join(evil, "etc", "passwd"))
	if _, err := container.ResolveUser(evil, "0"); err != nil {
		t.Errorf("uid 0 needs no passwd: %v", err)
	}
	if u, err := container.ResolveUser(evil, "daemon"); err == nil {
		t.Errorf("host /etc/passwd was read through a symlink: %+v", u)
	}
}

func TestProcessFromImage(t *testing.T) {
	rootfs := rootfsWithUsers(t)
	img := v1.Config{Entrypoint: []string{"/entry"}, Cmd: []string{"default"}, Env: []string{"PATH=/custom", "A=image"}, WorkingDir: "/work", User: "app"}
	tests := []struct {
		name string
		cfg  v1.Config
		o    container.ProcessOptions
		args []string
		env  []string
		cwd  string
		uid  uint32
	}{
		{"image", img, container.ProcessOptions{}, []string{"/entry", "default"}, []string{"PATH=/custom", "A=image", "HOME=/home/app"}, "/work", 1000},
		{"cmd override", img, container.ProcessOptions{Cmd: []string{"x"}}, []string{"/entry", "x"}, nil, "/work", 1000},
		{"entrypoint override drops cmd", img, container.ProcessOptions{Entrypoint: []string{"/bin/sh"}, EntrypointSet: true}, []string{"/bin/sh"}, nil, "/work", 1000},
		{"empty entrypoint", img, container.ProcessOptions{EntrypointSet: true, Cmd: []string{"ls"}}, []string{"ls"}, nil, "/work", 1000},
		{"env and flags", img, container.ProcessOptions{Env: []string{"A=flag", "B=new"}, Workdir: "/w", User: "0", Tty: true, Hostname: "h"},
			[]string{"/entry", "default"}, []string{"PATH=/custom", "A=flag", "B=new", "HOSTNAME=h", "TERM=xterm", "HOME=/root"}, "/w", 0},
		{"default path", v1.Config{Cmd: []string{"sh"}}, container.ProcessOptions{}, []string{"sh"}, []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"}, "/", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := container.ProcessFromImage(tc.cfg, rootfs, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Args, tc.args) || tc.env != nil && !slices.Equal(p.Env, tc.env) || p.Cwd != tc.cwd || p.User.UID != tc.uid {
				t.Fatalf("got args %v env %v cwd %s uid %d", p.Args, p.Env, p.Cwd, p.User.UID)
			}
		})
	}
	if _, err := container.ProcessFromImage(v1.Config{}, rootfs, container.ProcessOptions{}); !errors.Is(err, container.ErrNoCommand) {
		t.Fatalf("no command: %v", err)
	}
	if _, err := container.ProcessFromImage(img, rootfs, container.ProcessOptions{Workdir: "rel"}); err == nil {
		t.Fatal("relative workdir accepted")
	}
}

func TestGenerateSpec(t *testing.T) {
	proc := &specs.Process{Args: []string{"sh"}, Cwd: "/"}
	s, err := container.GenerateSpec(proc, container.SpecOptions{Hostname: "h", CapDrop: []string{"chown", "CAP_KILL"}, CapAdd: []string{"sys_admin"},
		Memory: 1 << 20, CPUs: 1.5, PidsLimit: 10, ReadOnly: true, NoNewPrivileges: true})
	if err != nil {
		t.Fatal(err)
	}
	caps := s.Process.Capabilities.Bounding
	if slices.Contains(caps, "CAP_CHOWN") || slices.Contains(caps, "CAP_KILL") || !slices.Contains(caps, "CAP_SYS_ADMIN") || !slices.Contains(caps, "CAP_NET_RAW") {
		t.Errorf("caps %v", caps)
	}
	if *s.Linux.Resources.Memory.Limit != 1<<20 || *s.Linux.Resources.CPU.Quota != 150000 || *s.Linux.Resources.Pids.Limit != 10 {
		t.Errorf("resources %+v", s.Linux.Resources)
	}
	if !s.Root.Readonly || !s.Process.NoNewPrivileges || s.Hostname != "h" || s.Version != container.SpecVersion {
		t.Errorf("spec %+v", s)
	}
	if !hasNS(s, specs.NetworkNamespace) {
		t.Error("default network must be a new namespace (none)")
	}
	host, _ := container.GenerateSpec(&specs.Process{}, container.SpecOptions{NetworkMode: container.NetworkHost})
	if hasNS(host, specs.NetworkNamespace) || hasNS(host, specs.UTSNamespace) {
		t.Error("host network keeps network or uts namespace")
	}
	priv, _ := container.GenerateSpec(&specs.Process{}, container.SpecOptions{Privileged: true})
	if len(priv.Linux.MaskedPaths) != 0 || len(priv.Process.Capabilities.Bounding) < 30 {
		t.Errorf("privileged: masked %v, %d caps", priv.Linux.MaskedPaths, len(priv.Process.Capabilities.Bounding))
	}
	if _, err := container.GenerateSpec(&specs.Process{}, container.SpecOptions{CapAdd: []string{"NOPE"}}); err == nil {
		t.Error("unknown capability accepted")
	}
	if _, err := container.GenerateSpec(&specs.Process{}, container.SpecOptions{NetworkMode: "bridge"}); err == nil {
		t.Error("bridge accepted")
	}
}

func hasNS(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	for _, n := range s.Linux.Namespaces {
		if n.Type == t {
			return true
		}
	}
	return false
}

func TestParseMounts(t *testing.T) {
	tests := []struct {
		in    string
		parse func(string) (container.Mount, error)
		want  container.Mount
		bad   bool
	}{
		{"/host:/ctr", container.ParseVolume, container.Mount{Type: "bind", Source: "/host", Destination: "/ctr"}, false},
		{"/host:/ctr:ro", container.ParseVolume, container.Mount{Type: "bind", Source: "/host", Destination: "/ctr", ReadOnly: true}, false},
		{"data:/ctr", container.ParseVolume, container.Mount{Type: "volume", Name: "data", Destination: "/ctr"}, false},
		{"/anon", container.ParseVolume, container.Mount{Type: "volume", Destination: "/anon"}, false},
		{"data:rel", container.ParseVolume, container.Mount{}, true},
		{"data:/ctr:bogus", container.ParseVolume, container.Mount{}, true},
		{"/h:/", container.ParseVolume, container.Mount{}, true},
		{"type=bind,src=/h,dst=/c,readonly", container.ParseMount, container.Mount{Type: "bind", Source: "/h", Destination: "/c", ReadOnly: true}, false},
		{"type=volume,source=v,target=/c", container.ParseMount, container.Mount{Type: "volume", Name: "v", Destination: "/c"}, false},
		{"type=tmpfs,target=/t", container.ParseMount, container.Mount{Type: "tmpfs", Destination: "/t"}, false},
		{"type=bind,target=/c", container.ParseMount, container.Mount{}, true},
		{"type=nfs,target=/c", container.ParseMount, container.Mount{}, true},
		{"type=bind,src=/h,target=/c,bogus=1", container.ParseMount, container.Mount{}, true},
		{"/t:size=1m,mode=1777", container.ParseTmpfs, container.Mount{Type: "tmpfs", Destination: "/t", Options: []string{"size=1m", "mode=1777"}}, false},
	}
	for _, tc := range tests {
		got, err := tc.parse(tc.in)
		if tc.bad != (err != nil) || !tc.bad && (got.Type != tc.want.Type || got.Source != tc.want.Source || got.Name != tc.want.Name ||
			got.Destination != tc.want.Destination || got.ReadOnly != tc.want.ReadOnly || !slices.Equal(got.Options, tc.want.Options)) {
			t.Errorf("parse %q = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestUntarStaysInside(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	outside := t.TempDir()
	entries := []tar.Header{
		{Name: "link", Typeflag: tar.TypeSymlink, Linkname: outside},
		{Name: "link/escaped", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644},
		{Name: "../up", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644},
		{Name: "dir/", Typeflag: tar.TypeDir, Mode: 0o750},
		{Name: "dir/file", Typeflag: tar.TypeReg, Size: 1, Mode: 0o4755},
		{Name: "hard", Typeflag: tar.TypeLink, Linkname: "dir/file"},
	}
	for _, h := range entries {
		tw.WriteHeader(&h)
		if h.Size > 0 {
			tw.Write([]byte("x"))
		}
	}
	tw.Close()
	dir := t.TempDir()
	if err := container.Untar(context.Background(), &buf, dir); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Fatalf("wrote outside the rootfs: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "up")); err == nil {
		t.Fatal("../ escaped")
	}
	fi, err := os.Stat(filepath.Join(dir, "dir", "file"))
	if err != nil || fi.Mode()&os.ModeSetuid == 0 {
		t.Fatalf("setuid bit lost: %v %v", err, fi.Mode())
	}
	if di, _ := os.Stat(filepath.Join(dir, "dir")); di.Mode().Perm() != 0o750 {
		t.Fatalf("dir mode %v", di.Mode())
	}
	hi, _ := os.Stat(filepath.Join(dir, "hard"))
	if !os.SameFile(fi, hi) {
		t.Fatal("hard link not linked")
	}
}

func TestExtractRootfs(t *testing.T) {
	img := imagetest.OCIImage(t, imagetest.Layer{"etc/a": "1", "bin/x": "old"}, imagetest.Layer{"bin/x": "new", "etc/.wh.a": ""})
	dir := t.TempDir()
	r := container.ExtractRootfs{}
	root, err := r.Prepare(context.Background(), img, dir)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "bin/x")); string(data) != "new" {
		t.Fatalf("upper layer lost: %q", data)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/a")); !os.IsNotExist(err) {
		t.Fatal("whiteout not applied")
	}
	if err := r.Remove(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatal("rootfs not removed")
	}
}

func TestHostFiles(t *testing.T) {
	dir := t.TempDir()
	ms, err := container.HostFiles(dir, "box", container.NetworkNone, []string{"db:10.0.0.2"})
	if err != nil || len(ms) != 3 {
		t.Fatalf("%v %v", err, ms)
	}
	hosts, _ := os.ReadFile(filepath.Join(dir, "hosts"))
	if !strings.Contains(string(hosts), "10.0.0.2\tdb") || !strings.Contains(string(hosts), "127.0.1.1\tbox") {
		t.Fatalf("hosts: %s", hosts)
	}
	if _, err := container.HostFiles(dir, "box", container.NetworkNone, []string{"nocolon"}); err == nil {
		t.Fatal("bad --add-host accepted")
	}
}
