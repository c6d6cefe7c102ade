// Package unpack turns OCI image layers into filesystems and images into
// OCI runtime bundles.
//
// ApplyLayer extracts one layer changeset (image-spec v1.1 layer.md: tar,
// tar+gzip or tar+zstd, detected by magic) into a directory. Whiteouts
// (".wh.NAME") and opaque whiteouts (".wh..wh..opq") are applied either as
// deletions (flat mode, for a plain rootfs) or written as overlayfs
// whiteouts (overlay mode, for one snapshot directory per layer: a 0:0
// character device for ".wh.NAME", the trusted.overlay.opaque=y xattr for
// opaque directories). The compressed digest and the diffID are computed
// while streaming, in one pass, and checked when given.
//
// Extraction never leaves the target directory: every path of a tar entry,
// hardlink target and whiteout is resolved inside the target with openat2
// RESOLVE_IN_ROOT (a symlink in the tree is followed as the container would
// see it, never to the host), names that climb above the root with ".." are
// rejected with ErrUnsafePath, and xattrs in the overlay namespaces
// (trusted.overlay.*, user.overlay.*) are never copied from a layer, so a
// layer cannot forge overlayfs redirects or metacopy files.
//
// Unpack writes a runtime bundle (runtime-spec bundle.md) and Spec converts
// an image configuration to a runtime configuration following image-spec
// v1.1 conversion.md.
package unpack
