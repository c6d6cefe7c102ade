// Package transport copies images between locations named like skopeo's
// transports: oci:DIR[:REF] (an OCI image layout, image-layout.md),
// oci-archive:FILE[:REF] (a tar of one), docker-archive:FILE[:REF]
// (docker save's format), docker://REF (any distribution-spec registry)
// and servin:REF (servin's image store). Copy is the one entry point;
// Pull, Push, Save and Load are the store-centred shortcuts the CLIs use.
package transport
