package registry_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/servin/servin/libservin/registry"
)

func TestDefaultConfig(t *testing.T) {
	dir := t.TempDir()
	cfg, err := registry.DefaultConfig(dir, registry.WithAddr("127.0.0.1:5999"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:5999" || cfg.Storage.Type() != "filesystem" {
		t.Errorf("addr %q storage %q", cfg.HTTP.Addr, cfg.Storage.Type())
	}
	if cfg.Storage.Parameters()["rootdirectory"] != dir {
		t.Errorf("rootdirectory %v", cfg.Storage.Parameters()["rootdirectory"])
	}
	if cfg.Catalog.MaxEntries <= 0 {
		t.Errorf("catalog max entries %d: the YAML default was not applied", cfg.Catalog.MaxEntries)
	}
	if cfg.HTTP.DrainTimeout <= 0 || cfg.HTTP.DrainTimeout > time.Minute {
		t.Errorf("drain timeout %v", cfg.HTTP.DrainTimeout)
	}
	if d, _ := cfg.Storage["delete"]["enabled"].(bool); !d {
		t.Error("deletes not enabled")
	}
	if len(cfg.Validation.Manifests.URLs.Allow) == 0 {
		t.Error("no URL allow-list for non-distributable layers")
	}
	if cfg.HTTP.Secret == "" {
		t.Fatal("empty HTTP secret")
	}
	again, err := registry.DefaultConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.HTTP.Secret != cfg.HTTP.Secret {
		t.Error("HTTP secret changed between starts: resumed uploads would break")
	}
	fi, err := os.Stat(filepath.Join(dir, "http.secret"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file: %v %v", fi, err)
	}
	if _, err := registry.DefaultConfig(dir, registry.WithTLS("cert.pem", "")); !errors.Is(err, registry.ErrInvalidConfig) {
		t.Errorf("certificate without key: %v", err)
	}
	cfg, err = registry.DefaultConfig(dir, registry.WithHtpasswd("/etc/htpw"), registry.WithTLS("c", "k"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Auth.Type() != "htpasswd" || cfg.Auth.Parameters()["path"] != "/etc/htpw" || cfg.HTTP.TLS.Certificate != "c" {
		t.Errorf("auth %q %v, tls %q", cfg.Auth.Type(), cfg.Auth.Parameters(), cfg.HTTP.TLS.Certificate)
	}
}

func TestLoadConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yml")
	yml := "version: 0.1\nstorage:\n  inmemory: {}\nhttp:\n  addr: 127.0.0.1:0\n"
	if err := os.WriteFile(file, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := registry.LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.Type() != "inmemory" {
		t.Errorf("storage %q", cfg.Storage.Type())
	}
	if err := os.WriteFile(file, []byte("version: 0.1\nstorage: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.LoadConfig(file); !errors.Is(err, registry.ErrInvalidConfig) {
		t.Errorf("bad YAML: %v", err)
	}
}

func TestListenAddr(t *testing.T) {
	tests := []struct {
		addr string
		port int
		want string
	}{
		{"127.0.0.1", -1, "127.0.0.1:5000"},
		{"0.0.0.0", 6000, "0.0.0.0:6000"},
		{"127.0.0.1:7000", -1, "127.0.0.1:7000"},
		{"127.0.0.1:7000", 8000, "127.0.0.1:8000"},
		{"::1", 0, "[::1]:0"},
		{"", -1, ":5000"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := registry.ListenAddr(tc.addr, tc.port); got != tc.want {
				t.Errorf("ListenAddr(%q, %d) = %q", tc.addr, tc.port, got)
			}
		})
	}
}

func TestInMemoryStorageServes(t *testing.T) {
	// the additions must see the same storage as distribution, even a
	// driver whose instances share nothing
	file := filepath.Join(t.TempDir(), "config.yml")
	yml := "version: 0.1\nlog: {level: error}\nstorage:\n  inmemory: {}\n  delete: {enabled: true}\nhttp:\n  addr: 127.0.0.1:0\n"
	if err := os.WriteFile(file, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := registry.LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	s := startConfigured(t, cfg)
	img := randomImage(t, 256, 1)
	pushPull(t, s+"/mem/img:v1", img)
	assertReferrersEmpty(t, s, "mem/img", digestOf(t, img).String())
}
