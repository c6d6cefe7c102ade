package main

import (
	"testing"

	ggcrname "github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/servin/servin/libservin/image/imagetest"
)

func TestPullPlatformFlag(t *testing.T) {
	reg := imagetest.StartRegistry(t)
	idx := v1.ImageIndex(mutate.IndexMediaType(empty.Index, types.OCIImageIndex))
	for _, p := range []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm", Variant: "v7"}, {OS: "linux", Architecture: "arm64"}} {
		img := imagetest.OCIImage(t, imagetest.Layer{"arch": p.Architecture + p.Variant})
		cfg, _ := img.ConfigFile()
		cfg = cfg.DeepCopy()
		cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
		img, _ = mutate.ConfigFile(img, cfg)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	ref, _ := ggcrname.ParseReference(reg + "/multi:v1")
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ platform, arch, variant string }{
		{"linux/arm/v7", "arm", "v7"},
		{"linux/arm64", "arm64", ""},
	}
	for _, tc := range tests {
		t.Run(tc.platform, func(t *testing.T) {
			root := t.TempDir()
			ok(t, root, nil, "pull", "-q", "--platform", tc.platform, reg+"/multi:v1")
			got := inspectOne(t, root, reg+"/multi:v1")
			if got.Platform == nil || got.Platform.Architecture != tc.arch || got.Platform.Variant != tc.variant {
				t.Fatalf("pulled platform %+v, want %s", got.Platform, tc.platform)
			}
		})
	}
	fails(t, t.TempDir(), 1, "s390x", "pull", "--platform", "linux/s390x", reg+"/multi:v1")
}
