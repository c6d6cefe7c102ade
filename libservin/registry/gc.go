package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/distribution/distribution/v3"
	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/storage"
	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
	"github.com/distribution/distribution/v3/registry/storage/driver/factory"
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// GCOptions tunes GarbageCollect.
type GCOptions struct {
	// DryRun reports what would be deleted and deletes nothing.
	DryRun bool
	// RemoveUntagged also deletes manifests no tag points to, except
	// referrers (signatures, SBOMs, ...) whose subject is still present.
	RemoveUntagged bool
}

// GCResult lists the blobs a collection deleted (or would delete).
type GCResult struct {
	Blobs []digest.Digest
	Bytes int64
}

// GarbageCollect runs distribution's mark-and-sweep collector on the
// storage cfg describes. The server must not run meanwhile: the collector
// does not lock against uploads. servin wraps the storage so content that
// clients addressed by sha512 is marked by its canonical sha256 blob.
func GarbageCollect(ctx context.Context, cfg *configuration.Configuration, opts GCOptions) (GCResult, error) {
	var res GCResult
	driver, err := factory.Create(ctx, cfg.Storage.Type(), cfg.Storage.Parameters())
	if err != nil {
		return res, fmt.Errorf("create %s storage driver: %w", cfg.Storage.Type(), err)
	}
	if _, err := driver.Stat(ctx, reposRoot); isPathNotFound(err) {
		return res, nil // nothing was ever pushed
	}
	reg, err := storage.NewRegistry(ctx, driver, storage.EnableDelete)
	if err != nil {
		return res, fmt.Errorf("open registry storage: %w", err)
	}
	before := map[digest.Digest]struct{}{}
	if err := reg.Blobs().Enumerate(ctx, func(d digest.Digest) error {
		before[d] = struct{}{}
		return nil
	}); err != nil && !isPathNotFound(err) {
		return res, fmt.Errorf("list blobs: %w", err)
	}
	g := &gcNamespace{Namespace: reg, driver: driver, marked: map[digest.Digest]struct{}{}}
	err = storage.MarkAndSweep(ctx, driver, g, storage.GCOpts{DryRun: opts.DryRun, RemoveUntagged: opts.RemoveUntagged, Quiet: true})
	if err != nil {
		return res, fmt.Errorf("garbage collect: %w", err)
	}
	for d := range before {
		if _, ok := g.marked[d]; ok {
			continue
		}
		res.Blobs = append(res.Blobs, d)
		if desc, err := reg.BlobStatter().Stat(ctx, d); err == nil {
			res.Bytes += desc.Size
		}
	}
	sort.Slice(res.Blobs, func(i, j int) bool { return res.Blobs[i] < res.Blobs[j] })
	return res, nil
}

func isPathNotFound(err error) bool {
	_, ok := err.(storagedriver.PathNotFoundError)
	return ok
}

// gcNamespace is the storage as the collector sees it through servin: it
// records what is marked, translates alias digests to canonical ones and
// keeps referrers of present subjects.
type gcNamespace struct {
	distribution.Namespace
	driver storagedriver.StorageDriver

	mu     sync.Mutex
	marked map[digest.Digest]struct{}
}

func (g *gcNamespace) Enumerate(ctx context.Context, ingester func(string) error) error {
	return g.Namespace.(distribution.RepositoryEnumerator).Enumerate(ctx, ingester)
}

func (g *gcNamespace) mark(d digest.Digest) {
	g.mu.Lock()
	g.marked[d] = struct{}{}
	g.mu.Unlock()
}

func (g *gcNamespace) Repository(ctx context.Context, name reference.Named) (distribution.Repository, error) {
	repo, err := g.Namespace.Repository(ctx, name)
	if err != nil {
		return nil, err
	}
	return &gcRepository{Repository: repo, g: g}, nil
}

type gcRepository struct {
	distribution.Repository
	g *gcNamespace
}

// canonical maps a digest the repository links under another algorithm
// to the sha256 digest of the stored content.
func (r *gcRepository) canonical(ctx context.Context, d digest.Digest) digest.Digest {
	if d.Algorithm() == digest.Canonical {
		return d
	}
	name := r.Named().Name()
	for _, p := range []string{layerLink(name, d), revisionLink(name, d)} {
		if data, err := r.g.driver.GetContent(ctx, p); err == nil {
			if t, err := digest.Parse(string(data)); err == nil {
				return t
			}
		}
	}
	return d
}

func (r *gcRepository) Manifests(ctx context.Context, options ...distribution.ManifestServiceOption) (distribution.ManifestService, error) {
	ms, err := r.Repository.Manifests(ctx, options...)
	if err != nil {
		return nil, err
	}
	return &gcManifests{ManifestService: ms, r: r}, nil
}

func (r *gcRepository) Tags(ctx context.Context) distribution.TagService {
	return &gcTags{TagService: r.Repository.Tags(ctx), r: r}
}

type gcManifests struct {
	distribution.ManifestService
	r *gcRepository
}

func (m *gcManifests) Enumerate(ctx context.Context, ingester func(digest.Digest) error) error {
	return m.ManifestService.(distribution.ManifestEnumerator).Enumerate(ctx, ingester)
}

// Get is called for every manifest the collector marks.
func (m *gcManifests) Get(ctx context.Context, d digest.Digest, options ...distribution.ManifestServiceOption) (distribution.Manifest, error) {
	mf, err := m.ManifestService.Get(ctx, d, options...)
	if err != nil {
		return nil, err
	}
	m.r.g.mark(m.r.canonical(ctx, d))
	refs := mf.References()
	out := make([]ocispec.Descriptor, len(refs))
	for i, ref := range refs {
		ref.Digest = m.r.canonical(ctx, ref.Digest)
		m.r.g.mark(ref.Digest)
		out[i] = ref
	}
	return canonicalManifest{Manifest: mf, refs: out}, nil
}

func (m *gcManifests) Exists(ctx context.Context, d digest.Digest) (bool, error) {
	return m.ManifestService.Exists(ctx, m.r.canonical(ctx, d))
}

type canonicalManifest struct {
	distribution.Manifest
	refs []ocispec.Descriptor
}

func (c canonicalManifest) References() []ocispec.Descriptor { return c.refs }

type gcTags struct {
	distribution.TagService
	r *gcRepository
}

// Lookup reports an untagged referrer whose subject is present as tagged,
// so removing untagged manifests keeps signatures and SBOMs of images that
// stay.
func (t *gcTags) Lookup(ctx context.Context, desc ocispec.Descriptor) ([]string, error) {
	tags, err := t.TagService.Lookup(ctx, desc)
	if err != nil || len(tags) > 0 {
		return tags, err
	}
	ms, err := t.r.Repository.Manifests(ctx)
	if err != nil {
		return tags, nil
	}
	mf, err := ms.Get(ctx, desc.Digest)
	if err != nil {
		return tags, nil
	}
	_, payload, err := mf.Payload()
	if err != nil {
		return tags, nil
	}
	var doc struct {
		Subject *ocispec.Descriptor `json:"subject"`
	}
	if json.Unmarshal(payload, &doc) != nil || doc.Subject == nil {
		return tags, nil
	}
	if ok, _ := ms.Exists(ctx, t.r.canonical(ctx, doc.Subject.Digest)); ok {
		return []string{"referrer-of-" + doc.Subject.Digest.Encoded()}, nil
	}
	return tags, nil
}
