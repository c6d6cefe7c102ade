package registry

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
)

// Retarget names image in registry, for `servin-registry push IMAGE
// [REGISTRY]` and `pull`: the registry part of image is replaced and its
// repository path, tag and digest kept ("busybox" and
// "docker.io/library/busybox" become "REGISTRY/busybox:latest").
func Retarget(image, registry string) (string, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", image, err)
	}
	host := NormalizeRegistry(registry)
	if host == "" || host == DockerHubAuthKey {
		return "", fmt.Errorf("registry %q: give a registry host[:port]", registry)
	}
	p := reference.Path(named)
	if reference.Domain(named) == "docker.io" {
		p = strings.TrimPrefix(p, "library/")
	}
	out := host + "/" + p
	tagged, isTagged := named.(reference.Tagged)
	digested, isDigested := named.(reference.Digested)
	switch {
	case isTagged && isDigested:
		out += ":" + tagged.Tag() + "@" + digested.Digest().String()
	case isTagged:
		out += ":" + tagged.Tag()
	case isDigested:
		out += "@" + digested.Digest().String()
	default:
		out += ":latest"
	}
	if _, err := reference.ParseNormalizedNamed(out); err != nil {
		return "", fmt.Errorf("retarget %s to %s: %w", image, registry, err)
	}
	return out, nil
}
