package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcrname "github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/layout"
)

func (o *options) nameOpts() []ggcrname.Option {
	if o.insecure {
		return []ggcrname.Option{ggcrname.Insecure}
	}
	return nil
}

func (o *options) httpTransport() http.RoundTripper {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	if o.insecure {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // --tls-verify=false
	}
	return t
}

func (o *options) remoteOpts(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithTransport(o.httpTransport()),
		remote.WithJobs(o.jobs),
		remote.WithPlatform(v1.Platform{OS: o.platform.OS, Architecture: o.platform.Architecture, Variant: o.platform.Variant}),
	}
}

func (o *options) parseRemote(ref string) (ggcrname.Reference, error) {
	r, err := ggcrname.ParseReference(normalized(ref), o.nameOpts()...)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadRef, ref, err)
	}
	return r, nil
}

// remoteSource opens a registry image; its layers are fetched with
// resumable range requests.
func remoteSource(ctx context.Context, ref string, o *options) (*source, error) {
	r, err := o.parseRemote(ref)
	if err != nil {
		return nil, err
	}
	img, err := remote.Image(r, o.remoteOpts(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	f := &lazyFetcher{open: func() (*fetcher, error) { return newFetcher(ctx, r.Context(), o) }}
	desc, err := describe(img)
	if err != nil {
		return nil, err
	}
	src := &source{img: &fetchedImage{Image: img, f: f}, desc: desc}
	if _, isTag := r.(ggcrname.Tag); isTag {
		src.names = []string{normalized(ref)}
	}
	return src, nil
}

// lazyFetcher makes the fetcher (credentials, registry ping) when the
// first blob is fetched: a re-pull of an image the store has fetches none.
type lazyFetcher struct {
	open func() (*fetcher, error)
	once sync.Once
	f    *fetcher
	err  error
}

func (l *lazyFetcher) get() (*fetcher, error) {
	l.once.Do(func() { l.f, l.err = l.open() })
	return l.f, l.err
}

// fetchedImage replaces the layers of a remote image by resumable ones.
type fetchedImage struct {
	v1.Image
	f *lazyFetcher
}

func (i *fetchedImage) Layers() ([]v1.Layer, error) {
	ls, err := i.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for n, l := range ls {
		out[n] = &fetchedLayer{Layer: l, f: i.f}
	}
	return out, nil
}

type fetchedLayer struct {
	v1.Layer
	f *lazyFetcher
}

func (l *fetchedLayer) Compressed() (io.ReadCloser, error) {
	h, err := l.Digest()
	if err != nil {
		return nil, err
	}
	size, err := l.Size()
	if err != nil {
		return nil, err
	}
	f, err := l.f.get()
	if err != nil {
		return nil, err
	}
	return f.open(h, size), nil
}

// writeRemote pushes src to a registry. Layers the source image has under
// another name in the same registry are mounted rather than uploaded.
func writeRemote(ctx context.Context, ref string, src *source, o *options) (ocispec.Descriptor, error) {
	r, err := o.parseRemote(ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	img := &pushImage{Image: src.img, mountFrom: mountSource(r, src.names), progress: o.progress}
	if err := remote.Write(r, img, o.remoteOpts(ctx)...); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push %s: %w", ref, err)
	}
	return src.desc, nil
}

// mountSource picks a name of the source image in the target's registry
// but another repository, from which blobs can be mounted.
func mountSource(target ggcrname.Reference, names []string) ggcrname.Reference {
	for _, n := range names {
		r, err := ggcrname.ParseReference(n, ggcrname.WeakValidation)
		if err != nil {
			continue
		}
		if r.Context().RegistryStr() == target.Context().RegistryStr() && r.Context().RepositoryStr() != target.Context().RepositoryStr() {
			return r
		}
	}
	return nil
}

// pushImage decorates layers for push: progress counting and, when a
// mount source is known, remote.MountableLayer.
type pushImage struct {
	v1.Image
	mountFrom ggcrname.Reference
	progress  func(layout.Progress)
}

func (i *pushImage) Layers() ([]v1.Layer, error) {
	ls, err := i.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for n, l := range ls {
		var wrapped v1.Layer = l
		if i.progress != nil {
			wrapped = &countedLayer{Layer: l, progress: i.progress}
		}
		if i.mountFrom != nil {
			wrapped = &remote.MountableLayer{Layer: wrapped, Reference: i.mountFrom}
		}
		out[n] = wrapped
	}
	return out, nil
}

type countedLayer struct {
	v1.Layer
	progress func(layout.Progress)
}

func (l *countedLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	h, _ := l.Digest()
	size, _ := l.Size()
	mt, _ := l.MediaType()
	p := layout.Progress{Digest: digestOf(h), MediaType: string(mt), Size: size}
	return &progressReader{rc: rc, p: p, fn: l.progress}, nil
}

type progressReader struct {
	rc io.ReadCloser
	p  layout.Progress
	fn func(layout.Progress)
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	r.p.Done += int64(n)
	r.p.State = layout.StateCopying
	if err == io.EOF {
		r.p.State = layout.StateDone
	}
	r.fn(r.p)
	return n, err
}

func (r *progressReader) Close() error { return r.rc.Close() }

// resolveAuth returns the credentials for repo from the keychain.
func resolveAuth(ctx context.Context, o *options, repo ggcrname.Repository) (authn.Authenticator, error) {
	return authn.Resolve(ctx, o.keychain, repo)
}
