#!/usr/bin/env bash
# bench/runtime.sh: what a container costs with servin-run, runc and crun,
# against a bare-namespaces floor. Run by `make bench-runtime` (after `make
# build`), as root. Speed is reported as ratios to the peer tools, never
# asserted.
#
# Sections (each alternates the tools A B C D A B C D ... so drift in the
# machine hits all of them alike):
#   run         `<rt> run` of a busybox bundle whose process is /bin/true
#               (create + start + wait + delete) vs the floor
#               `unshare --fork --pid --mount --uts --ipc --net chroot ROOTFS /bin/true`
#   exec        `<rt> exec <id> /bin/true` into a running container vs the
#               floor `nsenter -t PID -m -u -i -n -p -r -w /bin/true`
#   concurrent  BENCH_CONCURRENT containers started at once; wall time and
#               CPU (user+sys) per container
# For each: the median of each tool, the median of the per-iteration ratios
# servin-run/crun, servin-run/runc, crun/floor (and runc/floor), and the peak
# RSS (largest ru_maxrss of any process of the tool's process tree).
#
# Environment: BENCH_N (iterations, default 30), BENCH_EXEC_N (default
# BENCH_N), BENCH_CONCURRENT (default 50), BENCH_CONC_ROUNDS (default 3),
# BENCH_SECTIONS (default "run exec concurrent"), SERVIN_RUN, RUNC, CRUN
# (paths; default bin/servin-run and the ones in PATH).
#
# crun 1.8 refuses every container on a cgroup v1 "hybrid" host ("cgroups in
# hybrid mode not supported"), so the whole benchmark re-executes itself in a
# private mount namespace where /sys/fs/cgroup/unified is unmounted; all tools
# run there, for fairness. The host's mounts are untouched.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)

if [[ -z "${SERVIN_BENCH_INNER:-}" ]]; then
	if [[ $(id -u) != 0 ]]; then
		echo "bench/runtime.sh: must run as root" >&2
		exit 1
	fi
	export SERVIN_BENCH_INNER=1
	exec unshare --mount --propagation private bash "$0" "$@"
fi

if [[ $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) == tmpfs ]] && mountpoint -q /sys/fs/cgroup/unified; then
	umount /sys/fs/cgroup/unified
	echo "# private mount namespace: /sys/fs/cgroup/unified unmounted (hybrid host; crun refuses hybrid mode)"
fi

N=${BENCH_N:-30}
EXEC_N=${BENCH_EXEC_N:-$N}
CONC=${BENCH_CONCURRENT:-50}
CONC_ROUNDS=${BENCH_CONC_ROUNDS:-3}
SECTIONS=${BENCH_SECTIONS:-run exec concurrent}
SERVIN_RUN=${SERVIN_RUN:-$ROOT/bin/servin-run}
RUNC=${RUNC:-$(command -v runc || true)}
CRUN=${CRUN:-$(command -v crun || true)}

TMP=$(mktemp -d /tmp/servin-bench.XXXXXX)
chmod 0755 "$TMP"
declare -A BIN=([servin-run]=$SERVIN_RUN [runc]=$RUNC [crun]=$CRUN)
RUNTIMES=()

cleanup() {
	local t id
	for t in servin-run runc crun; do
		[[ -n ${BIN[$t]} && -x ${BIN[$t]} && -d $TMP/state-$t ]] || continue
		for id in $("${BIN[$t]}" --root "$TMP/state-$t" list -q 2>/dev/null); do
			"${BIN[$t]}" --root "$TMP/state-$t" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	rm -rf "$TMP"
}
. "$(dirname "$0")/cgroups.sh"
trap 'cleanup; cg_cleanup' EXIT
trap 'exit 130' INT TERM

# --- helpers -----------------------------------------------------------------

# timed FILE KEY CMD...: run CMD under timeit, append "KEY wall rss user sys"
# to FILE; on failure print the command's stderr and return 1.
timed() {
	local file=$1 key=$2
	shift 2
	if ! "$TMP/timeit" "$@" >/dev/null 2>"$TMP/err"; then
		echo "  FAILED: $*" >&2
		grep -v '^wall_s=' "$TMP/err" | tail -n 5 | sed 's/^/    /' >&2
		return 1
	fi
	local line
	line=$(grep '^wall_s=' "$TMP/err" | tail -n 1)
	awk -v k="$key" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print k, v["wall_s"], v["maxrss_kb"], v["user_s"], v["sys_s"] }' <<<"$line" >>"$file"
}

# median FILE COLUMN [SCALE]
median() {
	awk -v c="$2" -v s="${3:-1}" '{ print $c * s }' "$1" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
			m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f\n", m }'
}

# maxcol FILE COLUMN
maxcol() { awk -v c="$2" 'BEGIN { m = 0 } $c > m { m = $c } END { print m }' "$1"; }

# ratio A B COLUMN: median over iterations of A/B (joined on the key).
ratio() {
	[[ -s $1 && -s $2 ]] || { echo "n/a"; return; }
	awk -v c="$3" 'NR == FNR { b[$1] = $c; next } ($1 in b) && b[$1] > 0 { print $c / b[$1] }' "$2" "$1" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
			m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2fx\n", m }'
}

print_ratios() { # SECTION COLUMN
	local sec=$1 col=$2 a b
	echo "  ratios (median of per-iteration ratios):"
	for pair in servin-run/crun servin-run/runc crun/floor runc/floor servin-run/floor; do
		a=${pair%/*} b=${pair#*/}
		[[ -s $TMP/$sec.$a && -s $TMP/$sec.$b ]] || { [[ $a == servin-run ]] && echo "    $pair: n/a (servin-run not measured)"; continue; }
		printf '    %-17s %s\n' "$pair" "$(ratio "$TMP/$sec.$a" "$TMP/$sec.$b" "$col")"
	done
}

# --- setup -------------------------------------------------------------------

echo "# building bench/cmd/timeit"
(cd "$ROOT" && go build -o "$TMP/timeit" ./bench/cmd/timeit)

BUNDLE=$TMP/bundle
ROOTFS=$BUNDLE/rootfs
mkdir -p "$ROOTFS/bin"
cp /bin/busybox "$ROOTFS/bin/busybox"
for applet in $("$ROOTFS/bin/busybox" --list); do
	[[ -e $ROOTFS/bin/$applet ]] || ln -s busybox "$ROOTFS/bin/$applet"
done
# config.json: runc's default spec with /bin/true, no terminal.
SPEC_TOOL=${RUNC:-$CRUN}
[[ -n $SPEC_TOOL ]] || { echo "bench/runtime.sh: need runc or crun for 'spec'" >&2; exit 1; }
(cd "$BUNDLE" && "$SPEC_TOOL" spec)
sed -i 's/"terminal": true/"terminal": false/; s/^\(\s*\)"sh"$/\1"\/bin\/true"/' "$BUNDLE/config.json"
grep -q '"/bin/true"' "$BUNDLE/config.json" && grep -q '"terminal": false' "$BUNDLE/config.json" ||
	{ echo "bench/runtime.sh: could not edit $BUNDLE/config.json" >&2; exit 1; }
# The exec bundle: same rootfs, a process that waits.
EXEC_BUNDLE=$TMP/bundle-exec
mkdir -p "$EXEC_BUNDLE"
sed 's|"/bin/true"|"/bin/sleep", "100000"|; s|"path": "rootfs"|"path": "'"$ROOTFS"'"|' "$BUNDLE/config.json" >"$EXEC_BUNDLE/config.json"

echo "# host: $(uname -r), $(nproc) CPUs; N=$N; sections: $SECTIONS"
for t in servin-run runc crun; do
	b=${BIN[$t]}
	if [[ -z $b || ! -x $b ]]; then
		echo "# $t: not found (${b:-not in PATH}); not measured"
		continue
	fi
	mkdir -p "$TMP/state-$t"
	# One warm-up run; a tool that cannot run the bundle is reported and dropped.
	if ! "$b" --root "$TMP/state-$t" run --bundle "$BUNDLE" "warmup-$t" </dev/null >"$TMP/warm.out" 2>&1; then
		echo "# $t ($b): cannot run the bundle; not measured:"
		tail -n 5 "$TMP/warm.out" | sed 's/^/#   /'
		"$b" --root "$TMP/state-$t" delete --force "warmup-$t" >/dev/null 2>&1 || true
		continue
	fi
	RUNTIMES+=("$t")
	echo "# $t: $b ($("$b" --version 2>/dev/null | head -n 1))"
done
[[ ${#RUNTIMES[@]} -gt 0 ]] || { echo "bench/runtime.sh: no runtime could run the bundle" >&2; exit 1; }

# drop TOOL: stop measuring a tool that failed mid-way.
drop() {
	local t=$1 kept=() x
	echo "# $t failed; dropped from the remaining iterations" >&2
	for x in "${RUNTIMES[@]}"; do [[ $x == "$t" ]] || kept+=("$x"); done
	RUNTIMES=("${kept[@]}")
}

# --- run ---------------------------------------------------------------------

section_run() {
	echo
	echo "== run: '<runtime> run' of /bin/true in a busybox bundle, $N iterations, alternating ${RUNTIMES[*]} floor"
	local i t
	for ((i = 1; i <= N; i++)); do
		for t in "${RUNTIMES[@]}"; do
			timed "$TMP/run.$t" "$i" "${BIN[$t]}" --root "$TMP/state-$t" run --bundle "$BUNDLE" "bench-run-$t-$i" </dev/null ||
				{ "${BIN[$t]}" --root "$TMP/state-$t" delete --force "bench-run-$t-$i" >/dev/null 2>&1 || true; drop "$t"; }
		done
		timed "$TMP/run.floor" "$i" unshare --fork --pid --mount --uts --ipc --net chroot "$ROOTFS" /bin/true </dev/null
	done
	printf '  %-11s %10s %10s %14s\n' tool median_ms cpu_ms peak_rss_kb
	for t in servin-run runc crun floor; do
		[[ -s $TMP/run.$t ]] || continue
		awk '{ print $1, $2, $3, $4 + $5 }' "$TMP/run.$t" >"$TMP/run.$t.cpu"
		printf '  %-11s %10s %10s %14s\n' "$t" "$(median "$TMP/run.$t" 2 1000)" "$(median "$TMP/run.$t.cpu" 4 1000)" "$(maxcol "$TMP/run.$t" 3)"
	done
	print_ratios run 2
}

# --- exec --------------------------------------------------------------------

section_exec() {
	echo
	local t pid="" i
	declare -A live=()
	for t in "${RUNTIMES[@]}"; do
		if "${BIN[$t]}" --root "$TMP/state-$t" run -d --bundle "$EXEC_BUNDLE" "bench-exec-$t" </dev/null >/dev/null 2>"$TMP/err"; then
			live[$t]=1
			[[ -n $pid ]] || pid=$("${BIN[$t]}" --root "$TMP/state-$t" state "bench-exec-$t" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -n 1)
		else
			echo "# $t: run -d failed; exec not measured: $(tail -n 1 "$TMP/err")"
		fi
	done
	if [[ -z $pid ]]; then
		echo "== exec: no running container; skipped"
		return
	fi
	echo "== exec: '<runtime> exec <id> /bin/true' into a running container, $EXEC_N iterations, alternating ${!live[*]} floor (nsenter into pid $pid)"
	for ((i = 1; i <= EXEC_N; i++)); do
		for t in "${RUNTIMES[@]}"; do
			[[ -n ${live[$t]:-} ]] || continue
			timed "$TMP/exec.$t" "$i" "${BIN[$t]}" --root "$TMP/state-$t" exec "bench-exec-$t" /bin/true </dev/null ||
				unset "live[$t]"
		done
		timed "$TMP/exec.floor" "$i" nsenter -t "$pid" -m -u -i -n -p -r -w /bin/true </dev/null
	done
	for t in "${RUNTIMES[@]}"; do
		"${BIN[$t]}" --root "$TMP/state-$t" delete --force "bench-exec-$t" >/dev/null 2>&1 || true
	done
	printf '  %-11s %10s %10s %14s\n' tool median_ms cpu_ms peak_rss_kb
	for t in servin-run runc crun floor; do
		[[ -s $TMP/exec.$t ]] || continue
		awk '{ print $1, $2, $3, $4 + $5 }' "$TMP/exec.$t" >"$TMP/exec.$t.cpu"
		printf '  %-11s %10s %10s %14s\n' "$t" "$(median "$TMP/exec.$t" 2 1000)" "$(median "$TMP/exec.$t.cpu" 4 1000)" "$(maxcol "$TMP/exec.$t" 3)"
	done
	print_ratios exec 2
}

# --- concurrent --------------------------------------------------------------

section_concurrent() {
	echo
	echo "== concurrent: $CONC containers started at once, $CONC_ROUNDS rounds, alternating ${RUNTIMES[*]} floor"
	local r t script
	# The launcher script: start $CONC at once, wait, exit with the number
	# that failed. Its own (small, equal) cost is included for every tool.
	script=$TMP/launch.sh
	cat >"$script" <<'EOF'
n=$1; shift
pids=()
for ((i = 1; i <= n; i++)); do
	"${@//@ID@/c$i}" </dev/null >/dev/null 2>&1 &
	pids+=($!)
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=$((fail + 1)); done
exit $fail
EOF
	for ((r = 1; r <= CONC_ROUNDS; r++)); do
		for t in "${RUNTIMES[@]}"; do
			timed "$TMP/conc.$t" "$r" bash "$script" "$CONC" "${BIN[$t]}" --root "$TMP/state-$t" run --bundle "$BUNDLE" "bench-conc-$t-$r-@ID@" ||
				{ cleanup_conc "$t"; drop "$t"; }
		done
		timed "$TMP/conc.floor" "$r" bash "$script" "$CONC" unshare --fork --pid --mount --uts --ipc --net chroot "$ROOTFS" /bin/true
	done
	printf '  %-11s %10s %18s\n' tool wall_ms cpu_ms_per_ctr
	for t in servin-run runc crun floor; do
		[[ -s $TMP/conc.$t ]] || continue
		awk -v n="$CONC" '{ print $1, $2, $3, ($4 + $5) / n }' "$TMP/conc.$t" >"$TMP/conccpu.$t"
		printf '  %-11s %10s %18s\n' "$t" "$(median "$TMP/conc.$t" 2 1000)" "$(median "$TMP/conccpu.$t" 4 1000)"
	done
	echo "  wall time"
	print_ratios conc 2
	echo "  CPU per container"
	print_ratios conccpu 4
}

cleanup_conc() {
	local id
	for id in $("${BIN[$1]}" --root "$TMP/state-$1" list -q 2>/dev/null); do
		"${BIN[$1]}" --root "$TMP/state-$1" delete --force "$id" >/dev/null 2>&1 || true
	done
}

for s in $SECTIONS; do
	case $s in
	run) section_run ;;
	exec) section_exec ;;
	concurrent) section_concurrent ;;
	*) echo "bench/runtime.sh: unknown section $s" >&2; exit 2 ;;
	esac
done
