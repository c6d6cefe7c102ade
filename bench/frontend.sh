#!/usr/bin/env bash
# bench/frontend.sh: `servin run --rm busybox true` end to end (image store →
# rootfs → config.json → monitor → runtime → exit code → removal) against
# `podman run --rm` of the same image with the same runtime (crun), and a
# bare `crun run` of a prepared bundle (the floor: no image handling, no
# monitor). Run by `make bench-frontend` (after `make build`) as root.
# Speed is reported as medians and ratios, never asserted.
#
# Tools, alternated A B C D A B C D ... so machine drift hits all alike:
#   servin        servin run --rm (default runtime servin-run)
#   servin-crun   servin --runtime crun run --rm
#   podman        podman run --rm --network none --runtime crun, nofile 1024 as servin
#                 as servin's default (private
#                 --root/--runroot under the work directory; the image is
#                 loaded from a docker-archive saved by servin-image)
#   crun          crun run of a bundle with the same rootfs and /bin/true
#
# Environment: BENCH_N (iterations, default 20), SERVIN_BIN (directory with
# servin, servin-run, servin-image; default bin), PODMAN, CRUN.
#
# crun 1.8 refuses containers on a cgroup v1 "hybrid" host, so the script
# re-executes itself in a private mount namespace where
# /sys/fs/cgroup/unified is unmounted (as bench/runtime.sh does).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${SERVIN_BENCH_INNER:-}" ]]; then
	[[ $(id -u) == 0 ]] || { echo "bench/frontend.sh: must run as root" >&2; exit 1; }
	export SERVIN_BENCH_INNER=1
	exec unshare --mount --propagation private bash "$0" "$@"
fi
if [[ $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) == tmpfs ]] && mountpoint -q /sys/fs/cgroup/unified; then
	umount /sys/fs/cgroup/unified
	echo "# private mount namespace: /sys/fs/cgroup/unified unmounted (hybrid host; crun refuses hybrid mode)"
fi

N=${BENCH_N:-20}
BIN=${SERVIN_BIN:-$ROOT/bin}
PODMAN=${PODMAN:-$(command -v podman || true)}
CRUN=${CRUN:-$(command -v crun || true)}
TMP=$(mktemp -d /tmp/servin-fe-bench.XXXXXX)
chmod 0755 "$TMP"
SROOT=$TMP/servin
PODMAN_ARGS=(--root "$TMP/podman" --runroot "$TMP/podman-run" --storage-driver vfs --cgroup-manager cgroupfs --events-backend none)

cleanup() {
	for id in $("$BIN/servin" --root "$SROOT" ls -aq 2>/dev/null); do
		"$BIN/servin" --root "$SROOT" rm -f "$id" >/dev/null 2>&1 || true
	done
	if [[ -n $PODMAN ]]; then
		"$PODMAN" "${PODMAN_ARGS[@]}" rm -af >/dev/null 2>&1 || true
		"$PODMAN" "${PODMAN_ARGS[@]}" system reset -f >/dev/null 2>&1 || true
	fi
	rm -rf "$TMP"
}
. "$(dirname "$0")/cgroups.sh"
trap 'cleanup; cg_cleanup' EXIT
trap 'exit 130' INT TERM

# --- fixtures ----------------------------------------------------------------
rootfs=$TMP/bundle/rootfs
mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [[ $a == busybox ]] || ln -s busybox "$rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\n' >"$rootfs/etc/group"
tar -C "$rootfs" -cf "$TMP/rootfs.tar" .
"$BIN/servin-image" --root "$SROOT" import "$TMP/rootfs.tar" busybox >/dev/null
export SERVIN_LOG_FILE=$TMP/servin.log

TOOLS=(servin)
if [[ -n $CRUN ]]; then
	TOOLS+=(servin-crun crun)
	(cd "$TMP/bundle" && "$CRUN" spec)
	sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"\/bin\/true"/' "$TMP/bundle/config.json"
fi
if [[ -n $PODMAN && -n $CRUN ]]; then
	"$BIN/servin-image" --root "$SROOT" save --format docker-archive -o "$TMP/bb-docker.tar" busybox
	"$PODMAN" "${PODMAN_ARGS[@]}" load -q -i "$TMP/bb-docker.tar" >/dev/null
	TOOLS+=(podman)
else
	echo "# podman or crun missing: podman not measured"
fi

run_tool() {
	case $1 in
	servin) "$BIN/servin" --root "$SROOT" run --rm busybox true ;;
	servin-crun) "$BIN/servin" --root "$SROOT" --runtime "$CRUN" run --rm busybox true ;;
	podman) "$PODMAN" "${PODMAN_ARGS[@]}" run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --runtime "$CRUN" docker.io/library/busybox:latest true ;;
	crun) "$CRUN" --root "$TMP/crun-state" run --bundle "$TMP/bundle" "bench-$RANDOM$RANDOM" ;;
	esac
}

# --- measure -----------------------------------------------------------------
declare -A TIMES
for t in "${TOOLS[@]}"; do run_tool "$t" >/dev/null || { echo "$t failed" >&2; exit 1; }; done # warm up
for ((i = 0; i < N; i++)); do
	for t in "${TOOLS[@]}"; do
		s=$(date +%s%N)
		run_tool "$t" >/dev/null
		e=$(date +%s%N)
		TIMES[$t]+="$(((e - s) / 1000)) "
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A MED
echo "# run --rm busybox true, N=$N, median wall time"
for t in "${TOOLS[@]}"; do
	MED[$t]=$(echo "${TIMES[$t]}" | median)
	printf '%-12s %8.1f ms\n' "$t" "$(echo "${MED[$t]} / 1000" | bc -l)"
done
ratio() { [[ -n ${MED[$1]:-} && -n ${MED[$2]:-} ]] && printf '%-24s %6.2fx\n' "$1/$2" "$(echo "${MED[$1]} / ${MED[$2]}" | bc -l)"; return 0; }
ratio servin podman
ratio servin-crun podman
ratio servin-crun crun
ratio servin crun
