package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ClientOptions says how to reach a registry.
type ClientOptions struct {
	// Insecure skips TLS certificate verification.
	Insecure bool
	// CACert is a PEM file of extra certificate authorities to trust.
	CACert string
	// Timeout bounds each check; 10 seconds when zero.
	Timeout time.Duration
}

func (o ClientOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 10 * time.Second
}

func (o ClientOptions) transport() (*http.Transport, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: o.Insecure} //nolint:gosec // asked for by --tls-verify=false
	if o.CACert != "" {
		pem, err := os.ReadFile(o.CACert)
		if err != nil {
			return nil, fmt.Errorf("read CA certificate %s: %w", o.CACert, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", o.CACert)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return tr, nil
}

// CheckLogin verifies cred against registry: it completes the registry's
// authentication handshake (basic or token) and requests /v2/. A rejection
// gives ErrUnauthorized.
func CheckLogin(ctx context.Context, registry string, cred Credentials, opts ClientOptions) error {
	host := NormalizeRegistry(registry)
	if host == DockerHubAuthKey {
		host = name.DefaultRegistry
	}
	reg, err := name.NewRegistry(host)
	if err != nil {
		return fmt.Errorf("registry %q: %w", registry, err)
	}
	tr, err := opts.transport()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	auth := authn.FromConfig(authn.AuthConfig{Username: cred.Username, Password: cred.Password})
	rt, err := transport.NewWithContext(ctx, reg, auth, tr, []string{})
	if err != nil {
		return loginError(registry, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+reg.RegistryStr()+"/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return loginError(registry, err)
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("log in to %s: %w", registry, ErrUnauthorized)
	default:
		return fmt.Errorf("log in to %s: unexpected status %s", registry, resp.Status)
	}
}

func loginError(registry string, err error) error {
	var terr *transport.Error
	if errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("log in to %s: %w", registry, ErrUnauthorized)
	}
	return fmt.Errorf("log in to %s: %w", registry, err)
}

// Status is what Probe learned about a registry.
type Status struct {
	Registry  string
	Reachable bool
	// TLS is "yes", "unverified" (certificate not trusted) or "no".
	TLS string
	// Auth is "ok", "failed", "not required" or "not logged in".
	Auth string
	// Err says why the registry is unreachable or the check failed.
	Err error
}

// Probe checks whether registry answers, over TLS or not, and whether
// cred (nil when none are stored) are accepted.
func Probe(ctx context.Context, registry string, cred *Credentials, opts ClientOptions) Status {
	st := Status{Registry: registry, TLS: "no"}
	host := NormalizeRegistry(registry)
	if host == DockerHubAuthKey {
		host = name.DefaultRegistry
	}
	code, tlsState, err := pingV2(ctx, host, opts)
	if err != nil {
		st.Err = err
		return st
	}
	st.Reachable, st.TLS = true, tlsState
	if tlsState == "unverified" {
		opts.Insecure = true
	}
	switch {
	case code == http.StatusOK && cred == nil:
		st.Auth = "not required"
	case cred == nil:
		st.Auth = "not logged in"
	default:
		if err := CheckLogin(ctx, host, *cred, opts); err != nil {
			st.Auth = "failed"
			st.Err = err
		} else {
			st.Auth = "ok"
		}
	}
	return st
}

// pingV2 requests /v2/ over https, then (on a certificate error) without
// verification, then over plain http.
func pingV2(ctx context.Context, host string, opts ClientOptions) (int, string, error) {
	tr, err := opts.transport()
	if err != nil {
		return 0, "", err
	}
	client := &http.Client{Transport: tr, Timeout: opts.timeout()}
	code, err := get(ctx, client, "https://"+host+"/v2/")
	if err == nil {
		if opts.Insecure {
			return code, "unverified", nil
		}
		return code, "yes", nil
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		tr.TLSClientConfig.InsecureSkipVerify = true
		if code, err2 := get(ctx, client, "https://"+host+"/v2/"); err2 == nil {
			return code, "unverified", nil
		}
	}
	plain := &http.Client{Timeout: opts.timeout()}
	if code, err2 := get(ctx, plain, "http://"+host+"/v2/"); err2 == nil && code != http.StatusBadRequest {
		return code, "no", nil
	}
	return 0, "", fmt.Errorf("reach %s: %w", host, err)
}

func get(ctx context.Context, c *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
