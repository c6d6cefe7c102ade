package unpack

import (
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/servin/servin/libservin/spec"
)

// Annotation keys set from the image configuration (image-spec v1.1
// conversion.md and annotations.md).
const (
	AnnotationOS           = "org.opencontainers.image.os"
	AnnotationArch         = "org.opencontainers.image.architecture"
	AnnotationVariant      = "org.opencontainers.image.variant"
	AnnotationOSVersion    = "org.opencontainers.image.os.version"
	AnnotationOSFeatures   = "org.opencontainers.image.os.features"
	AnnotationAuthor       = "org.opencontainers.image.author"
	AnnotationCreated      = "org.opencontainers.image.created"
	AnnotationStopSignal   = "org.opencontainers.image.stopSignal"
	AnnotationExposedPorts = "org.opencontainers.image.exposedPorts"
	// AnnotationVolumes is servin's own key (conversion.md leaves volumes
	// to the implementation): the image's Config.Volumes, sorted,
	// comma-separated, for the front-end to turn into mounts.
	AnnotationVolumes = "io.servin.image.volumes"
)

// Spec converts an image configuration into a runtime configuration as
// image-spec v1.1 conversion.md describes, starting from spec.Default():
// args are Entrypoint+Cmd, env is the image's (PATH added when missing,
// HOME from /etc/passwd when missing), cwd is WorkingDir, the user is
// resolved through rootfs's /etc/passwd and /etc/group (ErrUserNotFound
// when a name is missing), and os/architecture/author/created/stop
// signal/exposed ports/volumes/labels become annotations, labels winning.
// rootfs may be "" when the user is numeric or empty.
func Spec(cfg *v1.ConfigFile, rootfs string, opts ...Option) (*specs.Spec, error) {
	c := newConfig(opts)
	s := spec.Default()
	s.Root.Readonly = false
	s.Process.Terminal = false
	s.Process.Args = append(append([]string(nil), cfg.Config.Entrypoint...), cfg.Config.Cmd...)
	s.Process.Cwd = "/"
	if cfg.Config.WorkingDir != "" {
		s.Process.Cwd = cfg.Config.WorkingDir
	}
	u, err := resolveUser(rootfs, cfg.Config.User)
	if err != nil {
		return nil, fmt.Errorf("resolve image user %q: %w", cfg.Config.User, err)
	}
	s.Process.User = specs.User{UID: u.uid, GID: u.gid, AdditionalGids: u.groups}
	s.Process.Env = imageEnv(cfg.Config.Env, u.home)
	s.Annotations = annotations(cfg)
	if c.rootless {
		spec.ToRootless(s)
	}
	if len(c.uidMap) > 0 || len(c.gidMap) > 0 {
		s.Linux.UIDMappings = c.uidMap
		s.Linux.GIDMappings = c.gidMap
		if !hasNamespace(s, specs.UserNamespace) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		}
	}
	return s, nil
}

func hasNamespace(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	for _, n := range s.Linux.Namespaces {
		if n.Type == t {
			return true
		}
	}
	return false
}

// imageEnv is the image's environment plus PATH and HOME when it lacks
// them (conversion.md: added entries must not shadow the image's names).
func imageEnv(env []string, home string) []string {
	out := append([]string(nil), env...)
	has := func(name string) bool {
		for _, e := range env {
			if k, _, _ := strings.Cut(e, "="); k == name {
				return true
			}
		}
		return false
	}
	if !has("PATH") {
		out = append(out, spec.DefaultPath)
	}
	if home != "" && !has("HOME") {
		out = append(out, "HOME="+home)
	}
	return out
}

func annotations(cfg *v1.ConfigFile) map[string]string {
	a := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	set(AnnotationOS, cfg.OS)
	set(AnnotationArch, cfg.Architecture)
	set(AnnotationVariant, cfg.Variant)
	set(AnnotationOSVersion, cfg.OSVersion)
	set(AnnotationOSFeatures, strings.Join(cfg.OSFeatures, ","))
	set(AnnotationAuthor, cfg.Author)
	if !cfg.Created.IsZero() {
		set(AnnotationCreated, cfg.Created.UTC().Format(time.RFC3339Nano))
	}
	set(AnnotationStopSignal, cfg.Config.StopSignal)
	set(AnnotationExposedPorts, strings.Join(sortedKeys(cfg.Config.ExposedPorts), ","))
	set(AnnotationVolumes, strings.Join(sortedKeys(cfg.Config.Volumes), ","))
	for k, v := range cfg.Config.Labels {
		a[k] = v // labels take precedence over implicit annotations
	}
	if len(a) == 0 {
		return nil
	}
	return a
}

func sortedKeys(m map[string]struct{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
