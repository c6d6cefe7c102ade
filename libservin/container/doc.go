// Package container keeps servin's containers: one directory per
// container under <root>/containers holding container.json (record and
// state, written atomically under a per-container lock), the OCI bundle
// (config.json and rootfs) and the monitor's attach socket. IDs are 64 hex
// digits, found by unique prefix; names are unique. See specs/containers.md.
package container
