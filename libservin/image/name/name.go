// Package name parses and normalises image references the way docker does:
// "busybox" is "docker.io/library/busybox:latest", "user/app" is
// "docker.io/user/app:latest", a first component with a dot, a colon or
// "localhost" is a registry ("localhost:5000/app:v1"), and "@sha256:..."
// pins a digest. The grammar is distribution's reference grammar.
package name

import (
	"fmt"
	"regexp"
	"strings"

	digest "github.com/opencontainers/go-digest"
)

// Defaults applied by normalisation.
const (
	DefaultDomain = "docker.io"
	DefaultTag    = "latest"
	officialRepo  = "library/"
	legacyDomain  = "index.docker.io"
	maxNameLength = 255
)

var (
	domainRe    = regexp.MustCompile(`^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$|^\[[a-fA-F0-9:]+\](?::[0-9]+)?$`)
	componentRe = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
	tagRe       = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	hexRe       = regexp.MustCompile(`^[a-f0-9]{64}$`)
)

// Ref is a normalised image reference. Tag is empty only when Digest is
// set and no tag was given.
type Ref struct {
	Domain string
	Path   string
	Tag    string
	Digest digest.Digest
}

// Parse parses s and normalises it: default domain docker.io, "library/"
// for single-component docker.io names, tag "latest" when neither a tag
// nor a digest is given.
func Parse(s string) (Ref, error) {
	r, err := ParseNoTag(s)
	if err != nil {
		return Ref{}, err
	}
	if r.Tag == "" && r.Digest == "" {
		r.Tag = DefaultTag
	}
	return r, nil
}

// ParseNoTag is Parse without the default tag.
func ParseNoTag(s string) (Ref, error) {
	bad := func(why string) (Ref, error) {
		return Ref{}, fmt.Errorf("%w %q: %s", ErrInvalid, s, why)
	}
	if s == "" {
		return bad("empty")
	}
	if hexRe.MatchString(s) {
		return bad("a 64-hex-digit string is an image ID, not a name")
	}
	rest := s
	var r Ref
	if i := strings.Index(rest, "@"); i >= 0 {
		d, err := digest.Parse(rest[i+1:])
		if err != nil {
			return bad("bad digest: " + err.Error())
		}
		r.Digest, rest = d, rest[:i]
	}
	if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.Contains(rest[i+1:], "/") {
		r.Tag, rest = rest[i+1:], rest[:i]
		if !tagRe.MatchString(r.Tag) {
			return bad("bad tag " + r.Tag)
		}
	}
	r.Domain, r.Path = splitDomain(rest)
	if r.Domain != DefaultDomain && !domainRe.MatchString(r.Domain) {
		return bad("bad registry " + r.Domain)
	}
	if r.Path == "" {
		return bad("empty repository")
	}
	for _, c := range strings.Split(r.Path, "/") {
		if !componentRe.MatchString(c) {
			if strings.ToLower(c) == c {
				return bad("bad repository component " + c)
			}
			return bad("repository name must be lowercase")
		}
	}
	if len(r.Name()) > maxNameLength {
		return bad("name longer than 255 characters")
	}
	return r, nil
}

func splitDomain(s string) (domain, path string) {
	i := strings.Index(s, "/")
	if i < 0 || !looksLikeDomain(s[:i]) {
		domain, path = DefaultDomain, s
	} else {
		domain, path = s[:i], s[i+1:]
	}
	if domain == legacyDomain {
		domain = DefaultDomain
	}
	if domain == DefaultDomain && !strings.Contains(path, "/") {
		path = officialRepo + path
	}
	return domain, path
}

func looksLikeDomain(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost" || strings.ToLower(s) != s
}

// Name is the repository: domain/path.
func (r Ref) Name() string { return r.Domain + "/" + r.Path }

// String is the full normalised reference: domain/path[:tag][@digest].
func (r Ref) String() string {
	s := r.Name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest.String()
	}
	return s
}

// FamiliarName is the repository as docker shows it: without
// "docker.io/" and "library/".
func (r Ref) FamiliarName() string {
	if r.Domain != DefaultDomain {
		return r.Name()
	}
	return strings.TrimPrefix(r.Path, officialRepo)
}

// Familiar is String in the familiar form ("busybox:latest").
func (r Ref) Familiar() string {
	s := r.FamiliarName()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest.String()
	}
	return s
}

// Normalize returns the full normalised form of s, or s unchanged with an
// error when it does not parse.
func Normalize(s string) (string, error) {
	r, err := Parse(s)
	if err != nil {
		return s, err
	}
	return r.String(), nil
}
