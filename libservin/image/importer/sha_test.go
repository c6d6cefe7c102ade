package importer_test

import (
	"bytes"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func v1SHA(b []byte) (string, int64, error) {
	h, n, err := v1.SHA256(bytes.NewReader(b))
	return h.String(), n, err
}
