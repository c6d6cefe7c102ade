package transport_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	ggcrname "github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/imagetest"
	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/image/transport"
)

// proxy fronts a registry, records requests and can misbehave.
type proxy struct {
	mu       sync.Mutex
	requests []string
	hook     func(w http.ResponseWriter, r *http.Request) bool // true: handled
	srv      *httptest.Server
}

func newProxy(t *testing.T, upstream string) *proxy {
	p := &proxy{}
	target, _ := url.Parse("http://" + upstream)
	rp := httputil.NewSingleHostReverseProxy(target)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.requests = append(p.requests, r.Method+" "+r.URL.RequestURI()+" range="+r.Header.Get("Range"))
		hook := p.hook
		p.mu.Unlock()
		if hook != nil && hook(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *proxy) host() string { return strings.TrimPrefix(p.srv.URL, "http://") }

func (p *proxy) seen(re string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.requests {
		if regexp.MustCompile(re).MatchString(r) {
			n++
		}
	}
	return n
}

func bigImage(t *testing.T) v1.Image {
	big := strings.Repeat("servin layer content that compresses poorly? ", 1)
	files := imagetest.Layer{}
	for i := range 200 {
		files[fmt.Sprintf("f/%d", i)] = fmt.Sprintf("%d %s %x", i, big, i*7919)
	}
	return imagetest.OCIImage(t, files, imagetest.Layer{"etc/x": "y"})
}

func TestPushPull(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.StartRegistry(t)
	a := newStore(t)
	img := bigImage(t)
	want, err := a.WriteImage(ctx, img, layout.WithNames("docker.io/library/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	var events []layout.Progress
	var mu sync.Mutex
	progress := transport.WithProgress(func(p layout.Progress) { mu.Lock(); events = append(events, p); mu.Unlock() })
	pushed, err := transport.Push(ctx, a, "app:v1", reg+"/team/app:v1", progress)
	if err != nil {
		t.Fatal(err)
	}
	if pushed.Digest != want.Digest {
		t.Fatalf("pushed %s, want %s", pushed.Digest, want.Digest)
	}
	b := newStore(t)
	got, err := transport.Pull(ctx, b, reg+"/team/app:v1", progress)
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != want.Digest {
		t.Fatalf("pulled %s, want %s", got.Digest, want.Digest)
	}
	if _, _, err := b.Image(ctx, reg+"/team/app:v1"); err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	imagetest.ValidateLayout(t, b.Path())
	done := 0
	for _, e := range events {
		if e.State == layout.StateDone {
			done++
		}
	}
	if done < 4 {
		t.Fatalf("%d blob done events for a 2-layer push and pull, want ≥4", done)
	}
	// Pull again: everything exists.
	if _, err := transport.Pull(ctx, b, reg+"/team/app:v1"); err != nil {
		t.Fatal(err)
	}
	// By digest.
	if _, err := transport.Pull(ctx, newStore(t), reg+"/team/app@"+want.Digest.String()); err != nil {
		t.Fatalf("pull by digest: %v", err)
	}
	if _, err := transport.Pull(ctx, newStore(t), reg+"/team/missing:v1"); err == nil {
		t.Fatal("pull of a missing image succeeded")
	}
}

func TestPullPlatform(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.StartRegistry(t)
	idx := v1.ImageIndex(mutate.IndexMediaType(empty.Index, types.OCIImageIndex))
	for _, arch := range []string{"amd64", "arm64", "riscv64"} {
		img := imagetest.OCIImage(t, imagetest.Layer{"arch": arch})
		cfg, _ := img.ConfigFile()
		cfg = cfg.DeepCopy()
		cfg.Architecture = arch
		img, _ = mutate.ConfigFile(img, cfg)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	ref, _ := ggcrname.ParseReference(reg + "/multi:v1")
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"arm64", "riscv64"} {
		s := newStore(t)
		if _, err := transport.Pull(ctx, s, reg+"/multi:v1", transport.WithPlatform(ocispec.Platform{OS: "linux", Architecture: arch})); err != nil {
			t.Fatal(err)
		}
		info, err := s.Inspect(ctx, reg+"/multi:v1")
		if err != nil || info.Platform.Architecture != arch {
			t.Fatalf("pulled %+v, %v; want %s", info.Platform, err, arch)
		}
	}
	if _, err := transport.Pull(ctx, newStore(t), reg+"/multi:v1", transport.WithPlatform(ocispec.Platform{OS: "linux", Architecture: "s390x"})); err == nil {
		t.Fatal("pull of a platform the index lacks succeeded")
	}
}

func TestPullResumes(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.StartRegistry(t)
	a := newStore(t)
	a.WriteImage(ctx, bigImage(t), layout.WithNames("docker.io/library/app:v1"))
	if _, err := transport.Push(ctx, a, "app:v1", reg+"/app:v1"); err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, reg)
	var mu sync.Mutex
	cut := map[string]bool{}
	blobGet := regexp.MustCompile(`^/v2/.*/blobs/sha256:[0-9a-f]+$`)
	p.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || !blobGet.MatchString(r.URL.Path) || r.Header.Get("Range") != "" {
			return false
		}
		mu.Lock()
		first := !cut[r.URL.Path]
		cut[r.URL.Path] = true
		mu.Unlock()
		if !first {
			return false
		}
		// Serve half of the blob, then drop the connection.
		resp, err := http.Get("http://" + reg + r.URL.Path)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body := make([]byte, resp.ContentLength/2+1)
		n, _ := resp.Body.Read(body)
		w.Header().Set("Content-Length", fmt.Sprint(resp.ContentLength))
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		w.Write(body[:n])
		panic(http.ErrAbortHandler)
	}
	s := newStore(t)
	if _, err := transport.Pull(ctx, s, p.host()+"/app:v1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	if n := p.seen(`blobs/sha256:.* range=bytes=[1-9]`); n == 0 {
		t.Fatalf("no ranged resume request: %v", p.requests)
	}
}

func TestPullRejectsCorruptBlob(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.StartRegistry(t)
	a := newStore(t)
	a.WriteImage(ctx, bigImage(t), layout.WithNames("docker.io/library/app:v1"))
	if _, err := transport.Push(ctx, a, "app:v1", reg+"/app:v1"); err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, reg)
	blobGet := regexp.MustCompile(`^/v2/.*/blobs/sha256:[0-9a-f]+$`)
	p.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || !blobGet.MatchString(r.URL.Path) {
			return false
		}
		rec := httptest.NewRecorder()
		target, _ := url.Parse("http://" + reg)
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if len(body) > 300 { // layers, not configs
			body[len(body)/2] ^= 0xff
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body)
		return true
	}
	s := newStore(t)
	_, err := transport.Pull(ctx, s, p.host()+"/app:v1", transport.WithRetries(0))
	if !errors.Is(err, layout.ErrDigest) {
		t.Fatalf("pull of a corrupted blob: %v, want ErrDigest", err)
	}
	if entries, _ := s.Entries(ctx); len(entries) != 0 {
		t.Fatalf("store gained %d entries from a failed pull", len(entries))
	}
}

func TestPushMountsAcrossRepositories(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.StartRegistry(t)
	p := newProxy(t, reg)
	s := newStore(t)
	s.WriteImage(ctx, bigImage(t), layout.WithNames(p.host()+"/a:v1"))
	if _, err := transport.Push(ctx, s, p.host()+"/a:v1", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := transport.Push(ctx, s, p.host()+"/a:v1", p.host()+"/b:v1"); err != nil {
		t.Fatal(err)
	}
	if n := p.seen(`^POST /v2/b/blobs/uploads/\?.*mount=sha256`); n < 2 {
		t.Fatalf("%d mount requests for b, want one per layer: %v", n, p.requests)
	}
	if n := p.seen(`^PUT /v2/b/blobs/uploads/.*digest=`); n > 1 { // only the config is uploaded
		t.Fatalf("layers uploaded to b instead of mounted: %v", p.requests)
	}
	if _, err := transport.Pull(ctx, newStore(t), reg+"/b:v1"); err != nil {
		t.Fatalf("pull of the mounted image: %v", err)
	}
}

func TestCredentialsFromDockerConfig(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.StartRegistry(t)
	p := newProxy(t, reg)
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("servin:s3cret"))
	p.hook = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") == want {
			return false
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}
	s := newStore(t)
	s.WriteImage(ctx, bigImage(t), layout.WithNames("docker.io/library/app:v1"))
	cfgDir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", cfgDir)
	t.Setenv("HOME", t.TempDir())
	if _, err := transport.Push(ctx, s, "app:v1", p.host()+"/app:v1"); err == nil {
		t.Fatal("push without credentials succeeded")
	}
	auth := base64.StdEncoding.EncodeToString([]byte("servin:s3cret"))
	os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(`{"auths":{"`+p.host()+`":{"auth":"`+auth+`"}}}`), 0o600)
	if _, err := transport.Push(ctx, s, "app:v1", p.host()+"/app:v1"); err != nil {
		t.Fatalf("push with credentials: %v", err)
	}
	if _, err := transport.Pull(ctx, newStore(t), p.host()+"/app:v1"); err != nil {
		t.Fatalf("pull with credentials: %v", err)
	}
}

// A re-pull asks the registry for the manifest only: no config or layer
// blob, and no second registry ping for the blob fetcher. A pull that
// misses one layer fetches just that one.
func TestRePullFetchesOnlyWhatIsMissing(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.StartRegistry(t)
	a := newStore(t)
	img := bigImage(t)
	a.WriteImage(ctx, img, layout.WithNames("docker.io/library/app:v1"))
	if _, err := transport.Push(ctx, a, "app:v1", reg+"/app:v1"); err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, reg)
	s := newStore(t)
	if _, err := transport.Pull(ctx, s, p.host()+"/app:v1"); err != nil {
		t.Fatal(err)
	}
	if n := p.seen(`^GET /v2/app/blobs/`); n != 3 {
		t.Fatalf("first pull: %d blob GETs, want 3 (config, 2 layers): %v", n, p.requests)
	}
	p.mu.Lock()
	p.requests = nil
	p.mu.Unlock()
	if _, err := transport.Pull(ctx, s, p.host()+"/app:v1"); err != nil {
		t.Fatal(err)
	}
	if n := p.seen(`/blobs/`); n != 0 {
		t.Errorf("re-pull: %d blob requests: %v", n, p.requests)
	}
	if n := p.seen(`^GET /v2/ `); n > 1 {
		t.Errorf("re-pull: %d registry pings: %v", n, p.requests)
	}
	if n := p.seen(`/manifests/v1`); n == 0 {
		t.Errorf("re-pull did not ask for the manifest: %v", p.requests)
	}

	// Without one layer blob: only that one is fetched.
	layers, _ := img.Layers()
	ld, _ := layers[1].Digest()
	if err := os.Remove(s.BlobPath(digest.Digest(ld.String()))); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.requests = nil
	p.mu.Unlock()
	if _, err := transport.Pull(ctx, s, p.host()+"/app:v1"); err != nil {
		t.Fatal(err)
	}
	if n := p.seen(`/blobs/`); n != 1 || p.seen(ld.Hex) != 1 {
		t.Errorf("pull missing one layer: requests %v, want one GET of %s", p.requests, ld)
	}
	if err := s.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}
