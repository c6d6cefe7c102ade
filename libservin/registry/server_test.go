package registry_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/servin/servin/libservin/registry"
)

func TestRoundTrip(t *testing.T) {
	s := startServer(t, t.TempDir())
	pushPull(t, s.host+"/test/round:v1", randomImage(t, 4096, 3))
	// a second image sharing nothing, in another repository, by digest
	img := randomImage(t, 1024, 1)
	pushPull(t, s.host+"/other/repo@"+digestOf(t, img).String(), img)
	// the catalog lists both (a configuration built in code would list none)
	resp := do(t, http.MethodGet, "http://"+s.host+"/v2/_catalog", nil, nil)
	expect(t, resp, http.StatusOK)
	var cat struct{ Repositories []string }
	if err := json.NewDecoder(resp.Body).Decode(&cat); err != nil {
		t.Fatal(err)
	}
	if strings.Join(cat.Repositories, ",") != "other/repo,test/round" {
		t.Errorf("catalog %v", cat.Repositories)
	}
}

func TestBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg, err := registry.DefaultConfig(t.TempDir(), registry.WithAddr(ln.Addr().String()), registry.WithLogLevel("error"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := registry.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Listen()
	if !errors.Is(err, registry.ErrAddrInUse) {
		t.Fatalf("Listen on a busy port: %v, want ErrAddrInUse", err)
	}
	if !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Errorf("error %q does not name the address", err)
	}
}

func do(t *testing.T, method, url string, body []byte, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func expect(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	if resp.StatusCode != status {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL, resp.StatusCode, status, b)
	}
}

// uploadBlob pushes data in a POST and a PUT naming dgst.
func uploadBlob(t *testing.T, host, repo string, data []byte, dgst string) *http.Response {
	t.Helper()
	resp := do(t, http.MethodPost, "http://"+host+"/v2/"+repo+"/blobs/uploads/", nil, nil)
	expect(t, resp, http.StatusAccepted)
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "http") {
		loc = "http://" + host + loc
	}
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	return do(t, http.MethodPut, loc+sep+"digest="+dgst, data, map[string]string{"Content-Type": "application/octet-stream"})
}

func putManifest(t *testing.T, host, repo, ref string, m any) ([]byte, *http.Response) {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	resp := do(t, http.MethodPut, "http://"+host+"/v2/"+repo+"/manifests/"+ref, data, map[string]string{"Content-Type": ocispec.MediaTypeImageManifest})
	return data, resp
}

func emptyConfig(t *testing.T, host, repo string) ocispec.Descriptor {
	t.Helper()
	expect(t, uploadBlob(t, host, repo, []byte("{}"), ocispec.DescriptorEmptyJSON.Digest.String()), http.StatusCreated)
	return ocispec.DescriptorEmptyJSON
}

func manifest(config ocispec.Descriptor, layers []ocispec.Descriptor, subject *ocispec.Descriptor, artifactType string) ocispec.Manifest {
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: config, Layers: layers, Subject: subject, ArtifactType: artifactType}
	m.SchemaVersion = 2
	if m.Layers == nil {
		m.Layers = []ocispec.Descriptor{}
	}
	return m
}

func TestReferrersAndSubject(t *testing.T) {
	s := startServer(t, t.TempDir())
	const repo = "app/ref"
	cfg := emptyConfig(t, s.host, repo)
	subjData, resp := putManifest(t, s.host, repo, "v1", manifest(cfg, nil, nil, ""))
	expect(t, resp, http.StatusCreated)
	subject := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(subjData), Size: int64(len(subjData))}

	refURL := "http://" + s.host + "/v2/" + repo + "/referrers/" + subject.Digest.String()
	list := func(query string) ([]ocispec.Descriptor, http.Header) {
		resp := do(t, http.MethodGet, refURL+query, nil, nil)
		expect(t, resp, http.StatusOK)
		if ct := resp.Header.Get("Content-Type"); ct != ocispec.MediaTypeImageIndex {
			t.Fatalf("referrers Content-Type %q", ct)
		}
		var idx ocispec.Index
		if err := json.NewDecoder(resp.Body).Decode(&idx); err != nil {
			t.Fatal(err)
		}
		return idx.Manifests, resp.Header
	}
	if got, _ := list(""); len(got) != 0 {
		t.Fatalf("referrers before any: %v", got)
	}

	types := []string{"application/vnd.example.sig", "application/vnd.example.sbom"}
	var digests []digest.Digest
	for _, at := range types {
		m := manifest(cfg, nil, &subject, at)
		m.Annotations = map[string]string{"org.example.kind": at}
		data, resp := putManifest(t, s.host, repo, digest.FromBytes(mustJSON(t, m)).String(), m)
		expect(t, resp, http.StatusCreated)
		if got := resp.Header.Get("OCI-Subject"); got != subject.Digest.String() {
			t.Fatalf("OCI-Subject %q, want %s", got, subject.Digest)
		}
		digests = append(digests, digest.FromBytes(data))
	}
	got, _ := list("")
	if len(got) != 2 {
		t.Fatalf("referrers: %v", got)
	}
	for _, d := range got {
		if d.Annotations["org.example.kind"] != d.ArtifactType || d.MediaType != ocispec.MediaTypeImageManifest || d.Size == 0 {
			t.Errorf("referrer descriptor %+v", d)
		}
	}
	got, h := list("?artifactType=" + types[1])
	if len(got) != 1 || got[0].ArtifactType != types[1] || h.Get("OCI-Filters-Applied") != "artifactType" {
		t.Fatalf("filtered referrers %v, header %q", got, h.Get("OCI-Filters-Applied"))
	}
	// a manifest without subject gets no OCI-Subject header
	_, resp = putManifest(t, s.host, repo, "plain", manifest(cfg, nil, nil, "application/vnd.example.plain"))
	expect(t, resp, http.StatusCreated)
	if resp.Header.Get("OCI-Subject") != "" {
		t.Errorf("OCI-Subject on a manifest without subject")
	}
	// deleting a referrer removes it from the list at once
	expect(t, do(t, http.MethodDelete, "http://"+s.host+"/v2/"+repo+"/manifests/"+digests[0].String(), nil, nil), http.StatusAccepted)
	if got, _ := list(""); len(got) != 1 || got[0].Digest != digests[1] {
		t.Fatalf("referrers after delete: %v", got)
	}
	expect(t, do(t, http.MethodGet, "http://"+s.host+"/v2/"+repo+"/referrers/sha256:nothex", nil, nil), http.StatusBadRequest)
	// the referrers client of go-containerregistry reads the same list
	d, err := name.NewDigest(s.host + "/" + repo + "@" + subject.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Referrers(d)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) != 1 || im.Manifests[0].Digest.String() != digests[1].String() {
		t.Fatalf("remote.Referrers: %v %v", im, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSHA512Content(t *testing.T) {
	s := startServer(t, t.TempDir())
	const repo = "algo/sha512"
	layer := []byte("layer content addressed by sha512")
	sum := sha512.Sum512(layer)
	layerDigest := digest.NewDigestFromEncoded(digest.SHA512, hex.EncodeToString(sum[:]))

	resp := uploadBlob(t, s.host, repo, layer, layerDigest.String())
	expect(t, resp, http.StatusCreated)
	if got := resp.Header.Get("Docker-Content-Digest"); got != layerDigest.String() {
		t.Fatalf("upload Docker-Content-Digest %q, want %s", got, layerDigest)
	}
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, layerDigest.String()) {
		t.Errorf("upload Location %q", loc)
	}
	blobURL := "http://" + s.host + "/v2/" + repo + "/blobs/" + layerDigest.String()
	resp = do(t, http.MethodGet, blobURL, nil, nil)
	expect(t, resp, http.StatusOK)
	body, _ := io.ReadAll(resp.Body)
	if !bytes.Equal(body, layer) || resp.Header.Get("Docker-Content-Digest") != layerDigest.String() {
		t.Fatalf("GET sha512 blob: %q, digest header %q", body, resp.Header.Get("Docker-Content-Digest"))
	}
	// wrong content for a sha512 digest is refused
	expect(t, uploadBlob(t, s.host, repo, []byte("other"), layerDigest.String()), http.StatusBadRequest)

	// mount into another repository by the sha512 digest
	resp = do(t, http.MethodPost, "http://"+s.host+"/v2/algo/mounted/blobs/uploads/?from="+repo+"&mount="+layerDigest.String(), nil, nil)
	expect(t, resp, http.StatusCreated)
	resp = do(t, http.MethodGet, "http://"+s.host+"/v2/algo/mounted/blobs/"+layerDigest.String(), nil, nil)
	expect(t, resp, http.StatusOK)
	if body, _ := io.ReadAll(resp.Body); !bytes.Equal(body, layer) {
		t.Fatalf("mounted blob content %q", body)
	}

	// a manifest pushed by its sha512 digest
	cfg := emptyConfig(t, s.host, repo)
	m := manifest(cfg, []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageLayer, Digest: layerDigest, Size: int64(len(layer))}}, nil, "")
	data := mustJSON(t, m)
	msum := sha512.Sum512(data)
	mDigest := digest.NewDigestFromEncoded(digest.SHA512, hex.EncodeToString(msum[:]))
	resp = do(t, http.MethodPut, "http://"+s.host+"/v2/"+repo+"/manifests/"+mDigest.String(), data, map[string]string{"Content-Type": ocispec.MediaTypeImageManifest})
	expect(t, resp, http.StatusCreated)
	if got := resp.Header.Get("Docker-Content-Digest"); got != mDigest.String() {
		t.Fatalf("manifest Docker-Content-Digest %q, want %s", got, mDigest)
	}
	resp = do(t, http.MethodGet, "http://"+s.host+"/v2/"+repo+"/manifests/"+mDigest.String(), nil, map[string]string{"Accept": ocispec.MediaTypeImageManifest})
	expect(t, resp, http.StatusOK)
	if body, _ := io.ReadAll(resp.Body); !bytes.Equal(body, data) {
		t.Fatalf("manifest by sha512: %s", body)
	}
	// a body that does not match the sha512 in the URL is refused
	resp = do(t, http.MethodPut, "http://"+s.host+"/v2/"+repo+"/manifests/"+mDigest.String(), append(data, ' '), map[string]string{"Content-Type": ocispec.MediaTypeImageManifest})
	expect(t, resp, http.StatusBadRequest)
	// delete by sha512 removes it
	expect(t, do(t, http.MethodDelete, "http://"+s.host+"/v2/"+repo+"/manifests/"+mDigest.String(), nil, nil), http.StatusAccepted)
	expect(t, do(t, http.MethodGet, "http://"+s.host+"/v2/"+repo+"/manifests/"+mDigest.String(), nil, nil), http.StatusNotFound)
	expect(t, do(t, http.MethodGet, "http://"+s.host+"/v2/"+repo+"/manifests/"+digest.FromBytes(data).String(), nil, nil), http.StatusNotFound)
}

func TestHtpasswdAuth(t *testing.T) {
	s := startServer(t, t.TempDir(), registry.WithHtpasswd(writeHtpasswd(t, "alice", "wonderland")))
	ctx := context.Background()
	if err := registry.CheckLogin(ctx, s.host, registry.Credentials{Username: "alice", Password: "wrong"}, registry.ClientOptions{}); !isUnauthorized(err) {
		t.Fatalf("CheckLogin with a wrong password: %v, want ErrUnauthorized", err)
	}
	if err := registry.CheckLogin(ctx, s.host, registry.Credentials{Username: "alice", Password: "wonderland"}, registry.ClientOptions{}); err != nil {
		t.Fatalf("CheckLogin: %v", err)
	}
	img := randomImage(t, 512, 1)
	if err := remote.Write(ref(t, s.host+"/auth/img:v1"), img); err == nil {
		t.Fatal("anonymous push succeeded on an htpasswd registry")
	}
	pushPull(t, s.host+"/auth/img:v1", img, basic("alice", "wonderland"))
	// referrers are behind the same auth
	resp := do(t, http.MethodGet, "http://"+s.host+"/v2/auth/img/referrers/"+digestOf(t, img).String(), nil, nil)
	expect(t, resp, http.StatusUnauthorized)
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("no challenge on an unauthorized referrers request")
	}
	st := registry.Probe(ctx, s.host, &registry.Credentials{Username: "alice", Password: "wonderland"}, registry.ClientOptions{})
	if !st.Reachable || st.TLS != "no" || st.Auth != "ok" {
		t.Errorf("Probe: %+v", st)
	}
	if st := registry.Probe(ctx, s.host, nil, registry.ClientOptions{}); st.Auth != "not logged in" {
		t.Errorf("Probe without credentials: %+v", st)
	}
}

func TestTLS(t *testing.T) {
	cert, key := selfSigned(t)
	s := startServer(t, t.TempDir(), registry.WithTLS(cert, key), registry.WithHtpasswd(writeHtpasswd(t, "bob", "builder")))
	ctx := context.Background()
	pushPull(t, s.host+"/tls/img:v1", randomImage(t, 2048, 2), remote.WithTransport(caTransport(t, cert)), basic("bob", "builder"))
	cred := registry.Credentials{Username: "bob", Password: "builder"}
	if err := registry.CheckLogin(ctx, s.host, cred, registry.ClientOptions{CACert: cert}); err != nil {
		t.Fatalf("CheckLogin with the CA: %v", err)
	}
	if err := registry.CheckLogin(ctx, s.host, cred, registry.ClientOptions{}); err == nil {
		t.Fatal("CheckLogin trusted a self-signed certificate")
	}
	if err := registry.CheckLogin(ctx, s.host, cred, registry.ClientOptions{Insecure: true}); err != nil {
		t.Fatalf("CheckLogin without verification: %v", err)
	}
	if st := registry.Probe(ctx, s.host, &cred, registry.ClientOptions{CACert: cert}); st.TLS != "yes" || st.Auth != "ok" {
		t.Errorf("Probe with the CA: %+v", st)
	}
	if st := registry.Probe(ctx, s.host, &cred, registry.ClientOptions{}); st.TLS != "unverified" || st.Auth != "ok" {
		t.Errorf("Probe without the CA: %+v", st)
	}
}

func TestMonolithicPostAndTagParams(t *testing.T) {
	s := startServer(t, t.TempDir())
	const repo = "mono/post"
	data := []byte("blob in a single POST")
	d := digest.FromBytes(data)
	resp := do(t, http.MethodPost, "http://"+s.host+"/v2/"+repo+"/blobs/uploads/?digest="+d.String(), data, map[string]string{"Content-Type": "application/octet-stream"})
	expect(t, resp, http.StatusCreated)
	if resp.Header.Get("Docker-Content-Digest") != d.String() {
		t.Errorf("digest header %q", resp.Header.Get("Docker-Content-Digest"))
	}
	resp = do(t, http.MethodGet, "http://"+s.host+"/v2/"+repo+"/blobs/"+d.String(), nil, nil)
	expect(t, resp, http.StatusOK)
	if got, _ := io.ReadAll(resp.Body); !bytes.Equal(got, data) {
		t.Fatalf("blob %q", got)
	}
	// a wrong digest in the POST is refused and stores nothing
	expect(t, do(t, http.MethodPost, "http://"+s.host+"/v2/"+repo+"/blobs/uploads/?digest="+digest.FromString("x").String(), data, nil), http.StatusBadRequest)
	expect(t, do(t, http.MethodHead, "http://"+s.host+"/v2/"+repo+"/blobs/"+digest.FromString("x").String(), nil, nil), http.StatusNotFound)

	// a sha512 push by digest with tags: the tags answer with the sha512 digest
	cfg := emptyConfig(t, s.host, repo)
	body := mustJSON(t, manifest(cfg, nil, nil, "application/vnd.example.tagged"))
	sum := sha512.Sum512(body)
	md := digest.NewDigestFromEncoded(digest.SHA512, hex.EncodeToString(sum[:]))
	resp = do(t, http.MethodPut, "http://"+s.host+"/v2/"+repo+"/manifests/"+md.String()+"?tag=a&tag=b", body, map[string]string{"Content-Type": ocispec.MediaTypeImageManifest})
	expect(t, resp, http.StatusCreated)
	if got := resp.Header.Get("OCI-Tag"); got != "a, b" {
		t.Errorf("OCI-Tag %q", got)
	}
	for _, tag := range []string{"a", "b"} {
		resp = do(t, http.MethodHead, "http://"+s.host+"/v2/"+repo+"/manifests/"+tag, nil, map[string]string{"Accept": ocispec.MediaTypeImageManifest})
		expect(t, resp, http.StatusOK)
		if got := resp.Header.Get("Docker-Content-Digest"); got != md.String() {
			t.Errorf("tag %s: digest %q, want %s", tag, got, md)
		}
	}
	// re-pointing a tag by an ordinary push drops the sha512 answer
	other := mustJSON(t, manifest(cfg, nil, nil, "application/vnd.example.other"))
	expect(t, do(t, http.MethodPut, "http://"+s.host+"/v2/"+repo+"/manifests/a", other, map[string]string{"Content-Type": ocispec.MediaTypeImageManifest}), http.StatusCreated)
	resp = do(t, http.MethodHead, "http://"+s.host+"/v2/"+repo+"/manifests/a", nil, map[string]string{"Accept": ocispec.MediaTypeImageManifest})
	if got := resp.Header.Get("Docker-Content-Digest"); got != digest.FromBytes(other).String() {
		t.Errorf("re-pointed tag: digest %q, want %s", got, digest.FromBytes(other))
	}
	// tags on a push by tag are not parameters: nothing extra happens
	resp = do(t, http.MethodGet, "http://"+s.host+"/v2/"+repo+"/tags/list", nil, nil)
	expect(t, resp, http.StatusOK)
	var tl struct{ Tags []string }
	_ = json.NewDecoder(resp.Body).Decode(&tl)
	if len(tl.Tags) != 2 {
		t.Errorf("tags %v", tl.Tags)
	}
}
