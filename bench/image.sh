#!/usr/bin/env bash
# Pull benchmark: servin-image pull vs skopeo copy vs a plain parallel HTTP
# GET of the same blobs, from a local docker-registry on 127.0.0.1.
#
# Builds a ≈40 MB image locally (a busybox base plus 4 layers of ~1000 small
# incompressible files each, added with umoci insert), pushes it with
# servin-image, then runs the three pulls alternately RUNS times and prints
# median times and the ratios servin/skopeo and servin/http.
#
# Needs: bin/servin-image (make build), docker-registry, skopeo, umoci, curl,
# busybox-static, awk, shuf. The unpack half (servin unpack vs umoci unpack) is added
# once the unpack package is merged.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SERVIN_IMAGE:-$PWD/bin/servin-image}
RUNS=${RUNS:-5}
LAYERS=${LAYERS:-4}
FILES=${FILES:-1000}
FILE_KB=${FILE_KB:-10}
JOBS=${JOBS:-4}

for t in docker-registry skopeo umoci curl; do
	command -v "$t" >/dev/null || { echo "bench/image.sh: $t not installed" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "bench/image.sh: $BIN missing (make build)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/servin-bench-image.XXXXXX)
REG_PID=
cleanup() {
	[ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

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

# --- test image ----------------------------------------------------------------
ROOT=$WORK/root
mkdir -p "$WORK/rootfs/bin"
cp /bin/busybox "$WORK/rootfs/bin/"
ln -s busybox "$WORK/rootfs/bin/sh"
tar -C "$WORK/rootfs" -cf "$WORK/base.tar" .
"$BIN" --root "$ROOT" import "$WORK/base.tar" bench:latest >/dev/null
for l in $(seq "$LAYERS"); do
	d=$WORK/layer$l/data$l
	mkdir -p "$d"
	for f in $(seq "$FILES"); do
		head -c $((FILE_KB * 1024)) /dev/urandom >"$d/f$f"
	done
	umoci insert --image "$ROOT/images:docker.io/library/bench:latest" "$d" "/data$l" >/dev/null
done
"$BIN" --root "$ROOT" push -q bench:latest "$REG/bench:v1"
SIZE=$("$BIN" --root "$ROOT" inspect -f '{{.Size}}' bench:latest)
BLOBS=$("$BIN" --root "$ROOT" inspect -f '{{range .Layers}}{{.Digest}} {{end}}' bench:latest)
CONFIG=$("$BIN" --root "$ROOT" inspect -f '{{.ID}}' bench:latest)
echo "image: $(echo "$BLOBS" | wc -w) layers, $((SIZE / 1000000)) MB, registry $REG"

# --- timed runs ----------------------------------------------------------------
now() { date +%s.%N; }
run_servin() { local r=$WORK/pull-servin; rm -rf "$r"; "$BIN" --root "$r" pull -q --jobs "$JOBS" "$REG/bench:v1" >/dev/null; }
run_skopeo() { local d=$WORK/pull-skopeo; rm -rf "$d"; skopeo copy -q --src-tls-verify=false "docker://$REG/bench:v1" "oci:$d:v1" >/dev/null; }
run_http() {
	local d=$WORK/pull-http; rm -rf "$d"; mkdir -p "$d"
	curl -fsS -o "$d/manifest" -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/bench/manifests/v1"
	printf '%s\n' $BLOBS "$CONFIG" | xargs -P "$JOBS" -I{} curl -fsS -o "$d/{}" "http://$REG/v2/bench/blobs/{}"
}
declare -A T
for i in $(seq "$RUNS"); do
	for tool in servin skopeo http; do
		s=$(now); "run_$tool"; e=$(now)
		T[$tool]+="$(awk -v s="$s" -v e="$e" 'BEGIN {print e - s}') "
	done
done
median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ms=$(median "${T[servin]}"); mk=$(median "${T[skopeo]}"); mh=$(median "${T[http]}")
printf 'median of %d runs: servin-image pull %.3fs, skopeo copy %.3fs, parallel HTTP GET %.3fs\n' "$RUNS" "$ms" "$mk" "$mh"
awk -v s="$ms" -v k="$mk" -v h="$mh" 'BEGIN {printf "ratio servin/skopeo %.2f, servin/http %.2f\n", s / k, s / h}' 
