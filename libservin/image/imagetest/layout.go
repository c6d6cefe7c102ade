package imagetest

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/schema"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/testutil"
)

// TarDir returns an uncompressed tar archive of dir (regular files,
// directories and symlinks; owner root; fixed mtime so it is reproducible).
func TarDir(t testing.TB, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		hdr.Name, hdr.ModTime, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = filepath.ToSlash(rel), mtime, 0, 0, "", ""
		hdr.AccessTime, hdr.ChangeTime, hdr.Format = time.Time{}, time.Time{}, tar.FormatPAX
		if fi.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		t.Fatalf("tar %s: %v", dir, err)
	}
	return buf.Bytes()
}

// BusyboxTar returns a tar archive of a BusyboxRootfs.
func BusyboxTar(t testing.TB) []byte {
	t.Helper()
	return TarDir(t, testutil.BusyboxRootfs(t, t.TempDir()))
}

// ValidateLayout checks the OCI image layout at dir against image-spec's
// JSON schemas: oci-layout, index.json, and every OCI manifest, index and
// config reachable from it (docker media types are skipped).
func ValidateLayout(t testing.TB, dir string) {
	t.Helper()
	validate(t, schema.ValidatorMediaTypeLayoutHeader, filepath.Join(dir, ocispec.ImageLayoutFile))
	indexPath := filepath.Join(dir, ocispec.ImageIndexFile)
	validate(t, schema.ValidatorMediaTypeImageIndex, indexPath)
	var idx ocispec.Index
	readJSON(t, indexPath, &idx)
	for _, m := range idx.Manifests {
		validateDescriptor(t, dir, m)
	}
}

func blobPath(dir string, d digest.Digest) string {
	return filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
}

func validateDescriptor(t testing.TB, dir string, d ocispec.Descriptor) {
	t.Helper()
	p := blobPath(dir, d.Digest)
	switch d.MediaType {
	case ocispec.MediaTypeImageManifest:
		validate(t, schema.ValidatorMediaTypeManifest, p)
		var m ocispec.Manifest
		readJSON(t, p, &m)
		if m.Config.MediaType == ocispec.MediaTypeImageConfig {
			validate(t, schema.ValidatorMediaTypeImageConfig, blobPath(dir, m.Config.Digest))
		}
	case ocispec.MediaTypeImageIndex:
		validate(t, schema.ValidatorMediaTypeImageIndex, p)
		var idx ocispec.Index
		readJSON(t, p, &idx)
		for _, c := range idx.Manifests {
			if _, err := os.Stat(blobPath(dir, c.Digest)); err == nil {
				validateDescriptor(t, dir, c)
			}
		}
	}
}

func validate(t testing.TB, v schema.Validator, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("schema check: %v", err)
	}
	if err := v.Validate(bytes.NewReader(data)); err != nil {
		t.Fatalf("%s does not validate as %s: %v\n%s", path, v, err, data)
	}
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
}
