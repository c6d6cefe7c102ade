package transport

import (
	"github.com/google/go-containerregistry/pkg/authn"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/layout"
)

// Option configures Copy and the shortcuts.
type Option func(*options)

type options struct {
	store    *layout.Store
	platform ocispec.Platform
	insecure bool
	keychain authn.Keychain
	jobs     int
	retries  int
	progress func(layout.Progress)
}

func newOptions(opts []Option) *options {
	o := &options{platform: layout.DefaultPlatform(), keychain: authn.DefaultKeychain, jobs: 4, retries: 5}
	for _, fn := range opts {
		fn(o)
	}
	return o
}

// WithStore is the store that servin:REF names.
func WithStore(s *layout.Store) Option { return func(o *options) { o.store = s } }

// WithPlatform chooses the image of a multi-platform index (default: this
// machine's platform).
func WithPlatform(p ocispec.Platform) Option { return func(o *options) { o.platform = p } }

// WithInsecure allows plain HTTP and unverified TLS for registries
// (--tls-verify=false). Loopback registries always may use plain HTTP.
func WithInsecure(insecure bool) Option { return func(o *options) { o.insecure = insecure } }

// WithKeychain sets where registry credentials come from (default: the
// docker-compatible config.json: $DOCKER_CONFIG, ~/.docker, then
// $REGISTRY_AUTH_FILE / containers auth.json).
func WithKeychain(k authn.Keychain) Option { return func(o *options) { o.keychain = k } }

// WithJobs sets how many blobs are transferred at once (default 4).
func WithJobs(n int) Option { return func(o *options) { o.jobs = max(1, n) } }

// WithRetries sets how often an interrupted blob download is resumed
// (default 5).
func WithRetries(n int) Option { return func(o *options) { o.retries = n } }

// WithProgress receives per-blob progress events.
func WithProgress(fn func(layout.Progress)) Option { return func(o *options) { o.progress = fn } }
