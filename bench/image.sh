#!/usr/bin/env bash
# Image benchmark (make bench-image): pull from a local registry + unpack
# into a runtime bundle, servin-image against skopeo copy + umoci unpack and
# against the floor (a parallel curl of the blobs + tar -xzf of each layer in
# order), and a re-pull of an image already present.
#
# Builds a ≈40 MB image locally (a busybox base plus LAYERS gzip layers of
# FILES incompressible files of FILE_KB KiB each, added with umoci insert),
# pushes it with servin-image to a Debian docker-registry on 127.0.0.1, then
# runs, alternately, BENCH_N times:
#   servin  servin-image pull (fresh --root) + servin-image unpack
#   peer    skopeo copy docker://… oci:DIR:v1 (fresh DIR) + umoci unpack
#   floor   curl manifest, then curl -P JOBS of config + layers, then
#           tar -xzf of each layer in order into one directory
#   re-pull servin-image pull into the root that already has the image,
#           skopeo copy into the oci: directory that already has it
# and prints the medians and the medians of the per-iteration ratios.
# Everything (registry storage, stores, bundles) lives on a private tmpfs
# mounted for the run (as root; else a directory in /dev/shm), so disk noise
# does not dominate. The first iteration checks that servin's and umoci's
# rootfs hold the same files as tar's.
#
# Knobs: BENCH_N (or RUNS, default 7), LAYERS (4), FILES (1000), FILE_KB (10),
# JOBS (4: servin --jobs and curl parallelism), SERVIN_IMAGE (bin/servin-image).
# Needs: docker-registry, skopeo, umoci, curl, tar, gzip, busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SERVIN_IMAGE:-$PWD/bin/servin-image}
N=${BENCH_N:-${RUNS:-7}}
LAYERS=${LAYERS:-4}
FILES=${FILES:-1000}
FILE_KB=${FILE_KB:-10}
JOBS=${JOBS:-4}

for t in docker-registry skopeo umoci curl tar gzip; do
	command -v "$t" >/dev/null || { echo "bench/image.sh: $t not installed" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "bench/image.sh: $BIN missing (make build)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "bench/image.sh: /bin/busybox missing (busybox-static)" >&2; exit 1; }

# --- a private tmpfs for everything --------------------------------------------
WORK=$(mktemp -d /tmp/servin-bench-image.XXXXXX)
MOUNTED=
REG_PID=
cleanup() {
	if [ -n "$REG_PID" ]; then
		kill "$REG_PID" 2>/dev/null || true
		wait "$REG_PID" 2>/dev/null || true
	fi
	if [ -n "$MOUNTED" ]; then
		umount "$WORK" 2>/dev/null || umount -l "$WORK" 2>/dev/null || true
		rmdir "$WORK" 2>/dev/null || true
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=4g,mode=0700 servin-bench "$WORK" 2>/dev/null; then
	MOUNTED=1
	FSDESC="private tmpfs at $WORK"
else
	rmdir "$WORK"
	WORK=$(mktemp -d /dev/shm/servin-bench-image.XXXXXX)
	FSDESC="$(df -T "$WORK" | awk 'NR==2 {print $2}') at $WORK"
fi

# --- registry on a random free port -----------------------------------------
free_port() {
	local p
	while :; do
		p=$(shuf -i 20000-60999 -n 1)
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
PORT=$(free_port)
REG=127.0.0.1:$PORT
cat >"$WORK/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/registry
http:
  addr: $REG
YML
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -fsS "http://$REG/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://$REG/v2/" >/dev/null || { echo "bench/image.sh: registry did not start" >&2; cat "$WORK/registry.log" >&2; exit 1; }

# --- test image ----------------------------------------------------------------
SRC=$WORK/src
mkdir -p "$WORK/rootfs/bin"
cp /bin/busybox "$WORK/rootfs/bin/"
ln -s busybox "$WORK/rootfs/bin/sh"
tar -C "$WORK/rootfs" -cf "$WORK/base.tar" .
"$BIN" --root "$SRC" import "$WORK/base.tar" bench:latest >/dev/null
for l in $(seq "$LAYERS"); do
	d=$WORK/layer$l/data$l
	mkdir -p "$d"
	for f in $(seq "$FILES"); do
		head -c $((FILE_KB * 1024)) /dev/urandom >"$d/f$f"
	done
	umoci insert --image "$SRC/images:docker.io/library/bench:latest" "$d" "/data$l" >/dev/null
	rm -rf "$WORK/layer$l"
done
"$BIN" --root "$SRC" push -q bench:latest "$REG/bench:v1" >/dev/null
SIZE=$("$BIN" --root "$SRC" inspect -f '{{.Size}}' bench:latest)
BLOBS=$("$BIN" --root "$SRC" inspect -f '{{range .Layers}}{{.Digest}} {{end}}' bench:latest)
CONFIG=$("$BIN" --root "$SRC" inspect -f '{{.ID}}' bench:latest)
rm -rf "$SRC" "$WORK/rootfs" "$WORK/base.tar"
NFILES=$((LAYERS * FILES + 2))
echo "image: $(echo "$BLOBS" | wc -w) gzip layers, $((SIZE / 1000000)) MB compressed, ~$NFILES files; registry $REG (docker-registry)"
echo "outputs on $FSDESC; $N iterations, alternating servin / skopeo+umoci / floor / re-pulls"

# --- the timed cases ---------------------------------------------------------------
R=$WORK/run
servin_cold() {
	step servin_pull "$BIN" --root "$R/servin" pull -q --jobs "$JOBS" "$REG/bench:v1"
	step servin_unpack "$BIN" --root "$R/servin" unpack "$REG/bench:v1" "$R/servin-bundle"
}
peer_cold() {
	step skopeo_copy skopeo copy -q --src-tls-verify=false "docker://$REG/bench:v1" "oci:$R/oci:v1"
	step umoci_unpack umoci unpack --image "$R/oci:v1" "$R/umoci-bundle"
}
floor_get() {
	local d=$R/http
	mkdir -p "$d/blobs"
	curl -fsS -o "$d/manifest" -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/bench/manifests/v1"
	printf '%s\n' "$CONFIG" $BLOBS | xargs -P "$JOBS" -I{} curl -fsS -o "$d/blobs/{}" "http://$REG/v2/bench/blobs/{}"
}
floor_tar() {
	local d=$R/http
	mkdir -p "$d/rootfs"
	for b in $BLOBS; do
		tar -xzf "$d/blobs/$b" -C "$d/rootfs"
	done
}
floor_cold() {
	step curl_get floor_get
	step tar_xzf floor_tar
}
servin_repull() { "$BIN" --root "$R/servin" pull -q --jobs "$JOBS" "$REG/bench:v1" >/dev/null; }
peer_repull() { skopeo copy -q --src-tls-verify=false "docker://$REG/bench:v1" "oci:$R/oci:v1" >/dev/null; }
floor_repull() { curl -fsS -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/bench/manifests/v1"; }

# step NAME CMD...: runs CMD (stdout discarded) and appends its wall time in
# seconds to T[NAME]. timed NAME is step NAME NAME.
declare -A T
step() {
	local name=$1 s e
	shift
	s=${EPOCHREALTIME/./}
	"$@" >/dev/null
	e=${EPOCHREALTIME/./}
	T[$name]+="$((e - s))e-6 "
}
timed() { step "$1" "$1"; }
CASES="servin_cold peer_cold floor_cold servin_repull peer_repull floor_repull"
for i in $(seq "$N"); do
	rm -rf "$R"
	mkdir -p "$R"
	for c in $CASES; do
		timed "$c"
	done
	if [ "$i" = 1 ]; then
		for b in "$R/servin-bundle" "$R/umoci-bundle"; do
			diff -r --no-dereference "$R/http/rootfs" "$b/rootfs" >/dev/null ||
				{ echo "bench/image.sh: $b/rootfs differs from tar's" >&2; exit 1; }
		done
	fi
done
rm -rf "$R"

# --- report ---------------------------------------------------------------------
median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# ratios A B: the per-iteration ratios A[i]/B[i].
ratios() { paste -d' ' <(printf '%s\n' ${T[$1]}) <(printf '%s\n' ${T[$2]}) | awk '{printf "%.4f ", $1 / $2}'; }
mr() { median "$(ratios "$1" "$2")"; }
printf '\nmedian wall time of %d runs (s)\n' "$N"
printf '  %-44s %7.3f\n' \
	"servin-image pull + unpack" "$(median "${T[servin_cold]}")" \
	"skopeo copy + umoci unpack" "$(median "${T[peer_cold]}")" \
	"floor: parallel curl + tar -xzf" "$(median "${T[floor_cold]}")" \
	"  servin-image pull" "$(median "${T[servin_pull]}")" \
	"  servin-image unpack" "$(median "${T[servin_unpack]}")" \
	"  skopeo copy" "$(median "${T[skopeo_copy]}")" \
	"  umoci unpack" "$(median "${T[umoci_unpack]}")" \
	"  parallel curl of the blobs" "$(median "${T[curl_get]}")" \
	"  tar -xzf of each layer" "$(median "${T[tar_xzf]}")" \
	"re-pull: servin-image pull (image present)" "$(median "${T[servin_repull]}")" \
	"re-pull: skopeo copy (image present)" "$(median "${T[peer_repull]}")" \
	"re-pull floor: curl of the manifest" "$(median "${T[floor_repull]}")"
printf 'median of per-iteration ratios\n'
printf '  %-44s %7.2fx  (target <= 1.5x)\n' "servin / floor" "$(mr servin_cold floor_cold)"
printf '  %-44s %7.2fx\n' \
	"(skopeo+umoci) / floor" "$(mr peer_cold floor_cold)" \
	"servin / (skopeo+umoci)" "$(mr servin_cold peer_cold)" \
	"  pull: servin / curl" "$(mr servin_pull curl_get)" \
	"  pull: skopeo / curl" "$(mr skopeo_copy curl_get)" \
	"  unpack: servin / tar -xzf" "$(mr servin_unpack tar_xzf)" \
	"  unpack: umoci / tar -xzf" "$(mr umoci_unpack tar_xzf)" \
	"re-pull: servin / skopeo" "$(mr servin_repull peer_repull)" \
	"re-pull: servin / manifest GET" "$(mr servin_repull floor_repull)"
