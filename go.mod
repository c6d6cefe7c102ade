module github.com/servin/servin

go 1.26.0

require github.com/opencontainers/runtime-spec v1.3.0 // indirect
