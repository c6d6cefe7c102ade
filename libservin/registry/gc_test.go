package registry_test

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/servin/servin/libservin/registry"
)

func blobPath(dir string, d digest.Digest) string {
	return filepath.Join(dir, "docker", "registry", "v2", "blobs", d.Algorithm().String(), d.Encoded()[:2], d.Encoded(), "data")
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestGarbageCollect(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	// kept: a tagged image
	kept := randomImage(t, 1024, 2)
	pushPull(t, s.host+"/gc/app:keep", kept)
	// an orphan blob: uploaded, referenced by nothing
	orphan := []byte("nobody references this blob")
	orphanDigest := digest.FromBytes(orphan)
	expect(t, uploadBlob(t, s.host, "gc/app", orphan, orphanDigest.String()), http.StatusCreated)
	// untagged: pushed as :old, then :old moved to another image
	old := randomImage(t, 1024, 1)
	pushPull(t, s.host+"/gc/app:old", old)
	pushPull(t, s.host+"/gc/app:old", randomImage(t, 1024, 1))
	oldLayers, _ := old.Layers()
	oldLayer, _ := oldLayers[0].Digest()
	// content addressed by sha512, pushed by digest only
	layer := []byte("sha512 layer kept by gc")
	sum := sha512.Sum512(layer)
	layerDigest := digest.NewDigestFromEncoded(digest.SHA512, hex.EncodeToString(sum[:]))
	expect(t, uploadBlob(t, s.host, "gc/algo", layer, layerDigest.String()), http.StatusCreated)
	cfg := emptyConfig(t, s.host, "gc/algo")
	m := manifest(cfg, []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageLayer, Digest: layerDigest, Size: int64(len(layer))}}, nil, "")
	_, resp := putManifest(t, s.host, "gc/algo", "tagged", m)
	expect(t, resp, http.StatusCreated)

	// the collector refuses nothing itself; the command checks the server
	s.stop()
	conf, err := registry.DefaultConfig(dir, registry.WithLogLevel("error"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := registry.GarbageCollect(ctx, conf, registry.GCOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Blobs, []digest.Digest{orphanDigest}) || res.Bytes != int64(len(orphan)) {
		t.Fatalf("dry run would delete %v (%d bytes), want only the orphan %s", res.Blobs, res.Bytes, orphanDigest)
	}
	if !exists(blobPath(dir, orphanDigest)) {
		t.Fatal("dry run deleted the orphan")
	}
	if _, err := registry.GarbageCollect(ctx, conf, registry.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	if exists(blobPath(dir, orphanDigest)) {
		t.Fatal("gc kept the orphan blob")
	}
	if !exists(blobPath(dir, digest.Digest(oldLayer.String()))) {
		t.Fatal("gc without --delete-untagged deleted an untagged manifest's layer")
	}
	res, err = registry.GarbageCollect(ctx, conf, registry.GCOptions{RemoveUntagged: true})
	if err != nil {
		t.Fatal(err)
	}
	if exists(blobPath(dir, digest.Digest(oldLayer.String()))) || !slices.Contains(res.Blobs, digest.Digest(oldLayer.String())) {
		t.Fatalf("gc --delete-untagged kept the untagged layer %s (deleted %v)", oldLayer, res.Blobs)
	}

	// a restarted server still serves what is tagged, sha512 content included
	s2 := startServer(t, dir)
	pushPull(t, s2.host+"/gc/app:keep", kept)
	r := do(t, http.MethodGet, "http://"+s2.host+"/v2/gc/algo/blobs/"+layerDigest.String(), nil, nil)
	expect(t, r, http.StatusOK)
	if _, err := remote.Image(ref(t, s2.host+"/gc/app@"+digestOf(t, old).String())); err == nil {
		t.Fatal("the untagged manifest survived gc --delete-untagged")
	}
}

func TestGarbageCollectEmpty(t *testing.T) {
	conf, err := registry.DefaultConfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := registry.GarbageCollect(context.Background(), conf, registry.GCOptions{RemoveUntagged: true})
	if err != nil || len(res.Blobs) != 0 {
		t.Fatalf("gc of empty storage: %v, %v", res, err)
	}
}
