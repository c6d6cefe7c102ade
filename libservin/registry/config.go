package registry

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/servin/servin/libservin/store"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	yaml "go.yaml.in/yaml/v2"
)

// DefaultPort is the port the local registry listens on by default.
const DefaultPort = 5000

// DefaultAddr is the default listen address: loopback only, so a registry
// is never exposed by accident.
const DefaultAddr = "127.0.0.1:5000"

// DefaultURLAllow is the allow-list applied to the urls of non-distributable
// (foreign) layer descriptors: any http or https URL. distribution itself
// rejects every URL when no list is configured.
var DefaultURLAllow = []string{`^https?://`}

// drainTimeout is how long a stopping server waits for requests in flight.
const drainTimeout = 10 * time.Second

// secretFile holds the HTTP secret that signs upload state, kept so that
// uploads resume across restarts.
const secretFile = "http.secret"

// configSettings collects what ConfigOption values set.
type configSettings struct {
	addr      string
	tlsCert   string
	tlsKey    string
	htpasswd  string
	logLevel  string
	accessLog bool
}

// ConfigOption adjusts the configuration built by DefaultConfig.
type ConfigOption func(*configSettings)

// WithAddr sets the listen address (host:port).
func WithAddr(addr string) ConfigOption { return func(s *configSettings) { s.addr = addr } }

// WithTLS serves HTTPS with the given PEM certificate and key files.
func WithTLS(cert, key string) ConfigOption {
	return func(s *configSettings) { s.tlsCert, s.tlsKey = cert, key }
}

// WithHtpasswd enables basic authentication against an htpasswd (bcrypt) file.
func WithHtpasswd(path string) ConfigOption { return func(s *configSettings) { s.htpasswd = path } }

// WithLogLevel sets distribution's log level (error, warn, info, debug).
func WithLogLevel(level string) ConfigOption { return func(s *configSettings) { s.logLevel = level } }

// WithAccessLog enables a combined-format access log on the error log stream.
func WithAccessLog(on bool) ConfigOption { return func(s *configSettings) { s.accessLog = on } }

// DefaultConfig builds the configuration of a local registry storing its
// data under dir: filesystem storage, deletes enabled, a persistent HTTP
// secret, a drain timeout so SIGTERM is graceful, and the URL allow-list.
// It goes through distribution's YAML parser so every default the
// configuration file format applies (catalog size, log level, ...) applies
// here too, as do REGISTRY_* environment overrides.
func DefaultConfig(dir string, opts ...ConfigOption) (*configuration.Configuration, error) {
	s := configSettings{addr: DefaultAddr, logLevel: "info"}
	for _, o := range opts {
		o(&s)
	}
	if (s.tlsCert == "") != (s.tlsKey == "") {
		return nil, fmt.Errorf("%w: a TLS certificate needs a key and a key needs a certificate", ErrInvalidConfig)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("registry directory %s: %w", dir, err)
	}
	secret, err := loadSecret(abs)
	if err != nil {
		return nil, err
	}
	doc := defaultDocument(abs, secret, s)
	data, err := yaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode registry configuration: %w", err)
	}
	cfg, err := configuration.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return cfg, nil
}

func defaultDocument(dir, secret string, s configSettings) map[string]any {
	httpSection := map[string]any{
		"addr":         s.addr,
		"secret":       secret,
		"draintimeout": drainTimeout.String(),
		"headers":      map[string][]string{"X-Content-Type-Options": {"nosniff"}},
	}
	if s.tlsCert != "" {
		httpSection["tls"] = map[string]any{"certificate": s.tlsCert, "key": s.tlsKey}
	}
	doc := map[string]any{
		"version": "0.1",
		"log": map[string]any{
			"level":     s.logLevel,
			"formatter": "text",
			"accesslog": map[string]any{"disabled": !s.accessLog},
		},
		"storage": map[string]any{
			"filesystem": map[string]any{"rootdirectory": dir},
			"delete":     map[string]any{"enabled": true},
			"cache":      map[string]any{"blobdescriptor": "inmemory"},
			"maintenance": map[string]any{
				"uploadpurging": map[string]any{"enabled": true, "age": "168h", "interval": "24h", "dryrun": false},
			},
		},
		"http": httpSection,
		"validation": map[string]any{
			"manifests": map[string]any{"urls": map[string]any{"allow": DefaultURLAllow}},
		},
	}
	if s.htpasswd != "" {
		doc["auth"] = map[string]any{"htpasswd": map[string]any{"realm": "servin-registry", "path": s.htpasswd}}
	}
	return doc
}

// LoadConfig reads a distribution configuration file as it is, so every
// storage driver, auth method and option distribution has is available.
func LoadConfig(path string) (*configuration.Configuration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open registry configuration %s: %w", path, err)
	}
	defer f.Close()
	cfg, err := configuration.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, path, err)
	}
	return cfg, nil
}

// loadSecret returns the HTTP secret kept in dir, creating it on first use.
func loadSecret(dir string) (string, error) {
	path := filepath.Join(dir, secretFile)
	data, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(data))) >= 32 {
		return strings.TrimSpace(string(data)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read http secret %s: %w", path, err)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate http secret: %w", err)
	}
	secret := hex.EncodeToString(b[:])
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create registry directory %s: %w", dir, err)
	}
	if err := writeFileAtomic(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write http secret: %w", err)
	}
	return secret, nil
}

// writeFileAtomic writes data durably and atomically (store.WriteFile),
// creating the directory first.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return store.WriteFile(path, data, mode)
}
