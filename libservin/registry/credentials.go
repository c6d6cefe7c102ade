package registry

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DockerHubAuthKey is the key docker uses for Docker Hub in config.json.
const DockerHubAuthKey = "https://index.docker.io/v1/"

// Credentials are a username and password (or token) for one registry.
type Credentials struct {
	Username string
	Password string
}

// AuthFile returns the docker-compatible credentials file to use: explicit
// (--authfile), else $REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json,
// else ~/.docker/config.json. servin-image, docker, podman, skopeo and
// crane read the same file.
func AuthFile(explicit string) string {
	if explicit != "" {
		return explicit
	}
	if f := os.Getenv("REGISTRY_AUTH_FILE"); f != "" {
		return f
	}
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".docker", "config.json")
}

// NormalizeRegistry turns what a user types ("https://host:5000/v2/",
// "docker.io") into the key config.json uses ("host:5000",
// DockerHubAuthKey).
func NormalizeRegistry(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	s = strings.ToLower(s)
	switch s {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		return DockerHubAuthKey
	}
	return s
}

// authConfig is config.json: every field kept as it is except "auths".
type authConfig struct {
	fields map[string]json.RawMessage
	auths  map[string]map[string]any
}

func loadAuthConfig(file string) (*authConfig, error) {
	c := &authConfig{fields: map[string]json.RawMessage{}, auths: map[string]map[string]any{}}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read credentials %s: %w", file, err)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(data, &c.fields); err != nil {
		return nil, fmt.Errorf("parse credentials %s: %w", file, err)
	}
	if raw, ok := c.fields["auths"]; ok {
		if err := json.Unmarshal(raw, &c.auths); err != nil {
			return nil, fmt.Errorf("parse auths in %s: %w", file, err)
		}
		if c.auths == nil {
			c.auths = map[string]map[string]any{}
		}
	}
	return c, nil
}

func (c *authConfig) save(file string) error {
	raw, err := json.Marshal(c.auths)
	if err != nil {
		return fmt.Errorf("encode auths: %w", err)
	}
	c.fields["auths"] = raw
	data, err := json.MarshalIndent(c.fields, "", "\t")
	if err != nil {
		return fmt.Errorf("encode credentials: %w", err)
	}
	if err := writeFileAtomic(file, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	return nil
}

// key finds the entry for registry, whatever form the file spells it in.
func (c *authConfig) key(registry string) (string, bool) {
	want := NormalizeRegistry(registry)
	if _, ok := c.auths[want]; ok {
		return want, true
	}
	for k := range c.auths {
		if NormalizeRegistry(k) == want {
			return k, true
		}
	}
	return want, false
}

// SaveLogin stores credentials for registry in file (mode 0600, written
// atomically), keeping every other entry and setting.
func SaveLogin(file, registry string, cred Credentials) error {
	c, err := loadAuthConfig(file)
	if err != nil {
		return err
	}
	k, _ := c.key(registry)
	entry := c.auths[k]
	if entry == nil {
		entry = map[string]any{}
	}
	delete(entry, "identitytoken")
	entry["auth"] = base64.StdEncoding.EncodeToString([]byte(cred.Username + ":" + cred.Password))
	c.auths[k] = entry
	return c.save(file)
}

// RemoveLogin deletes the credentials for registry; ErrNotLoggedIn when
// there are none.
func RemoveLogin(file, registry string) error {
	c, err := loadAuthConfig(file)
	if err != nil {
		return err
	}
	k, ok := c.key(registry)
	if !ok {
		return fmt.Errorf("%s: %w", NormalizeRegistry(registry), ErrNotLoggedIn)
	}
	delete(c.auths, k)
	return c.save(file)
}

// GetLogin returns the stored credentials for registry.
func GetLogin(file, registry string) (Credentials, bool, error) {
	c, err := loadAuthConfig(file)
	if err != nil {
		return Credentials{}, false, err
	}
	k, ok := c.key(registry)
	if !ok {
		return Credentials{}, false, nil
	}
	entry := c.auths[k]
	if s, _ := entry["auth"].(string); s != "" {
		dec, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return Credentials{}, false, fmt.Errorf("decode credentials for %s in %s: %w", k, file, err)
		}
		user, pass, _ := strings.Cut(string(dec), ":")
		return Credentials{Username: user, Password: pass}, true, nil
	}
	user, _ := entry["username"].(string)
	pass, _ := entry["password"].(string)
	if tok, _ := entry["identitytoken"].(string); tok != "" && pass == "" {
		pass = tok
	}
	return Credentials{Username: user, Password: pass}, user != "" || pass != "", nil
}

// ListLogins returns the registries file holds credentials or credential
// helpers for, normalized and sorted.
func ListLogins(file string) ([]string, error) {
	c, err := loadAuthConfig(file)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for k := range c.auths {
		seen[NormalizeRegistry(k)] = true
	}
	if raw, ok := c.fields["credHelpers"]; ok {
		var helpers map[string]string
		if json.Unmarshal(raw, &helpers) == nil {
			for k := range helpers {
				seen[NormalizeRegistry(k)] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}
