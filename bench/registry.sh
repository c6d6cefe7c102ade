#!/usr/bin/env bash
# Benchmark: servin-registry against Debian's docker-registry, same client,
# push and pull of a 60 MiB 5-layer image, alternating order, median of
# per-round ratios (servin / docker-registry; below 1 is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SERVIN_REGISTRY:-$PWD/bin/servin-registry}
if ! command -v docker-registry >/dev/null; then
	echo "bench-registry: docker-registry not installed (apt-get install docker-registry)" >&2
	exit 1
fi
[ -x "$BIN" ] || go build -o bin/ ./cmd/servin-registry
go run ./bench/registry -servin-registry "$BIN" -rounds "${ROUNDS:-5}" "$@"
