package unpack

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// applyConfig holds the settings of one ApplyLayer call.
type applyConfig struct {
	digest  digest.Digest // expected compressed digest, "" to skip the check
	diffID  digest.Digest // expected uncompressed digest, "" to skip the check
	overlay bool
	uidMap  []specs.LinuxIDMapping
	gidMap  []specs.LinuxIDMapping
	log     *slog.Logger
}

// ApplyOption configures ApplyLayer.
type ApplyOption func(*applyConfig)

// WithDigest makes ApplyLayer check the digest of the stream as read (the
// compressed blob digest of the manifest descriptor).
func WithDigest(d digest.Digest) ApplyOption { return func(c *applyConfig) { c.digest = d } }

// WithDiffID makes ApplyLayer check the digest of the uncompressed tar.
func WithDiffID(d digest.Digest) ApplyOption { return func(c *applyConfig) { c.diffID = d } }

// WithOverlayWhiteouts writes whiteouts as overlayfs whiteouts (a 0:0
// character device, trusted.overlay.opaque=y) instead of deleting files, for
// a directory used as an overlay lower layer. Unprivileged, opaque
// directories get user.overlay.opaque=y instead, for an overlay mounted
// with the userxattr option.
func WithOverlayWhiteouts() ApplyOption { return func(c *applyConfig) { c.overlay = true } }

// WithIDMappings translates file owners from container IDs to host IDs
// (for a bundle run in a user namespace with these mappings).
func WithIDMappings(uids, gids []specs.LinuxIDMapping) ApplyOption {
	return func(c *applyConfig) { c.uidMap, c.gidMap = uids, gids }
}

// WithApplyLogger sets the logger for warnings (skipped device nodes and
// xattrs); slog.Default() otherwise.
func WithApplyLogger(l *slog.Logger) ApplyOption { return func(c *applyConfig) { c.log = l } }

func newApplyConfig(opts []ApplyOption) *applyConfig {
	c := &applyConfig{log: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	return c
}

// config holds the settings of Unpack and Spec.
type config struct {
	uidMap   []specs.LinuxIDMapping
	gidMap   []specs.LinuxIDMapping
	rootless bool
	log      *slog.Logger
}

// Option configures Unpack and Spec.
type Option func(*config)

// WithUIDMappings sets the user namespace uid mappings of the bundle: file
// owners are translated to host IDs and config.json gets a user namespace.
func WithUIDMappings(m ...specs.LinuxIDMapping) Option {
	return func(c *config) { c.uidMap = append(c.uidMap, m...) }
}

// WithGIDMappings sets the user namespace gid mappings of the bundle.
func WithGIDMappings(m ...specs.LinuxIDMapping) Option {
	return func(c *config) { c.gidMap = append(c.gidMap, m...) }
}

// WithRootless makes a bundle for an unprivileged user, as `runc spec
// --rootless` (spec.ToRootless); without explicit mappings the caller's
// uid and gid are mapped to root.
func WithRootless() Option { return func(c *config) { c.rootless = true } }

// WithLogger sets the logger for warnings; slog.Default() otherwise.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

func newConfig(opts []Option) *config {
	c := &config{log: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	return c
}

// mapID translates a container ID to a host ID through m (identity when m
// is empty).
func mapID(m []specs.LinuxIDMapping, id int) (int, error) {
	if len(m) == 0 {
		return id, nil
	}
	for _, e := range m {
		if id >= int(e.ContainerID) && id-int(e.ContainerID) < int(e.Size) {
			return int(e.HostID) + id - int(e.ContainerID), nil
		}
	}
	return 0, fmt.Errorf("%w: %d", ErrUnmappedID, id)
}

// ParseIDMapping parses "containerID:hostID:size" as umoci's and
// servin-image's --uid-map/--gid-map flags take it.
func ParseIDMapping(s string) (specs.LinuxIDMapping, error) {
	f := strings.Split(s, ":")
	var v [3]uint64
	bad := len(f) != 3
	for i := 0; !bad && i < 3; i++ {
		var err error
		v[i], err = strconv.ParseUint(f[i], 10, 32)
		bad = err != nil
	}
	if bad || v[2] == 0 {
		return specs.LinuxIDMapping{}, fmt.Errorf("parse id mapping %q: want containerID:hostID:size", s)
	}
	return specs.LinuxIDMapping{ContainerID: uint32(v[0]), HostID: uint32(v[1]), Size: uint32(v[2])}, nil
}
