module github.com/servin/servin

go 1.26.0

require (
	github.com/google/go-containerregistry v0.22.1
	github.com/opencontainers/go-digest v1.0.0
	github.com/opencontainers/image-spec v1.1.1
	github.com/opencontainers/runtime-spec v1.3.0
	golang.org/x/sync v0.22.0
)

require github.com/klauspost/compress v1.19.2

require github.com/santhosh-tekuri/jsonschema/v5 v5.3.1 // indirect
