package container

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// Untar extracts a tar stream into dir. Every name and hard-link target is
// resolved inside dir (securejoin), so entries and symlinks in the archive
// never write outside it. Owners are kept when running as root.
func Untar(ctx context.Context, r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	var dirs []*tar.Header
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		target, err := securejoin.SecureJoin(dir, hdr.Name)
		if err != nil {
			return fmt.Errorf("entry %s: %w", hdr.Name, err)
		}
		if err := extractEntry(tr, hdr, dir, target); err != nil {
			return fmt.Errorf("entry %s: %w", hdr.Name, err)
		}
		if hdr.Typeflag == tar.TypeDir {
			dirs = append(dirs, hdr)
		}
	}
	// Directory times last: creating entries inside changed them.
	for _, hdr := range dirs {
		if p, err := securejoin.SecureJoin(dir, hdr.Name); err == nil {
			_ = os.Chtimes(p, time.Now(), hdr.ModTime)
		}
	}
	return nil
}

func extractEntry(tr *tar.Reader, hdr *tar.Header, dir, target string) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	mode := hdr.FileInfo().Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky)
	switch hdr.Typeflag {
	case tar.TypeDir:
		if fi, err := os.Lstat(target); err == nil && !fi.IsDir() {
			os.Remove(target)
		}
		if err := os.Mkdir(target, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
	case tar.TypeReg, tar.TypeRegA:
		os.Remove(target)
		f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	case tar.TypeSymlink:
		os.Remove(target)
		return lchown(os.Symlink(hdr.Linkname, target), target, hdr)
	case tar.TypeLink:
		src, err := securejoin.SecureJoin(dir, hdr.Linkname)
		if err != nil {
			return err
		}
		os.Remove(target)
		return os.Link(src, target)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		os.Remove(target)
		if err := mknod(target, hdr); err != nil {
			return err
		}
	default:
		return nil // xattrs headers, GNU extensions: nothing to create
	}
	if err := lchown(nil, target, hdr); err != nil {
		return err
	}
	if err := os.Chmod(target, mode); err != nil {
		return err
	}
	return os.Chtimes(target, time.Now(), hdr.ModTime)
}

// lchown sets the owner from hdr when running as root; err is returned
// first when set (so a failed Symlink is reported).
func lchown(err error, target string, hdr *tar.Header) error {
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return nil
	}
	if err := os.Lchown(target, hdr.Uid, hdr.Gid); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}
