package transport

import (
	"context"
	"fmt"
	"os"

	ggcrname "github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/image/name"
	"github.com/servin/servin/libservin/store"
)

func (o *options) writeOpts(names ...string) []layout.WriteOption {
	return []layout.WriteOption{layout.WithNames(names...), layout.WithJobs(o.jobs), layout.WithProgress(o.progress)}
}

func (o *options) srcWriteOpts(src *source, names ...string) []layout.WriteOption {
	opts := o.writeOpts(names...)
	if src.convert {
		opts = append(opts, layout.WithConvertOCI())
	}
	return opts
}

func writeDest(ctx context.Context, r Ref, src *source, o *options) (ocispec.Descriptor, error) {
	switch r.Transport {
	case Servin:
		if o.store == nil {
			return ocispec.Descriptor{}, ErrNoStore
		}
		var names []string
		if r.Ref != "" {
			n, err := name.Parse(r.Ref)
			if err != nil {
				return ocispec.Descriptor{}, err
			}
			names = []string{n.String()}
		}
		return o.store.WriteImage(ctx, src.img, o.srcWriteOpts(src, names...)...)
	case OCI:
		s, err := layout.Open(r.Path, layout.WithContainersDir(""))
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		var names []string
		if r.Ref != "" {
			names = []string{r.Ref}
		}
		return s.WriteImage(ctx, src.img, o.srcWriteOpts(src, names...)...)
	case OCIArchive:
		return src.desc, writeOCIArchive(ctx, r.Path, []archiveImage{{src: src, name: r.Ref}}, o)
	case DockerArchive:
		return src.desc, writeDockerArchive(r.Path, []archiveImage{{src: src, name: r.Ref}})
	case Docker:
		return writeRemote(ctx, r.Ref, src, o)
	}
	return ocispec.Descriptor{}, fmt.Errorf("%w: %s", ErrBadRef, r)
}

// archiveImage is one image to put in an archive under name ("" for none).
type archiveImage struct {
	src  *source
	name string
}

// writeOCIArchive builds an OCI layout in a temporary directory and tars
// it to path (replaced atomically).
func writeOCIArchive(ctx context.Context, path string, imgs []archiveImage, o *options) error {
	dir, err := os.MkdirTemp("", "servin-oci-archive-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s, err := layout.Open(dir, layout.WithContainersDir(""))
	if err != nil {
		return err
	}
	for _, im := range imgs {
		var names []string
		if im.name != "" {
			names = []string{im.name}
		}
		if _, err := s.WriteImage(ctx, im.src.img, o.srcWriteOpts(im.src, names...)...); err != nil {
			return fmt.Errorf("oci-archive %s: %w", path, err)
		}
	}
	if err := tarLayout(dir, path); err != nil {
		return fmt.Errorf("oci-archive %s: %w", path, err)
	}
	return nil
}

// writeDockerArchive writes docker save's format; names must be name:tag.
func writeDockerArchive(path string, imgs []archiveImage) error {
	refs := map[ggcrname.Reference]v1Image{}
	for _, im := range imgs {
		n := im.name
		if n == "" && len(im.src.names) > 0 {
			n = im.src.names[0]
		}
		var ref ggcrname.Reference
		if n != "" {
			t, err := parseTag(n)
			if err != nil {
				return err
			}
			ref = *t
		} else {
			d, err := ggcrname.NewDigest("servin.invalid/unnamed@" + im.src.desc.Digest.String())
			if err != nil {
				return err
			}
			ref = d
		}
		refs[ref] = im.src.img
	}
	err := store.WriteFileFrom(path, 0o644, func(w ioWriter) error {
		return tarball.MultiRefWrite(refs, w)
	})
	if err != nil {
		return fmt.Errorf("docker-archive %s: %w", path, err)
	}
	return nil
}
