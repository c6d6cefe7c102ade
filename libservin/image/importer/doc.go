// Package importer turns a root filesystem tarball (plain, gzip, zstd or
// bzip2) into a one-layer OCI image in a layout store, like docker import,
// with Dockerfile-style --change instructions applied to the image config.
package importer
