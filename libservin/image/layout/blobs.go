package layout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/store"
)

// maxMetadataSize bounds manifests, indexes and configs read into memory.
const maxMetadataSize = 16 << 20

// BlobPath returns the path of the blob with digest d.
func (s *Store) BlobPath(d digest.Digest) string {
	return s.path("blobs", d.Algorithm().String(), d.Encoded())
}

// HasBlob reports whether the blob d is present.
func (s *Store) HasBlob(d digest.Digest) bool {
	if d.Validate() != nil {
		return false
	}
	fi, err := os.Stat(s.BlobPath(d))
	return err == nil && fi.Mode().IsRegular()
}

// OpenBlob opens the blob d for reading. The content is not verified; use
// ReadBlob or a verifying reader for that.
func (s *Store) OpenBlob(d digest.Digest) (*os.File, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	f, err := os.Open(s.BlobPath(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", d, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	return f, nil
}

// ReadBlob reads a small blob (manifest, index, config) and verifies its
// digest.
func (s *Store) ReadBlob(d digest.Digest) ([]byte, error) {
	f, err := s.OpenBlob(d)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", d, err)
	}
	if len(data) > maxMetadataSize {
		return nil, fmt.Errorf("read blob %s: larger than %d bytes", d, maxMetadataSize)
	}
	if got := d.Algorithm().FromBytes(data); got != d {
		return nil, fmt.Errorf("read blob %s: %w: content is %s", d, ErrDigest, got)
	}
	return data, nil
}

// VerifyReader wraps r so that reading it to the end fails unless exactly
// size bytes (size < 0: any) with digest d were read.
func VerifyReader(r io.Reader, d digest.Digest, size int64) io.Reader {
	return &verifier{r: r, d: d, size: size, v: d.Verifier()}
}

type verifier struct {
	r    io.Reader
	d    digest.Digest
	size int64
	n    int64
	v    digest.Verifier
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.n += int64(n)
	v.v.Write(p[:n])
	if v.size >= 0 && v.n > v.size {
		return n, fmt.Errorf("blob %s: %w: more than %d bytes", v.d, ErrSize, v.size)
	}
	if err == io.EOF {
		if v.size >= 0 && v.n != v.size {
			return n, fmt.Errorf("blob %s: %w: got %d bytes, want %d", v.d, ErrSize, v.n, v.size)
		}
		if !v.v.Verified() {
			return n, fmt.Errorf("blob %s: %w", v.d, ErrDigest)
		}
	}
	return n, err
}

// Writer adds blobs and images to the store. It holds the shared gc lock
// from creation to Close, so no concurrent Remove or Prune deletes the
// blobs it wrote before Commit names them.
type Writer struct {
	s    *Store
	lock *store.Lock
}

// NewWriter starts a write transaction. Close it when done.
func (s *Store) NewWriter(ctx context.Context) (*Writer, error) {
	if s.readOnly {
		return nil, ErrReadOnly
	}
	l, err := store.RLockFile(ctx, s.path(gcLock))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.path(tmpDirName), 0o755); err != nil {
		l.Unlock()
		return nil, err
	}
	return &Writer{s: s, lock: l}, nil
}

// Close ends the transaction; blobs written and not committed stay until
// the next Prune.
func (w *Writer) Close() error { return w.lock.Unlock() }

// WriteBlob stores the content of r as the blob desc, verifying its digest
// and size while streaming. A blob already present is not rewritten and r
// is not read.
func (w *Writer) WriteBlob(ctx context.Context, desc ocispec.Descriptor, r io.Reader) error {
	if err := desc.Digest.Validate(); err != nil {
		return fmt.Errorf("write blob %s: %w", desc.Digest, err)
	}
	if w.s.HasBlob(desc.Digest) {
		return nil
	}
	_, err := w.ingest(ctx, r, desc.Digest, desc.Size)
	if err != nil {
		return fmt.Errorf("write blob %s: %w", desc.Digest, err)
	}
	return nil
}

// Ingest stores the content of r as a new blob whose digest is computed
// while streaming (sha256), and returns its digest and size.
func (w *Writer) Ingest(ctx context.Context, r io.Reader) (digest.Digest, int64, error) {
	d, err := w.ingest(ctx, r, "", -1)
	if err != nil {
		return "", 0, fmt.Errorf("ingest blob: %w", err)
	}
	fi, err := os.Stat(w.s.BlobPath(d))
	if err != nil {
		return "", 0, fmt.Errorf("ingest blob %s: %w", d, err)
	}
	return d, fi.Size(), nil
}

// ingestBufSize is the copy buffer of ingest: large reads and writes
// (a socket gives up to its receive buffer at once).
const ingestBufSize = 256 << 10

var ingestBufs = sync.Pool{New: func() any { b := make([]byte, ingestBufSize); return &b }}

// ingest copies r into a new blob, hashing it once: verified against want
// and size when want is given, else as sha256.
func (w *Writer) ingest(ctx context.Context, r io.Reader, want digest.Digest, size int64) (d digest.Digest, err error) {
	f, err := os.CreateTemp(w.s.path(tmpDirName), "blob-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	var dg digest.Digester
	if want != "" {
		r = VerifyReader(r, want, size)
		d = want
	} else {
		dg = digest.SHA256.Digester()
		r = io.TeeReader(r, dg.Hash())
	}
	bp := ingestBufs.Get().(*[]byte)
	defer ingestBufs.Put(bp)
	// writerOnly hides os.File's ReadFrom, which would copy in 32 KiB steps.
	if _, err = io.CopyBuffer(writerOnly{f}, ctxReader{ctx, r}, *bp); err != nil {
		return "", err
	}
	if dg != nil {
		d = dg.Digest()
	}
	if err = f.Sync(); err != nil {
		return "", err
	}
	if err = f.Close(); err != nil {
		return "", err
	}
	if err = os.MkdirAll(w.s.path("blobs", d.Algorithm().String()), 0o755); err != nil {
		return "", err
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return "", err
	}
	return d, store.Commit(f.Name(), w.s.BlobPath(d))
}

// WriteBlobBytes stores data as the blob with the given media type and
// returns its descriptor.
func (w *Writer) WriteBlobBytes(ctx context.Context, mediaType string, data []byte) (ocispec.Descriptor, error) {
	desc := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
	return desc, w.WriteBlob(ctx, desc, bytesReader(data))
}

type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
