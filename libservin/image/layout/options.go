package layout

import (
	"runtime"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Option configures Open.
type Option func(*Store)

// ReadOnly opens an existing layout without creating or changing anything.
func ReadOnly() Option { return func(s *Store) { s.readOnly = true } }

// WithContainersDir names the directory of container state
// (<dir>/<id>/container.json) consulted before removing an image. It
// defaults to <root>/../containers; "" disables the check.
func WithContainersDir(dir string) Option { return func(s *Store) { s.containersDir = dir } }

// WithPlatform sets the platform chosen from multi-platform indexes by
// Image (default: this machine's).
func WithPlatform(p ocispec.Platform) Option { return func(s *Store) { s.platform = p } }

// DefaultPlatform is the platform of this machine.
func DefaultPlatform() ocispec.Platform {
	p := ocispec.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	if runtime.GOARCH == "arm64" {
		p.Variant = "v8"
	}
	return p
}

// WriteOption configures WriteImage.
type WriteOption func(*writeOptions)

type writeOptions struct {
	convert  bool
	names    []string
	jobs     int
	progress func(Progress)
}

// WithNames gives the written image these ref names (replacing the images
// that had them, which stay as dangling images if nothing else names them).
func WithNames(names ...string) WriteOption {
	return func(o *writeOptions) { o.names = append(o.names, names...) }
}

// WithConvertOCI rewrites a docker schema 2 manifest with OCI media types
// (the blobs are unchanged; the manifest digest changes), for images that
// have no registry digest to keep, such as docker-archive imports.
func WithConvertOCI() WriteOption { return func(o *writeOptions) { o.convert = true } }

// WithJobs sets how many blobs are copied at once (default 4).
func WithJobs(n int) WriteOption { return func(o *writeOptions) { o.jobs = n } }

// WithProgress receives progress events for each blob.
func WithProgress(fn func(Progress)) WriteOption { return func(o *writeOptions) { o.progress = fn } }

// Progress reports the copy of one blob.
type Progress struct {
	Digest    digest.Digest
	MediaType string
	Size      int64 // total size, -1 when unknown
	Done      int64 // bytes written so far
	State     State
}

// State of a blob copy.
type State string

// Blob copy states.
const (
	StateExists  State = "exists"
	StateCopying State = "copying"
	StateDone    State = "done"
)
