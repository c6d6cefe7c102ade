#!/usr/bin/env bash
# Image benchmark (make bench-image): pull from a local registry + unpack
# into a runtime bundle, servin-image against skopeo copy + umoci unpack and
# against the floor (a parallel curl of the blobs + tar -xzf of each layer in
# order), and a re-pull of an image already present.
#
# Builds a ≈40 MB image locally (a busybox base plus LAYERS gzip layers of
# FILES files of about FILE_KB KiB each: CONTENT=random makes 1000 files of
# 10 KiB a layer, incompressible; CONTENT=text 2500 files of ~11 KiB a layer
# of ~2.8x compressible word soup, so that gzip costs count), pushes it with
# servin-image copy to a Debian docker-registry on 127.0.0.1, then
# runs, alternately, BENCH_N times:
#   servin  servin-image pull (fresh --root) + servin-image unpack
#   peer    skopeo copy docker://… oci:DIR:v1 (fresh DIR) + umoci unpack
#   floor   curl manifest, then curl -P JOBS of config + layers, then
#           tar -xzf of each layer in order into one directory
#   re-pull servin-image pull into the root that already has the image,
#           skopeo copy into the oci: directory that already has it
# and prints the median wall and CPU (user+sys of every process the case ran)
# times and the medians of the per-iteration wall-time ratios.
# Everything (registry storage, stores, bundles) lives on a private tmpfs
# mounted for the run (as root; else a directory in /dev/shm), so disk noise
# does not dominate. The first iteration checks that servin's and umoci's
# rootfs hold the same files as tar's.
#
# Knobs: BENCH_N (or RUNS, default 7), CONTENT (random), LAYERS (4), FILES, FILE_KB,
# JOBS (4: servin --jobs and curl parallelism), SERVIN_IMAGE (bin/servin-image).
# Needs: docker-registry, skopeo, umoci, curl, tar, gzip, busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SERVIN_IMAGE:-$PWD/bin/servin-image}
N=${BENCH_N:-${RUNS:-7}}
LAYERS=${LAYERS:-4}
CONTENT=${CONTENT:-random}
case $CONTENT in
random) FILES=${FILES:-1000} FILE_KB=${FILE_KB:-10} ;;
text) FILES=${FILES:-2500} FILE_KB=${FILE_KB:-11} ;;
*) echo "bench/image.sh: CONTENT must be random or text" >&2; exit 2 ;;
esac
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
# gen_random DIR: FILES files of FILE_KB KiB from /dev/urandom.
gen_random() {
	local f
	for f in $(seq "$FILES"); do
		head -c $((FILE_KB * 1024)) /dev/urandom >"$1/f$f"
	done
}
# gen_text DIR SEED: FILES files of 0.5-1.5 FILE_KB KiB, lines of words from
# a random 400-word vocabulary and numbers (gzip -6 ≈ 2.8x, like text/ELF).
gen_text() {
	awk -v n="$FILES" -v kb="$FILE_KB" -v dir="$1" -v seed="$2" 'BEGIN {
		srand(seed)
		for (i = 0; i < 400; i++) {
			w = ""; l = 2 + int(rand() * 9)
			for (j = 0; j < l; j++) w = w sprintf("%c", 97 + int(rand() * 26))
			V[i] = w
		}
		for (f = 1; f <= n; f++) {
			p = dir "/f" f; size = 0; target = kb * 1024 * (0.5 + rand())
			while (size < target) {
				line = ""; k = 3 + int(rand() * 10)
				for (j = 0; j < k; j++) line = line V[int(rand() * 400)] " "
				line = line int(rand() * 100000) "\n"
				printf "%s", line > p; size += length(line)
			}
			close(p)
		}
	}'
}
# The image is assembled as an OCI layout here, each layer a GNU tar | gzip
# (umoci 0.4.7's insert leaves out the tar end-of-archive blocks, which GNU
# tar then rejects: umoci issue #436), and pushed with servin-image copy.
SRC=$WORK/src
mkdir -p "$SRC/blobs/sha256" "$WORK/gen"
echo '{"imageLayoutVersion":"1.0.0"}' >"$SRC/oci-layout"
# add_blob FILE: moves FILE into the layout and prints "sha256:HEX SIZE".
add_blob() {
	local h n
	h=$(sha256sum "$1" | cut -d' ' -f1)
	n=$(stat -c %s "$1")
	mv "$1" "$SRC/blobs/sha256/$h"
	echo "sha256:$h $n"
}
# add_layer DIR ENTRY: tars DIR/ENTRY, gzips it and adds it; appends to LDESC and DIFFS.
LDESC= DIFFS=
add_layer() {
	local diff d n
	tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$1" -cf "$WORK/gen/layer.tar" "$2"
	diff=sha256:$(sha256sum "$WORK/gen/layer.tar" | cut -d' ' -f1)
	gzip -6 -n "$WORK/gen/layer.tar"
	read -r d n < <(add_blob "$WORK/gen/layer.tar.gz")
	LDESC+="${LDESC:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$d\",\"size\":$n}"
	DIFFS+="${DIFFS:+,}\"$diff\""
}
mkdir -p "$WORK/gen/base/bin"
cp /bin/busybox "$WORK/gen/base/bin/"
ln -s busybox "$WORK/gen/base/bin/sh"
add_layer "$WORK/gen/base" bin
for l in $(seq "$LAYERS"); do
	mkdir -p "$WORK/gen/l$l/data$l"
	gen_$CONTENT "$WORK/gen/l$l/data$l" "$l"
	add_layer "$WORK/gen/l$l" "data$l"
	rm -rf "$WORK/gen/l$l"
done
ARCH=$(go env GOARCH 2>/dev/null || echo amd64)
printf '{"architecture":"%s","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$ARCH" "$DIFFS" >"$WORK/gen/config"
read -r CONFIG csize < <(add_blob "$WORK/gen/config")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[%s]}' \
	"$CONFIG" "$csize" "$LDESC" >"$WORK/gen/manifest"
read -r mdigest msize < <(add_blob "$WORK/gen/manifest")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
	"$mdigest" "$msize" >"$SRC/index.json"
"$BIN" copy -q "oci:$SRC:v1" "docker://$REG/bench:v1" >/dev/null
BLOBS=$(printf '%s\n' "$LDESC" | grep -o 'sha256:[0-9a-f]*' | tr '\n' ' ')
SIZE=$(du -cb "$SRC/blobs/sha256" | tail -1 | cut -f1)
rm -rf "$SRC" "$WORK/gen"
NFILES=$((LAYERS * FILES + 2))
echo "image: $(echo "$BLOBS" | wc -w) gzip layers, $((SIZE / 1000000)) MB compressed, ~$NFILES files ($CONTENT content); registry $REG (docker-registry)"
echo "outputs on $FSDESC; $N iterations, alternating servin / skopeo+umoci / floor / re-pulls"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

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

# cpu_now sets CPU_US to the user+sys CPU time (µs) of this shell's waited-for
# children so far (bash's times builtin, run here, not in a subshell: a
# forked subshell starts at zero). Grandchildren count when their parent
# waited for them (tar's gzip, xargs' curls); the registry does not.
cpu_now() {
	local u s
	times >"$WORK/times"
	{ read -r _ _; read -r u s; } <"$WORK/times"
	CPU_US=$(($(tus "$u") + $(tus "$s")))
}
# tus 1m2.345s: microseconds.
tus() {
	local m=${1%%m*} r=${1#*m}
	r=${r%s}
	echo $(((10#$m * 60 + 10#${r%.*}) * 1000000 + 10#${r#*.} * 1000))
}
# step NAME CMD...: runs CMD (stdout discarded) and appends its wall time and
# CPU time (user+sys of the processes it ran) in seconds to T[NAME], C[NAME].
# timed NAME is step NAME NAME.
declare -A T C
step() {
	local name=$1 s e c
	shift
	cpu_now
	c=$CPU_US
	s=${EPOCHREALTIME/./}
	"$@" >/dev/null
	e=${EPOCHREALTIME/./}
	cpu_now
	T[$name]+="$((e - s))e-6 "
	C[$name]+="$((CPU_US - c))e-6 "
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
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ---------------------------------------------------------------------
median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# ratios A B: the per-iteration ratios A[i]/B[i].
ratios() { paste -d' ' <(printf '%s\n' ${T[$1]}) <(printf '%s\n' ${T[$2]}) | awk '{printf "%.4f ", $1 / $2}'; }
mr() { median "$(ratios "$1" "$2")"; }
printf '\n  %-44s %7s  %7s\n' "medians of $N runs, seconds" wall cpu
row() { printf '  %-44s %7.3f  %7.3f\n' "$1" "$(median "${T[$2]}")" "$(median "${C[$2]}")"; }
row "servin-image pull + unpack" servin_cold
row "skopeo copy + umoci unpack" peer_cold
row "floor: parallel curl + tar -xzf" floor_cold
row "  servin-image pull" servin_pull
row "  servin-image unpack" servin_unpack
row "  skopeo copy" skopeo_copy
row "  umoci unpack" umoci_unpack
row "  parallel curl of the blobs" curl_get
row "  tar -xzf of each layer" tar_xzf
row "re-pull: servin-image pull (image present)" servin_repull
row "re-pull: skopeo copy (image present)" peer_repull
row "re-pull floor: curl of the manifest" floor_repull
printf 'median of per-iteration wall-time ratios\n'
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
echo "$(nproc) CPUs; load average before $LOAD0, after $LOAD1 (other load on the host makes wall times noisy and hides parallel gains)"
