// Command unpackbench unpacks the first image of an OCI layout into a
// runtime bundle with libservin/image/unpack; bench/unpack.sh times it
// against tar -xzf and umoci unpack.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/servin/servin/libservin/image/unpack"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: unpackbench LAYOUT BUNDLE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "unpackbench:", err)
		os.Exit(1)
	}
}

func run(dir, bundle string) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		return err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	if len(m.Manifests) == 0 {
		return fmt.Errorf("%s: empty index", dir)
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		return err
	}
	return unpack.Unpack(context.Background(), img, bundle)
}
