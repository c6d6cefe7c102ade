package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/distribution/distribution/v3"
	"github.com/distribution/distribution/v3/configuration"
	registrymiddleware "github.com/distribution/distribution/v3/registry/middleware/registry"
	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
	"github.com/distribution/reference"
)

// captureMiddleware is a registry middleware that hands servin the very
// namespace and storage driver distribution's application uses, so the
// additions read and write the same storage (even the in-memory driver).
const captureMiddleware = "servin-capture"

var pendingExtensions sync.Map // instance id -> *extensions

func init() {
	_ = registrymiddleware.Register(captureMiddleware, captureInit)
}

func captureInit(_ context.Context, ns distribution.Namespace, driver storagedriver.StorageDriver, options map[string]any) (distribution.Namespace, error) {
	id, _ := options["instance"].(string)
	if v, ok := pendingExtensions.Load(id); ok {
		e := v.(*extensions)
		e.ns, e.driver = ns, driver
	}
	return ns, nil
}

// extensions adds to distribution's handler what the OCI distribution-spec
// v1.1 asks and the library lacks: the referrers API, the OCI-Subject
// header on manifest push, and blobs and manifests addressed by sha512.
type extensions struct {
	id     string
	prefix string
	ns     distribution.Namespace
	driver storagedriver.StorageDriver
	app    http.Handler // distribution's handler
	self   http.Handler // app with the additions

	mu        sync.Mutex
	manifests map[string]manifestInfo // content digest -> what referrers need; content never changes
}

// newExtensions registers the capture middleware in cfg; call before
// handlers.NewApp and check ready after it.
func newExtensions(cfg *configuration.Configuration) *extensions {
	var b [8]byte
	_, _ = rand.Read(b[:])
	e := &extensions{id: hex.EncodeToString(b[:]), prefix: strings.TrimSuffix(cfg.HTTP.Prefix, "/"), manifests: map[string]manifestInfo{}}
	pendingExtensions.Store(e.id, e)
	if cfg.Middleware == nil {
		cfg.Middleware = map[string][]configuration.Middleware{}
	}
	mws := cfg.Middleware["registry"]
	kept := mws[:0]
	for _, m := range mws {
		if m.Name != captureMiddleware {
			kept = append(kept, m)
		}
	}
	cfg.Middleware["registry"] = append(kept, configuration.Middleware{
		Name: captureMiddleware, Options: configuration.Parameters{"instance": e.id},
	})
	return e
}

func (e *extensions) ready() error {
	pendingExtensions.Delete(e.id)
	if e.ns == nil || e.driver == nil {
		return fmt.Errorf("%w: registry middleware %s was not applied", ErrInvalidConfig, captureMiddleware)
	}
	return nil
}

var (
	routeRe  = regexp.MustCompile(`^/v2/(` + reference.NameRegexp.String() + `)/(manifests|blobs|referrers)/([^/]+)$`)
	uploadRe = regexp.MustCompile(`^/v2/(` + reference.NameRegexp.String() + `)/blobs/uploads/([^/]*)$`)
)

// route is what the additions need to know about a request's URL.
type route struct {
	name string // repository
	kind string // manifests, blobs, referrers, uploads
	ref  string // tag, digest or upload id
}

func (e *extensions) parse(r *http.Request) (route, bool) {
	p := r.URL.Path
	if e.prefix != "" {
		if !strings.HasPrefix(p, e.prefix+"/") {
			return route{}, false
		}
		p = strings.TrimPrefix(p, e.prefix)
	}
	if m := uploadRe.FindStringSubmatch(p); m != nil {
		return route{name: m[1], kind: "uploads", ref: m[len(m)-1]}, true
	}
	if m := routeRe.FindStringSubmatch(p); m != nil {
		return route{name: m[1], kind: m[len(m)-2], ref: m[len(m)-1]}, true
	}
	return route{}, false
}

func (e *extensions) wrap(app http.Handler) http.Handler {
	e.app = app
	e.self = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt, ok := e.parse(r)
		if !ok {
			app.ServeHTTP(w, r)
			return
		}
		switch {
		case rt.kind == "referrers" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			e.serveReferrers(w, r, rt)
		case rt.kind == "manifests" && r.Method == http.MethodPut:
			e.putManifest(w, r, rt)
		case rt.kind == "manifests" && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isDigest(rt.ref):
			e.getManifestByTag(w, r, rt)
		case rt.kind == "manifests" && r.Method == http.MethodDelete && isAlias(rt.ref):
			e.deleteManifestAlias(w, r, rt)
		case rt.kind == "blobs" && (r.Method == http.MethodGet || r.Method == http.MethodHead) && isAlias(rt.ref):
			serveWithDigest(app, w, r, rt.ref)
		case rt.kind == "uploads" && r.Method == http.MethodPut && isAlias(r.URL.Query().Get("digest")):
			e.finishUploadAlias(w, r, rt)
		case rt.kind == "uploads" && r.Method == http.MethodPost && isAlias(r.URL.Query().Get("mount")):
			e.mountAlias(w, r, rt)
		case rt.kind == "uploads" && r.Method == http.MethodPost && rt.ref == "" &&
			r.URL.Query().Get("digest") != "" && r.URL.Query().Get("mount") == "":
			e.postMonolithic(w, r)
		default:
			app.ServeHTTP(w, r)
		}
	})
	return e.self
}

// hookWriter calls before once, just before the status line is written, so
// headers can still be changed after the wrapped handler decided them.
type hookWriter struct {
	http.ResponseWriter
	before func(status int, h http.Header)
	status int
}

func (h *hookWriter) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
		if h.before != nil {
			h.before(status, h.ResponseWriter.Header())
		}
	}
	h.ResponseWriter.WriteHeader(status)
}

func (h *hookWriter) Write(p []byte) (int, error) {
	if h.status == 0 {
		h.WriteHeader(http.StatusOK)
	}
	return h.ResponseWriter.Write(p)
}

func (h *hookWriter) Flush() {
	if f, ok := h.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (h *hookWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }
