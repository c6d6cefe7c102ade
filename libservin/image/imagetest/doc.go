// Package imagetest holds test fixtures for image code and the CLIs that
// use it: generated images and root filesystem tarballs, image-spec schema
// validation of a layout, and a throwaway docker-registry.
package imagetest
