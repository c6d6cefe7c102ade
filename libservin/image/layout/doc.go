// Package layout is servin's image store: one OCI image layout (image-spec
// v1.1, image-layout.md) whose index.json is the single source of truth of
// image names (org.opencontainers.image.ref.name annotations) and whose
// blobs are content-addressed and shared between images.
//
// Mutations are safe between processes: blobs are streamed to a temporary
// file, verified against their digest and renamed into place while a
// shared "gc" lock is held; index.json is rewritten (temp + rename) under
// an exclusive index lock, last, so a crash leaves at most unreferenced
// blobs, which Prune removes. Removing blobs takes the gc lock
// exclusively. The on-disk contract is specs/image-store.md.
package layout
