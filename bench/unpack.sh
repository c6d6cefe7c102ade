#!/usr/bin/env bash
# Times unpacking one generated gzip layer (5000 small files, see
# BenchmarkApplyLayer) with tar -xzf, umoci unpack and servin's
# libservin/image/unpack (bench/unpackbench), and prints the ratios.
# Usage: bench/unpack.sh [RUNS]   (BENCH_DIR selects the filesystem, default a temp dir under /var/tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/servin-unpack-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

go build -o "$work/unpackbench" ./bench/unpackbench
SERVIN_BENCH_LAYER="$work/layer.tar.gz" go test ./libservin/image/unpack/ -run '^TestWriteBenchLayer$' -count=1 >/dev/null

# An OCI layout holding one image with that layer.
lay="$work/layout"
mkdir -p "$lay/blobs/sha256"
echo '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
ldigest=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
lsize=$(stat -c %s "$work/layer.tar.gz")
cp "$work/layer.tar.gz" "$lay/blobs/sha256/$ldigest"
diffid=$(gzip -dc "$work/layer.tar.gz" | sha256sum | cut -d' ' -f1)
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diffid" >"$work/config.json"
cdigest=$(sha256sum "$work/config.json" | cut -d' ' -f1)
csize=$(stat -c %s "$work/config.json")
cp "$work/config.json" "$lay/blobs/sha256/$cdigest"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
	"$cdigest" "$csize" "$ldigest" "$lsize" >"$work/manifest.json"
mdigest=$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
msize=$(stat -c %s "$work/manifest.json")
cp "$work/manifest.json" "$lay/blobs/sha256/$mdigest"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"bench"}}]}' \
	"$mdigest" "$msize" >"$lay/index.json"

# time_ms CMD... prints the wall time of CMD in milliseconds.
time_ms() {
	local s e
	sync
	s=$(date +%s%N)
	"$@" >/dev/null
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A results
for tool in tar umoci servin; do
	: >"$work/$tool.times"
done
for i in $(seq "$runs"); do
	# Interleave the tools so drift of the machine hits them alike.
	mkdir "$work/t$i"
	time_ms tar -xzf "$work/layer.tar.gz" -C "$work/t$i" >>"$work/tar.times"
	if command -v umoci >/dev/null; then
		time_ms umoci unpack --image "$lay:bench" "$work/u$i" >>"$work/umoci.times"
	fi
	time_ms "$work/unpackbench" "$lay" "$work/s$i" >>"$work/servin.times"
	diff -r "$work/t$i" "$work/s$i/rootfs" >/dev/null || { echo "servin rootfs differs from tar's" >&2; exit 1; }
	rm -rf "$work/t$i" "$work/u$i" "$work/s$i"
done
for tool in tar umoci servin; do
	[ -s "$work/$tool.times" ] && results[$tool]=$(median <"$work/$tool.times")
done
echo "unpack of one gzip layer, 5000 files, $lsize bytes; median of $runs runs on $(df -T "$work" | awk 'NR==2 {print $2}')"
for tool in tar umoci servin; do
	[ -n "${results[$tool]:-}" ] || continue
	awk -v t="$tool" -v ms="${results[$tool]}" -v base="${results[tar]}" \
		'BEGIN { printf "%-7s %6d ms  %.2fx tar -xzf\n", t, ms, ms / base }'
done
