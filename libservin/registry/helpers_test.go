package registry_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"github.com/servin/servin/libservin/testutil"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/servin/servin/libservin/registry"
)

// testServer is an in-process registry on a free loopback port.
type testServer struct {
	host string
	dir  string
	stop func()
}

func startServer(t *testing.T, dir string, opts ...registry.ConfigOption) *testServer {
	t.Helper()
	opts = append([]registry.ConfigOption{registry.WithAddr("127.0.0.1:0"), registry.WithLogLevel("error")}, opts...)
	cfg, err := registry.DefaultConfig(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := registry.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("server did not stop")
		}
	}
	t.Cleanup(stop)
	return &testServer{host: srv.Addr().String(), dir: dir, stop: stop}
}

func ref(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func randomImage(t *testing.T, size, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(size, layers)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func digestOf(t *testing.T, img interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pushPull pushes img to ref and pulls it back, checking the manifest
// digest and every layer's content.
func pushPull(t *testing.T, r string, img v1.Image, opts ...remote.Option) {
	t.Helper()
	if err := remote.Write(ref(t, r), img, opts...); err != nil {
		t.Fatalf("push %s: %v", r, err)
	}
	got, err := remote.Image(ref(t, r), opts...)
	if err != nil {
		t.Fatalf("pull %s: %v", r, err)
	}
	if digestOf(t, got) != digestOf(t, img) {
		t.Fatalf("pulled digest %s, pushed %s", digestOf(t, got), digestOf(t, img))
	}
	layers, err := got.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := v1.SHA256(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := l.Digest()
		if h != want {
			t.Fatalf("layer content %s, want %s", h, want)
		}
	}
}

func writeHtpasswd(t *testing.T, user, pass string) string { return testutil.Htpasswd(t, user, pass) }

// selfSigned writes a self-signed certificate for 127.0.0.1 and localhost.
func selfSigned(t *testing.T) (certFile, keyFile string) { return testutil.SelfSignedCert(t) }

func caTransport(t *testing.T, certFile string) http.RoundTripper {
	t.Helper()
	data, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(data)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return tr
}

func basic(user, pass string) remote.Option {
	return remote.WithAuth(&authn.Basic{Username: user, Password: pass})
}

func isUnauthorized(err error) bool { return errors.Is(err, registry.ErrUnauthorized) }

func startConfigured(t *testing.T, cfg *configuration.Configuration) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := registry.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv.Addr().String()
}

func assertReferrersEmpty(t *testing.T, host, repo, dgst string) {
	t.Helper()
	resp, err := http.Get("http://" + host + "/v2/" + repo + "/referrers/" + dgst)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("referrers: %s", resp.Status)
	}
}
