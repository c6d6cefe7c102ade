package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/distribution/distribution/v3/registry/api/errcode"
	"github.com/opencontainers/go-digest"
)

// maxManifestSize bounds the manifest body servin reads to learn its
// subject and digest; distribution's own limit is the same 4 MiB.
const maxManifestSize = 4 << 20

// putManifest passes a manifest push to distribution and adds what the
// OCI distribution-spec v1.1 asks on top: the OCI-Subject header when the
// manifest has a subject, and pushes by a sha512 (or other non-canonical)
// digest, stored as a link to the canonical revision.
func (e *extensions) putManifest(w http.ResponseWriter, r *http.Request, rt route) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxManifestSize+1))
	if err != nil {
		serveError(w, errcode.ErrorCodeUnknown.WithDetail(err.Error()))
		return
	}
	if len(body) > maxManifestSize {
		// distribution answers oversized manifests itself
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		e.app.ServeHTTP(w, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.URL.RawQuery = ""

	var alias, canonical digest.Digest
	if isAlias(rt.ref) {
		alias = digest.Digest(rt.ref)
		if alias.Algorithm().FromBytes(body) != alias {
			serveError(w, errcode.ErrorCodeDigestInvalid.WithDetail("manifest content does not match "+rt.ref))
			return
		}
		canonical = digest.FromBytes(body)
		r2.URL.Path = strings.TrimSuffix(r.URL.Path, rt.ref) + canonical.String()
		r2.URL.RawPath = ""
	}
	rec := e.record(r2)
	if rec.status == http.StatusCreated {
		if alias != "" {
			if err := e.writeLink(r.Context(), revisionLink(rt.name, alias), canonical); err != nil {
				serveError(w, errcode.ErrorCodeUnknown.WithDetail(err.Error()))
				return
			}
			setDigest(rec.header, canonical.String(), alias.String())
		}
		if subject := subjectOf(body); subject != "" {
			rec.header.Set("OCI-Subject", subject)
		}
		if tags := r.URL.Query()["tag"]; len(tags) > 0 && isDigest(rt.ref) {
			if failed := e.tagManifest(r2, body, tags, alias, rec.header); failed != nil {
				failed.flush(w)
				return
			}
		}
	}
	rec.flush(w)
}

func isDigest(s string) bool {
	_, err := digest.Parse(s)
	return err == nil
}

// tagManifest applies the tag query parameters of a push by digest
// (distribution-spec "Pushing Manifests with Tags"): each tag is pushed
// with the same content, and the OCI-Tag header lists them. It returns
// the response of the first tag push that failed.
func (e *extensions) tagManifest(r *http.Request, body []byte, tags []string, alias digest.Digest, h http.Header) *recorder {
	name := ""
	if rt, ok := e.parse(r); ok {
		name = rt.name
	}
	base := strings.TrimSuffix(r.URL.Path, "/"+path.Base(r.URL.Path))
	var done []string
	for _, tag := range tags {
		tr := r.Clone(r.Context())
		tr.URL.Path, tr.URL.RawPath, tr.URL.RawQuery = base+"/"+tag, "", ""
		tr.Body, tr.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		if rec := e.record(tr); rec.status != http.StatusCreated {
			return rec
		}
		if alias != "" {
			if err := e.driver.PutContent(r.Context(), tagAliasFile(name, tag), []byte(alias.String())); err != nil {
				rec := &recorder{header: http.Header{}}
				serveError(rec, errcode.ErrorCodeUnknown.WithDetail(err.Error()))
				return rec
			}
		}
		done = append(done, tag)
	}
	h.Set("OCI-Tag", strings.Join(done, ", "))
	return nil
}

// subjectOf returns the digest of the manifest's subject, if any.
func subjectOf(body []byte) string {
	var m struct {
		Subject *struct {
			Digest string `json:"digest"`
		} `json:"subject"`
	}
	if json.Unmarshal(body, &m) != nil || m.Subject == nil {
		return ""
	}
	return m.Subject.Digest
}

// tagAliasFile records, beside distribution's tag links, the alias digest a
// tag was pushed with, so pulls by tag answer with that digest. It holds
// only while the tag still points at the alias's revision.
func tagAliasFile(name, tag string) string {
	return path.Join(reposRoot, name, "_manifests", "tags", tag, "servin-alias")
}

func tagCurrentLink(name, tag string) string {
	return path.Join(reposRoot, name, "_manifests", "tags", tag, "current", "link")
}

// tagAlias returns the alias digest the tag was pushed with, if the tag
// still points at it.
func (e *extensions) tagAlias(ctx context.Context, name, tag string) (digest.Digest, bool) {
	data, err := e.driver.GetContent(ctx, tagAliasFile(name, tag))
	if err != nil {
		return "", false
	}
	alias, err := digest.Parse(strings.TrimSpace(string(data)))
	if err != nil {
		return "", false
	}
	target, err := e.readLink(ctx, revisionLink(name, alias))
	if err != nil {
		return "", false
	}
	current, err := e.readLink(ctx, tagCurrentLink(name, tag))
	if err != nil || current != target {
		return "", false
	}
	return alias, true
}

// getManifestByTag serves a manifest by tag, with the alias digest when
// the tag was pushed by one.
func (e *extensions) getManifestByTag(w http.ResponseWriter, r *http.Request, rt route) {
	if alias, ok := e.tagAlias(r.Context(), rt.name, rt.ref); ok {
		serveWithDigest(e.app, w, r, alias.String())
		return
	}
	e.app.ServeHTTP(w, r)
}
