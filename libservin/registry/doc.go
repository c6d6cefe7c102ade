// Package registry embeds the CNCF distribution registry
// (github.com/distribution/distribution/v3) as servin's local OCI registry,
// adds what the library lacks for the OCI distribution-spec v1.1 (the
// referrers API of section "Listing Referrers", the OCI-Subject header on
// manifest push, sha512 blob digests), runs distribution's garbage
// collector, and keeps registry credentials in a docker-compatible
// config.json.
//
// The library never prints: the servin-registry command formats what it
// returns.
package registry
