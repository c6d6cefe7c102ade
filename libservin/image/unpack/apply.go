package unpack

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
)

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// ApplyLayer extracts one layer (tar, tar+gzip or tar+zstd, detected by its
// magic bytes) into dir, which must exist. Whiteouts delete from dir, or
// with WithOverlayWhiteouts are written as overlayfs whiteouts. The stream
// is read once: the diffID (and, with WithDigest, the blob digest) is
// computed while extracting, checked against WithDiffID and WithDigest when
// given (ErrDigestMismatch), and the diffID is returned.
//
// On error dir holds a partial extraction: callers that need atomicity
// extract into a temporary directory and rename it (Unpack and the
// snapshot store do).
func ApplyLayer(ctx context.Context, dir string, r io.Reader, opts ...ApplyOption) (digest.Digest, error) {
	l := openLayer(r, newApplyConfig(opts), aheadChunks)
	defer l.close()
	return l.apply(ctx, dir)
}

// openedLayer is a layer whose reading, hashing and decompression run in
// a read-ahead goroutine from the moment it is opened.
type openedLayer struct {
	cfg   *applyConfig
	ls    *layerStream
	ahead *aheadReader
}

// openLayer starts reading r (up to chunks read-ahead buffers) for cfg.
// The blob is hashed only when cfg asks for its digest to be checked.
func openLayer(r io.Reader, cfg *applyConfig, chunks int) *openedLayer {
	ls := &layerStream{r: r, diff: digester(cfg.diffID)}
	if cfg.digest != "" {
		ls.blob = digester(cfg.digest)
	}
	return &openedLayer{cfg: cfg, ls: ls, ahead: newAheadReader(ls, chunks, ls.close)}
}

// close stops the read-ahead goroutine.
func (l *openedLayer) close() { l.ahead.Close() }

// apply extracts the layer into dir and checks its digests.
func (l *openedLayer) apply(ctx context.Context, dir string) (digest.Digest, error) {
	cfg := l.cfg
	if err := extract(ctx, dir, tar.NewReader(l.ahead), cfg); err != nil {
		return "", fmt.Errorf("apply layer to %s: %w", dir, err)
	}
	// The tar end-of-archive blocks, padding and the compressed trailer
	// (gzip CRC) are part of the digests: read them too.
	if _, err := io.Copy(io.Discard, l.ahead); err != nil {
		return "", fmt.Errorf("apply layer to %s: read layer end: %w", dir, readError(err))
	}
	diffID := l.ls.diff.Digest()
	if cfg.digest != "" {
		if got := l.ls.blob.Digest(); got != cfg.digest {
			return "", fmt.Errorf("apply layer to %s: %w: blob is %s, want %s", dir, ErrDigestMismatch, got, cfg.digest)
		}
	}
	if cfg.diffID != "" && diffID != cfg.diffID {
		return "", fmt.Errorf("apply layer to %s: %w: diffID is %s, want %s", dir, ErrDigestMismatch, diffID, cfg.diffID)
	}
	return diffID, nil
}

// digester returns a digester of want's algorithm (sha256 by default).
func digester(want digest.Digest) digest.Digester {
	if want != "" && want.Algorithm().Available() {
		return want.Algorithm().Digester()
	}
	return digest.Canonical.Digester()
}

// decompress wraps br by the compression its first bytes announce.
func decompress(br *bufio.Reader) (io.Reader, func(), error) {
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("open gzip stream: %w", err)
		}
		return zr, func() { _ = zr.Close() }, nil
	case bytes.HasPrefix(magic, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, nil, fmt.Errorf("open zstd stream: %w", err)
		}
		return zr, zr.Close, nil
	}
	return br, func() {}, nil
}

// readError marks the errors of a stream that ended early or does not
// decompress as ErrTruncated.
func readError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.Is(err, zstd.ErrMagicMismatch) || strings.Contains(err.Error(), "corrupt input") {
		return fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	return err
}

// layerStream is the uncompressed tar of a layer blob r, hashing the blob
// (when blob is set) and the tar as they are read. Its first Read detects
// the compression.
type layerStream struct {
	r          io.Reader
	blob, diff digest.Digester
	br         *bufio.Reader
	plain      io.Reader
	closeFn    func()
}

func (s *layerStream) Read(p []byte) (int, error) {
	if s.plain == nil {
		r := s.r
		if s.blob != nil {
			r = io.TeeReader(r, s.blob.Hash())
		}
		s.br = bufio.NewReaderSize(r, 256<<10)
		plain, closeFn, err := decompress(s.br)
		if err != nil {
			return 0, err
		}
		s.plain, s.closeFn = plain, closeFn
	}
	n, err := s.plain.Read(p)
	s.diff.Hash().Write(p[:n])
	if err == io.EOF {
		// Whatever follows the compressed stream is part of the blob.
		if _, derr := io.Copy(io.Discard, s.br); derr != nil {
			return n, derr
		}
	}
	return n, err
}

// close releases the decompressor (called by the read-ahead goroutine).
func (s *layerStream) close() {
	if s.closeFn != nil {
		s.closeFn()
	}
}
