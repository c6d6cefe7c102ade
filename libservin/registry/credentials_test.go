package registry_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/servin/servin/libservin/registry"
)

func TestNormalizeRegistry(t *testing.T) {
	tests := []struct{ in, want string }{
		{"localhost:5000", "localhost:5000"},
		{"https://Registry.Example.com/v2/", "registry.example.com"},
		{"http://127.0.0.1:5000", "127.0.0.1:5000"},
		{"docker.io", registry.DockerHubAuthKey},
		{"https://index.docker.io/v1/", registry.DockerHubAuthKey},
		{" quay.io ", "quay.io"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := registry.NormalizeRegistry(tc.in); got != tc.want {
				t.Errorf("NormalizeRegistry(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestAuthFile(t *testing.T) {
	t.Setenv("REGISTRY_AUTH_FILE", "")
	t.Setenv("DOCKER_CONFIG", "/cfg/docker")
	if got := registry.AuthFile(""); got != filepath.Join("/cfg/docker", "config.json") {
		t.Errorf("with DOCKER_CONFIG: %s", got)
	}
	t.Setenv("REGISTRY_AUTH_FILE", "/run/auth.json")
	if got := registry.AuthFile(""); got != "/run/auth.json" {
		t.Errorf("with REGISTRY_AUTH_FILE: %s", got)
	}
	if got := registry.AuthFile("/explicit.json"); got != "/explicit.json" {
		t.Errorf("explicit: %s", got)
	}
	t.Setenv("REGISTRY_AUTH_FILE", "")
	t.Setenv("DOCKER_CONFIG", "")
	t.Setenv("HOME", "/home/u")
	if runtime.GOOS != "windows" {
		if got := registry.AuthFile(""); got != "/home/u/.docker/config.json" {
			t.Errorf("default: %s", got)
		}
	}
}

func TestLoginStore(t *testing.T) {
	file := filepath.Join(t.TempDir(), "docker", "config.json")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	// settings of other tools survive
	if err := os.WriteFile(file, []byte(`{"auths":{"https://quay.io":{"auth":"eDp5"}},"credHelpers":{"gcr.io":"gcloud"},"psFormat":"table"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := registry.SaveLogin(file, "http://localhost:5000/", registry.Credentials{Username: "alice", Password: "p:ss"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	var doc struct {
		Auths       map[string]struct{ Auth string } `json:"auths"`
		CredHelpers map[string]string                `json:"credHelpers"`
		PsFormat    string                           `json:"psFormat"`
	}
	data, _ := os.ReadFile(file)
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Auths["localhost:5000"].Auth != base64.StdEncoding.EncodeToString([]byte("alice:p:ss")) {
		t.Errorf("stored auth: %s", data)
	}
	if doc.Auths["https://quay.io"].Auth != "eDp5" || doc.CredHelpers["gcr.io"] != "gcloud" || doc.PsFormat != "table" {
		t.Errorf("other settings lost: %s", data)
	}
	cred, ok, err := registry.GetLogin(file, "localhost:5000")
	if err != nil || !ok || cred.Username != "alice" || cred.Password != "p:ss" {
		t.Fatalf("GetLogin: %+v %v %v", cred, ok, err)
	}
	if cred, ok, _ := registry.GetLogin(file, "quay.io"); !ok || cred.Username != "x" || cred.Password != "y" {
		t.Errorf("GetLogin of an entry keyed with a scheme: %+v %v", cred, ok)
	}
	list, err := registry.ListLogins(file)
	if err != nil || len(list) != 3 {
		t.Errorf("ListLogins: %v %v", list, err)
	}
	if err := registry.RemoveLogin(file, "localhost:5000"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := registry.GetLogin(file, "localhost:5000"); ok {
		t.Error("credentials still there after RemoveLogin")
	}
	if err := registry.RemoveLogin(file, "localhost:5000"); !errors.Is(err, registry.ErrNotLoggedIn) {
		t.Errorf("second RemoveLogin: %v, want ErrNotLoggedIn", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(file))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestLoginStoreCreatesFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "new", "config.json")
	if err := registry.SaveLogin(file, "reg.example:443", registry.Credentials{Username: "u", Password: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := registry.GetLogin(file, "https://reg.example:443"); !ok || err != nil {
		t.Fatalf("GetLogin after creating: %v %v", ok, err)
	}
	if err := os.WriteFile(file, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := registry.SaveLogin(file, "x", registry.Credentials{Username: "u", Password: "p"}); err == nil {
		t.Fatal("SaveLogin overwrote an unreadable config.json")
	}
}
