package transport

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/servin/servin/libservin/image/layout"
	"github.com/servin/servin/libservin/store"
)

// tarLayout writes the OCI layout in dir (without servin's own state) as
// a tar archive at dst.
func tarLayout(dir, dst string) error {
	return store.WriteFileFrom(dst, 0o644, func(w io.Writer) error {
		tw := tar.NewWriter(w)
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == dir {
				return err
			}
			rel := filepath.ToSlash(mustRel(dir, p))
			if rel == ".servin" {
				return fs.SkipDir
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			hdr, err := tar.FileInfoHeader(fi, "")
			if err != nil {
				return err
			}
			hdr.Name, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = rel, 0, 0, "", ""
			if d.IsDir() {
				hdr.Name += "/"
			}
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if !fi.Mode().IsRegular() {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		})
		if err != nil {
			return err
		}
		return tw.Close()
	})
}

func mustRel(base, p string) string {
	r, err := filepath.Rel(base, p)
	if err != nil {
		return p
	}
	return r
}

// extractArchive unpacks an OCI archive into a new temporary directory.
// Only directories and regular files with clean relative names are
// accepted, so a hostile archive cannot write outside it.
func extractArchive(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	dir, err := os.MkdirTemp("", "servin-archive-")
	if err != nil {
		return "", err
	}
	if err := extractTo(tar.NewReader(f), dir); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("extract %s: %w", file, err)
	}
	return dir, nil
}

func extractTo(tr *tar.Reader, dir string) error {
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if name == "." {
			continue
		}
		if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("unsafe path %q in archive", hdr.Name)
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeFile(target, tr); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected entry type %q for %q in archive", hdr.Typeflag, hdr.Name)
		}
	}
}

func writeFile(target string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// archiveFormat detects an archive: OCIArchive when it holds oci-layout,
// DockerArchive when it holds manifest.json.
func archiveFormat(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	format := ""
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("%w: %s: %w", ErrBadArchive, file, err)
		}
		switch path.Clean(strings.TrimPrefix(hdr.Name, "./")) {
		case ocispec.ImageLayoutFile:
			return OCIArchive, nil
		case "manifest.json":
			format = DockerArchive
		}
	}
	if format == "" {
		return "", fmt.Errorf("%w: %s holds neither oci-layout nor manifest.json", ErrBadArchive, file)
	}
	return format, nil
}

// Save writes the store images refs to file as an oci-archive or a
// docker-archive. Images are named by their full names (oci-archive:
// org.opencontainers.image.ref.name; docker-archive: RepoTags); refs
// given by ID keep all their names.
func Save(ctx context.Context, s *layout.Store, refs []string, format, file string, opts ...Option) error {
	o := newOptions(opts)
	var imgs []archiveImage
	for _, ref := range refs {
		src, err := storeSource(ctx, s, ref, o, true)
		if err != nil {
			return fmt.Errorf("save %s: %w", ref, err)
		}
		names := savedNames(ref, src.names)
		if len(names) == 0 {
			imgs = append(imgs, archiveImage{src: src})
		}
		for _, n := range names {
			imgs = append(imgs, archiveImage{src: src, name: n})
		}
	}
	switch format {
	case OCIArchive:
		return writeOCIArchive(ctx, file, imgs, o)
	case DockerArchive:
		return writeDockerArchive(file, imgs)
	}
	return fmt.Errorf("save: %w: format %q (want oci-archive or docker-archive)", ErrUnsupported, format)
}

// savedNames: the name the user typed if it is one of the image's names,
// otherwise (ID, digest) all of them.
func savedNames(ref string, names []string) []string {
	n := normalized(ref)
	for _, have := range names {
		if have == n || have == ref {
			return []string{have}
		}
	}
	return names
}

// Load imports every image of an oci-archive or docker-archive file
// (format detected) into the store and returns their names (or digests
// for unnamed images).
func Load(ctx context.Context, s *layout.Store, file string, opts ...Option) ([]string, error) {
	o := newOptions(opts)
	format, err := archiveFormat(file)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	if format == DockerArchive {
		return loadDocker(ctx, s, file, o)
	}
	return loadOCI(ctx, s, file, o)
}

func loadOCI(ctx context.Context, s *layout.Store, file string, o *options) ([]string, error) {
	dir, err := extractArchive(file)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	defer os.RemoveAll(dir)
	from, err := layout.Open(dir, layout.ReadOnly(), layout.WithContainersDir(""))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	entries, err := from.Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("load %s: %w: no images", file, ErrBadArchive)
	}
	var loaded []string
	for _, e := range entries {
		img, desc, err := from.ImageForPlatform(ctx, e.Digest.String(), o.platform)
		if err != nil {
			return loaded, fmt.Errorf("load %s: %w", file, err)
		}
		n := loadedName(e)
		var names []string
		if n != "" {
			names = []string{n}
		}
		if _, err := s.WriteImage(ctx, img, o.writeOpts(names...)...); err != nil {
			return loaded, fmt.Errorf("load %s: %w", file, err)
		}
		if n == "" {
			n = desc.Digest.String()
		}
		loaded = append(loaded, n)
	}
	return loaded, nil
}

// loadedName is the store name of an archive entry: containerd's full
// name annotation (docker save writes it), else a ref.name that is a
// full reference; a bare tag alone does not name an image.
func loadedName(e ocispec.Descriptor) string {
	if n := e.Annotations["io.containerd.image.name"]; n != "" {
		return normalized(n)
	}
	n := layout.RefName(e)
	if n == "" || !strings.ContainsAny(n, "/") && !strings.Contains(n, ":") {
		return ""
	}
	return normalized(n)
}

type dockerManifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

func loadDocker(ctx context.Context, s *layout.Store, file string, o *options) ([]string, error) {
	var entries []dockerManifestEntry
	if err := readTarJSON(file, "manifest.json", &entries); err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("load %s: %w: empty manifest.json", file, ErrBadArchive)
	}
	var loaded []string
	for _, e := range entries {
		ref := ""
		if len(e.RepoTags) > 0 {
			ref = e.RepoTags[0]
		} else if len(entries) > 1 {
			return loaded, fmt.Errorf("load %s: %w: several images and one has no RepoTags", file, ErrUnsupported)
		}
		src, err := dockerArchiveSource(Ref{Transport: DockerArchive, Path: file, Ref: ref})
		if err != nil {
			return loaded, fmt.Errorf("load %s: %w", file, err)
		}
		var names []string
		for _, t := range e.RepoTags {
			names = append(names, normalized(t))
		}
		desc, err := s.WriteImage(ctx, src.img, append(o.writeOpts(names...), layout.WithConvertOCI())...)
		if err != nil {
			return loaded, fmt.Errorf("load %s: %w", file, err)
		}
		if len(names) == 0 {
			names = []string{desc.Digest.String()}
		}
		loaded = append(loaded, names...)
	}
	return loaded, nil
}

func readTarJSON(file, name string, v any) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: no %s", ErrBadArchive, name)
		}
		if err != nil {
			return err
		}
		if path.Clean(strings.TrimPrefix(hdr.Name, "./")) == name {
			return json.NewDecoder(io.LimitReader(tr, 16<<20)).Decode(v)
		}
	}
}
