package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	ggcrname "github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	digest "github.com/opencontainers/go-digest"
)

// fetcher downloads blobs of one repository. An interrupted download is
// resumed with an HTTP Range request from where it stopped, so a flaky
// connection costs a retry, not the bytes already received. The store
// verifies digest and size over the whole stream.
type fetcher struct {
	ctx     context.Context
	client  *http.Client
	base    string
	retries int
}

func newFetcher(ctx context.Context, repo ggcrname.Repository, o *options) (*fetcher, error) {
	auth, err := resolveAuth(ctx, o, repo)
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", repo, err)
	}
	rt, err := transport.NewWithContext(ctx, repo.Registry, auth, o.httpTransport(), []string{repo.Scope(transport.PullScope)})
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", repo.RegistryStr(), err)
	}
	base := fmt.Sprintf("%s://%s/v2/%s/blobs/", repo.Registry.Scheme(), repo.RegistryStr(), repo.RepositoryStr())
	return &fetcher{ctx: ctx, client: &http.Client{Transport: rt}, base: base, retries: o.retries}, nil
}

func (f *fetcher) open(h v1.Hash, size int64) io.ReadCloser {
	return &resumableBody{f: f, url: f.base + h.String(), size: size}
}

type resumableBody struct {
	f      *fetcher
	url    string
	size   int64
	offset int64
	body   io.ReadCloser
	tries  int
}

func (r *resumableBody) Read(p []byte) (int, error) {
	for {
		if r.body == nil {
			if err := r.request(); err != nil {
				if r.retry(err) {
					continue
				}
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		r.offset += int64(n)
		if err == nil || err == io.EOF {
			return n, err
		}
		r.body.Close()
		r.body = nil
		if !r.retry(err) {
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// retry reports whether to try again after err, waiting first.
func (r *resumableBody) retry(err error) bool {
	if r.f.ctx.Err() != nil || r.tries >= r.f.retries || !transient(err) {
		return false
	}
	r.tries++
	slog.Debug("resuming blob download", "url", r.url, "offset", r.offset, "attempt", r.tries, "error", err)
	select {
	case <-r.f.ctx.Done():
		return false
	case <-time.After(time.Duration(r.tries*r.tries) * 100 * time.Millisecond):
	}
	return true
}

func transient(err error) bool {
	var te *transport.Error
	if errors.As(err, &te) {
		return te.StatusCode == http.StatusTooManyRequests || te.StatusCode >= 500
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

func (r *resumableBody) request() error {
	req, err := http.NewRequestWithContext(r.f.ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return err
	}
	if r.offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", r.offset))
	}
	resp, err := r.f.client.Do(req)
	if err != nil {
		return err
	}
	if err := transport.CheckError(resp, http.StatusOK, http.StatusPartialContent); err != nil {
		resp.Body.Close()
		return err
	}
	if resp.StatusCode == http.StatusOK && r.offset > 0 {
		// The server ignored the range: skip what we already have.
		if _, err := io.CopyN(io.Discard, resp.Body, r.offset); err != nil {
			resp.Body.Close()
			return err
		}
	}
	r.body = resp.Body
	return nil
}

func (r *resumableBody) Close() error {
	if r.body != nil {
		return r.body.Close()
	}
	return nil
}

func digestOf(h v1.Hash) digest.Digest { return digest.Digest(h.String()) }
