// Package snapshot keeps one extracted directory per image layer, keyed by
// the layer's diffID and shared by every image and container that uses the
// layer, and mounts a container root filesystem as an overlay of them.
//
// A snapshot holds the layer as overlayfs expects a lower directory
// (image-spec v1.1 layer.md whiteouts converted to overlayfs whiteouts, see
// unpack.WithOverlayWhiteouts). Layers are extracted into a temporary
// directory and renamed into place when complete and verified, under a
// per-layer file lock, so concurrent processes extract a layer once and a
// crash leaves only a temporary directory, removed by the next Prepare or
// GC.
//
// On-disk layout below the store directory (<root>/images/snapshots):
//
//	sha256/<hex>/         complete snapshot of the layer with diffID sha256:<hex>
//	tmp/<hex>-<random>/   extraction in progress (or left by a crash)
//	locks/<hex>.lock      flock(2) held while a layer is extracted or removed
//	empty/                lower directory for an image without layers
package snapshot
