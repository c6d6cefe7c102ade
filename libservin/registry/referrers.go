package registry

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/distribution/distribution/v3"
	"github.com/distribution/distribution/v3/registry/api/errcode"
	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// manifestInfo is what the referrers API needs from one manifest.
type manifestInfo struct {
	desc    ocispec.Descriptor
	subject digest.Digest
}

// serveReferrers implements GET /v2/<name>/referrers/<digest> of the OCI
// distribution-spec v1.1 ("Listing Referrers"): an image index of the
// manifests in the repository whose subject is <digest>, filtered by the
// artifactType query parameter when given.
func (e *extensions) serveReferrers(w http.ResponseWriter, r *http.Request, rt route) {
	subject, err := digest.Parse(rt.ref)
	if err != nil {
		serveError(w, errcode.ErrorCodeDigestInvalid.WithDetail(rt.ref))
		return
	}
	if !e.authorized(w, r, rt.name) {
		return
	}
	descs, err := e.referrers(r.Context(), rt.name, subject)
	if err != nil {
		serveError(w, errcode.ErrorCodeUnknown.WithDetail(err.Error()))
		return
	}
	if at := r.URL.Query().Get("artifactType"); at != "" {
		kept := descs[:0]
		for _, d := range descs {
			if d.ArtifactType == at {
				kept = append(kept, d)
			}
		}
		descs = kept
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	idx := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: descs}
	idx.SchemaVersion = 2
	if idx.Manifests == nil {
		idx.Manifests = []ocispec.Descriptor{}
	}
	data, err := json.Marshal(idx)
	if err != nil {
		serveError(w, errcode.ErrorCodeUnknown.WithDetail(err.Error()))
		return
	}
	w.Header().Set("Content-Type", ocispec.MediaTypeImageIndex)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// authorized asks distribution's own access controller whether the
// request may pull from the repository, by running a blob HEAD through
// the application; a refusal (with its challenge) is passed on as it is.
func (e *extensions) authorized(w http.ResponseWriter, r *http.Request, name string) bool {
	probe := r.Clone(r.Context())
	probe.Method = http.MethodHead
	probe.Body = http.NoBody
	probe.ContentLength = 0
	probe.URL.Path = e.prefix + "/v2/" + name + "/blobs/" + digest.Canonical.FromString("").String()
	probe.URL.RawPath = ""
	probe.URL.RawQuery = ""
	rec := e.record(probe)
	if rec.status == http.StatusUnauthorized || rec.status == http.StatusForbidden {
		rec.flush(w)
		return false
	}
	return true
}

// referrers lists the manifests in repository name whose subject is
// subject. It reads the repository's revision links on each call (so
// deletes show at once) and each manifest once per process.
func (e *extensions) referrers(ctx context.Context, name string, subject digest.Digest) ([]ocispec.Descriptor, error) {
	links, err := e.revisionLinks(ctx, name)
	if err != nil || len(links) == 0 {
		return nil, err
	}
	named, err := reference.WithName(name)
	if err != nil {
		return nil, err
	}
	repo, err := e.ns.Repository(ctx, named)
	if err != nil {
		return nil, err
	}
	ms, err := repo.Manifests(ctx)
	if err != nil {
		return nil, err
	}
	var out []ocispec.Descriptor
	for target, shown := range links {
		info, err := e.manifestInfo(ctx, ms, target)
		if err != nil {
			continue // deleted meanwhile, or not a manifest distribution can read
		}
		if info.subject != subject {
			continue
		}
		d := info.desc
		d.Digest = shown
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Digest < out[j].Digest })
	return out, nil
}

// revisionLinks maps each manifest revision of the repository (canonical
// digest) to the digest to show for it: an alias the client pushed it by
// (sha512) wins over the canonical digest servin linked for it.
func (e *extensions) revisionLinks(ctx context.Context, name string) (map[digest.Digest]digest.Digest, error) {
	links := map[digest.Digest]digest.Digest{}
	err := e.driver.Walk(ctx, revisionsDir(name), func(fi storagedriver.FileInfo) error {
		if fi.IsDir() || path.Base(fi.Path()) != "link" {
			return nil
		}
		dir := path.Dir(fi.Path())
		named := digest.NewDigestFromEncoded(digest.Algorithm(path.Base(path.Dir(dir))), path.Base(dir))
		if named.Validate() != nil {
			return nil
		}
		target, err := e.readLink(ctx, fi.Path())
		if err != nil {
			return nil
		}
		if _, seen := links[target]; !seen || named != target {
			links[target] = named
		}
		return nil
	})
	var notFound storagedriver.PathNotFoundError
	if errors.As(err, &notFound) {
		return links, nil
	}
	return links, err
}

func (e *extensions) manifestInfo(ctx context.Context, ms distribution.ManifestService, dgst digest.Digest) (manifestInfo, error) {
	e.mu.Lock()
	info, ok := e.manifests[dgst.String()]
	e.mu.Unlock()
	if ok {
		return info, nil
	}
	m, err := ms.Get(ctx, dgst)
	if err != nil {
		return info, err
	}
	mediaType, payload, err := m.Payload()
	if err != nil {
		return info, err
	}
	var doc struct {
		MediaType    string             `json:"mediaType"`
		ArtifactType string             `json:"artifactType"`
		Config       ocispec.Descriptor `json:"config"`
		Subject      *struct {
			Digest digest.Digest `json:"digest"`
		} `json:"subject"`
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(payload, &doc); err != nil {
		return info, err
	}
	if doc.MediaType != "" {
		mediaType = doc.MediaType
	}
	info.desc = ocispec.Descriptor{
		MediaType:    mediaType,
		Digest:       dgst,
		Size:         int64(len(payload)),
		ArtifactType: doc.ArtifactType,
		Annotations:  doc.Annotations,
	}
	// image-spec: an image manifest without artifactType is typed by its config
	if info.desc.ArtifactType == "" && strings.Contains(mediaType, "manifest") {
		info.desc.ArtifactType = doc.Config.MediaType
	}
	if doc.Subject != nil {
		info.subject = doc.Subject.Digest
	}
	e.mu.Lock()
	e.manifests[dgst.String()] = info
	e.mu.Unlock()
	return info, nil
}
