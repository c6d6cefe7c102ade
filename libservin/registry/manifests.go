package registry

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
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
	}
	rec.flush(w)
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
