package registry

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/distribution/distribution/v3/registry/api/errcode"
	"github.com/opencontainers/go-digest"
)

// distribution's on-disk layout (registry/storage/paths.go): links from a
// repository to content, named by digest, holding the canonical digest.
const reposRoot = "/docker/registry/v2/repositories"

func layerLink(name string, d digest.Digest) string {
	return path.Join(reposRoot, name, "_layers", d.Algorithm().String(), d.Encoded(), "link")
}

func revisionLink(name string, d digest.Digest) string {
	return path.Join(reposRoot, name, "_manifests", "revisions", d.Algorithm().String(), d.Encoded(), "link")
}

func revisionsDir(name string) string {
	return path.Join(reposRoot, name, "_manifests", "revisions")
}

// isAlias reports whether s is a valid digest in an algorithm other than
// distribution's canonical sha256 (sha512, sha384). distribution stores
// such content under its sha256 digest and links the other digest to it;
// servin makes the API answer with the digest the client used.
func isAlias(s string) bool {
	d, err := digest.Parse(s)
	return err == nil && d.Algorithm() != digest.Canonical
}

func (e *extensions) readLink(ctx context.Context, p string) (digest.Digest, error) {
	data, err := e.driver.GetContent(ctx, p)
	if err != nil {
		return "", err
	}
	d, err := digest.Parse(strings.TrimSpace(string(data)))
	if err != nil {
		return "", fmt.Errorf("link %s: %w", p, err)
	}
	return d, nil
}

func (e *extensions) writeLink(ctx context.Context, p string, target digest.Digest) error {
	if err := e.driver.PutContent(ctx, p, []byte(target.String())); err != nil {
		return fmt.Errorf("write link %s: %w", p, err)
	}
	return nil
}

// serveWithDigest serves a blob requested by an alias digest, answering
// with that digest rather than the canonical one.
func serveWithDigest(app http.Handler, w http.ResponseWriter, r *http.Request, alias string) {
	hw := &hookWriter{ResponseWriter: w, before: func(status int, h http.Header) {
		if status/100 == 2 {
			setDigest(h, "", alias)
		}
	}}
	app.ServeHTTP(hw, r)
}

// setDigest points the digest headers of a response at alias, replacing
// canonical in the Location when given.
func setDigest(h http.Header, canonical, alias string) {
	if h.Get("Docker-Content-Digest") != "" {
		h.Set("Docker-Content-Digest", alias)
	}
	if h.Get("Etag") != "" {
		h.Set("Etag", `"`+alias+`"`)
	}
	if loc := h.Get("Location"); loc != "" && canonical != "" {
		h.Set("Location", strings.Replace(loc, canonical, alias, 1))
	}
}

// finishUploadAlias completes an upload whose digest parameter is an
// alias; distribution verifies the content against it and links it.
func (e *extensions) finishUploadAlias(w http.ResponseWriter, r *http.Request, rt route) {
	alias := r.URL.Query().Get("digest")
	rec := e.record(r)
	if rec.status == http.StatusCreated {
		setDigest(rec.header, rec.header.Get("Docker-Content-Digest"), alias)
	}
	rec.flush(w)
}

// mountAlias mounts a blob named by an alias digest: distribution would
// link the alias to itself, so servin mounts the canonical digest the
// source repository links to and adds the alias link in the target.
func (e *extensions) mountAlias(w http.ResponseWriter, r *http.Request, rt route) {
	q := r.URL.Query()
	from, alias := q.Get("from"), digest.Digest(q.Get("mount"))
	if from == "" {
		e.app.ServeHTTP(w, r)
		return
	}
	target, err := e.readLink(r.Context(), layerLink(from, alias))
	if err != nil {
		// not in the source: distribution starts an ordinary upload
		q.Del("mount")
		q.Del("from")
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = q.Encode()
		e.app.ServeHTTP(w, r2)
		return
	}
	q.Set("mount", target.String())
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	rec := e.record(r2)
	if rec.status == http.StatusCreated {
		if err := e.writeLink(r.Context(), layerLink(rt.name, alias), target); err != nil {
			serveError(w, errcode.ErrorCodeUnknown.WithDetail(err.Error()))
			return
		}
		setDigest(rec.header, target.String(), alias.String())
	}
	rec.flush(w)
}

// deleteManifestAlias deletes a manifest pushed by an alias digest: the
// alias link and the canonical revision with its tags.
func (e *extensions) deleteManifestAlias(w http.ResponseWriter, r *http.Request, rt route) {
	alias := digest.Digest(rt.ref)
	target, err := e.readLink(r.Context(), revisionLink(rt.name, alias))
	rec := e.record(r)
	if rec.status == http.StatusAccepted && err == nil && target != alias {
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimSuffix(r.URL.Path, rt.ref) + target.String()
		r2.URL.RawPath = ""
		if sub := e.record(r2); sub.status/100 != 2 && sub.status != http.StatusNotFound {
			sub.flush(w)
			return
		}
	}
	rec.flush(w)
}

// postMonolithic completes a single POST carrying the whole blob and its
// digest (distribution-spec "Pushing a blob monolithically", POST then
// content in one request), which distribution would treat as an empty
// upload start: servin opens the upload and PUTs the body into it.
func (e *extensions) postMonolithic(w http.ResponseWriter, r *http.Request) {
	dgst := r.URL.Query().Get("digest")
	if _, err := digest.Parse(dgst); err != nil {
		serveError(w, errcode.ErrorCodeDigestInvalid.WithDetail(dgst))
		return
	}
	q := r.URL.Query()
	q.Del("digest")
	start := r.Clone(r.Context())
	start.URL.RawQuery = q.Encode()
	start.Body, start.ContentLength = http.NoBody, 0
	start.Header.Del("Content-Length")
	rec := e.record(start)
	if rec.status != http.StatusAccepted {
		rec.flush(w)
		return
	}
	loc, err := url.Parse(rec.header.Get("Location"))
	if err != nil || loc.Path == "" {
		serveError(w, errcode.ErrorCodeUnknown.WithDetail("upload location"))
		return
	}
	lq := loc.Query()
	lq.Set("digest", dgst)
	put := r.Clone(r.Context())
	put.Method = http.MethodPut
	put.URL.Path, put.URL.RawPath, put.URL.RawQuery = loc.Path, "", lq.Encode()
	if put.Header.Get("Content-Type") == "" {
		put.Header.Set("Content-Type", "application/octet-stream")
	}
	e.self.ServeHTTP(w, put)
}

// recorder holds a complete small response of distribution's handler so it
// can be inspected and changed before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rc *recorder) Header() http.Header { return rc.header }

func (rc *recorder) Write(p []byte) (int, error) {
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	return rc.body.Write(p)
}

func (rc *recorder) WriteHeader(status int) {
	if rc.status == 0 {
		rc.status = status
	}
}

func (rc *recorder) flush(w http.ResponseWriter) {
	for k, v := range rc.header {
		w.Header()[k] = v
	}
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	w.WriteHeader(rc.status)
	_, _ = w.Write(rc.body.Bytes())
}

// record runs r through distribution's handler into a recorder.
func (e *extensions) record(r *http.Request) *recorder {
	rc := &recorder{header: http.Header{}}
	e.app.ServeHTTP(rc, r)
	if rc.status == 0 {
		rc.status = http.StatusOK
	}
	return rc
}

func serveError(w http.ResponseWriter, err errcode.Error) {
	_ = errcode.ServeJSON(w, err)
}
