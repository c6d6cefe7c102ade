package registry

import (
	"context"
	"net/http"

	"github.com/distribution/distribution/v3/configuration"
)

type extensions struct{}

func newExtensions(ctx context.Context, cfg *configuration.Configuration) (*extensions, error) {
	return &extensions{}, nil
}

func (e *extensions) wrap(next http.Handler) http.Handler { return next }
