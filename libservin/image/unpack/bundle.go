package unpack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/servin/servin/libservin/store"
	"io"
	"os"
	"path/filepath"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/opencontainers/go-digest"
)

// ErrBundleExists is returned by Unpack when the bundle already has a
// rootfs or config.json.
var ErrBundleExists = errors.New("bundle already exists")

// Unpack writes an OCI runtime bundle for img into the directory bundle
// (created 0700 when missing, as umoci does, so host users cannot reach
// setuid files of the image): rootfs/ with every layer applied in order,
// whiteouts as deletions, then config.json from Spec. The rootfs is
// extracted into a temporary directory renamed when complete, so an error
// (bad digest, truncated layer, unknown user) leaves no rootfs behind.
func Unpack(ctx context.Context, img v1.Image, bundle string, opts ...Option) error {
	c := newConfig(opts)
	rootfs := filepath.Join(bundle, "rootfs")
	cfgPath := filepath.Join(bundle, "config.json")
	for _, p := range []string{rootfs, cfgPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("unpack into %s: %w", bundle, ErrBundleExists)
		}
	}
	if err := os.MkdirAll(bundle, 0o700); err != nil {
		return fmt.Errorf("unpack into %s: %w", bundle, err)
	}
	if err := chownBundle(bundle, c); err != nil {
		return fmt.Errorf("unpack into %s: %w", bundle, err)
	}
	cfgFile, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("unpack into %s: read image config: %w", bundle, err)
	}
	tmp, err := os.MkdirTemp(bundle, ".rootfs-")
	if err != nil {
		return fmt.Errorf("unpack into %s: %w", bundle, err)
	}
	done := false
	defer func() {
		if !done {
			_ = RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("unpack into %s: %w", bundle, err)
	}
	if err := ApplyImage(ctx, img, tmp, WithIDMappings(c.uidMap, c.gidMap), WithApplyLogger(c.log)); err != nil {
		return fmt.Errorf("unpack into %s: %w", bundle, err)
	}
	s, err := Spec(cfgFile, tmp, opts...)
	if err != nil {
		return fmt.Errorf("unpack into %s: %w", bundle, err)
	}
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return fmt.Errorf("unpack into %s: %w", bundle, err)
	}
	if err := os.Rename(tmp, rootfs); err != nil {
		return fmt.Errorf("unpack into %s: %w", bundle, err)
	}
	done = true
	if err := store.ReplaceFile(cfgPath, data, 0o644); err != nil {
		return fmt.Errorf("unpack into %s: %w", bundle, err)
	}
	return nil
}

// ApplyImage applies every layer of img in order onto dir (flat mode),
// checking each layer's digest and diffID while streaming. The layers are
// extracted one after the other, but while one is extracted the next ones
// are already read, checked and decompressed on the other cores, into
// bounded memory (32 MiB a layer).
func ApplyImage(ctx context.Context, img v1.Image, dir string, opts ...ApplyOption) error {
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("list layers: %w", err)
	}
	ahead := prefetchLayers()
	var queue []*v1Layer
	defer func() {
		for _, l := range queue {
			l.close()
		}
	}()
	next := 0
	for i := range layers {
		for ; next < len(layers) && next <= i+ahead; next++ {
			chunks := prefetchChunks
			if next == i {
				chunks = aheadChunks
			}
			l, err := openV1Layer(layers[next], chunks, opts)
			if err != nil {
				return err
			}
			queue = append(queue, l)
		}
		l := queue[0]
		queue = queue[1:]
		err := l.apply(ctx, dir)
		l.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// prefetchLayers is how many layers ApplyImage decompresses ahead of the
// one it extracts: one per spare core, at most 2 (memory).
func prefetchLayers() int { return min(2, max(0, runtime.GOMAXPROCS(0)-1)) }

// ApplyV1Layer applies a go-containerregistry layer onto dir, checking its
// digest and diffID.
func ApplyV1Layer(ctx context.Context, l v1.Layer, dir string, opts ...ApplyOption) error {
	ol, err := openV1Layer(l, aheadChunks, opts)
	if err != nil {
		return err
	}
	defer ol.close()
	return ol.apply(ctx, dir)
}

// v1Layer is an opened go-containerregistry layer.
type v1Layer struct {
	digest v1.Hash
	rc     io.ReadCloser
	l      *openedLayer
}

// blobVerifier is implemented by layer readers that check the blob's
// digest and size themselves, failing the read at the end on a mismatch
// (those of the image store do): the blob is then not hashed twice.
type blobVerifier interface {
	VerifiesDigest() digest.Digest
}

// openV1Layer opens l and starts reading it ahead (chunks buffers).
func openV1Layer(l v1.Layer, chunks int, opts []ApplyOption) (*v1Layer, error) {
	d, err := l.Digest()
	if err != nil {
		return nil, fmt.Errorf("layer digest: %w", err)
	}
	diffID, err := l.DiffID()
	if err != nil {
		return nil, fmt.Errorf("layer %s diffID: %w", d, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("open layer %s: %w", d, err)
	}
	want := []ApplyOption{WithDiffID(digest.Digest(diffID.String()))}
	if v, ok := rc.(blobVerifier); !ok || v.VerifiesDigest().String() != d.String() {
		want = append(want, WithDigest(digest.Digest(d.String())))
	}
	cfg := newApplyConfig(append(want, opts...))
	return &v1Layer{digest: d, rc: rc, l: openLayer(rc, cfg, chunks)}, nil
}

func (l *v1Layer) apply(ctx context.Context, dir string) error {
	if _, err := l.l.apply(ctx, dir); err != nil {
		return fmt.Errorf("unpack layer %s: %w", l.digest, err)
	}
	return nil
}

// close stops reading ahead and closes the blob.
func (l *v1Layer) close() {
	l.l.close()
	_ = l.rc.Close()
}

// chownBundle gives the bundle directory to the container's root when the
// bundle is for a user namespace, so that root can reach its rootfs.
func chownBundle(bundle string, c *config) error {
	if os.Geteuid() != 0 || (len(c.uidMap) == 0 && len(c.gidMap) == 0) {
		return nil
	}
	uid, err := mapID(c.uidMap, 0)
	if err != nil {
		return fmt.Errorf("container root: %w", err)
	}
	gid, err := mapID(c.gidMap, 0)
	if err != nil {
		return fmt.Errorf("container root group: %w", err)
	}
	return os.Lchown(bundle, uid, gid)
}
