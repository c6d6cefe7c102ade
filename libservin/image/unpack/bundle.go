package unpack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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
	if err := WriteFileAtomic(cfgPath, data, 0o644); err != nil {
		return fmt.Errorf("unpack into %s: %w", bundle, err)
	}
	return nil
}

// ApplyImage applies every layer of img in order onto dir (flat mode),
// checking each layer's digest and diffID while streaming.
func ApplyImage(ctx context.Context, img v1.Image, dir string, opts ...ApplyOption) error {
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("list layers: %w", err)
	}
	for _, l := range layers {
		if err := ApplyV1Layer(ctx, l, dir, opts...); err != nil {
			return err
		}
	}
	return nil
}

// ApplyV1Layer applies a go-containerregistry layer onto dir, checking its
// digest and diffID.
func ApplyV1Layer(ctx context.Context, l v1.Layer, dir string, opts ...ApplyOption) error {
	d, err := l.Digest()
	if err != nil {
		return fmt.Errorf("layer digest: %w", err)
	}
	diffID, err := l.DiffID()
	if err != nil {
		return fmt.Errorf("layer %s diffID: %w", d, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return fmt.Errorf("open layer %s: %w", d, err)
	}
	defer rc.Close()
	opts = append([]ApplyOption{WithDigest(digest.Digest(d.String())), WithDiffID(digest.Digest(diffID.String()))}, opts...)
	if _, err := ApplyLayer(ctx, dir, rc, opts...); err != nil {
		return fmt.Errorf("unpack layer %s: %w", d, err)
	}
	return nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory renamed over it, so readers see the old or the new content. It
// does not fsync: on ext4 that would flush the whole just-written rootfs
// with it, and a bundle lost in a power cut is simply unpacked again.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
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
