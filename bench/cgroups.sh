# Sourced by the benchmarks: remember which parent cgroups the runtimes and
# engines leave behind (/servin, /libpod_parent, /default) existed before
# the run, and remove the ones the run created (empty directories only).
cg_before=$(ls -d /sys/fs/cgroup/*/servin /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/*/default 2>/dev/null || true)
cg_cleanup() {
	local d
	for d in /sys/fs/cgroup/*/servin /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/*/default; do
		[ -d "$d" ] || continue
		case " $(echo $cg_before) " in *" $d "*) continue ;; esac
		find "$d" -depth -type d -print 2>/dev/null | while read -r x; do rmdir "$x" 2>/dev/null || true; done
	done
}
