#!/usr/bin/env bash
# The README's main job, end to end with no network: build a busybox image
# from the host's static busybox, import it into servin's store, and run a
# container from it with the servin front-end (overlay rootfs, monitor,
# logs, servin-run underneath); then the same bundle with servin-run alone.
set -euo pipefail
BINDIR=${BINDIR:-$(dirname "$(command -v servin)")}
work=$(mktemp -d /tmp/servin-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
cp /bin/busybox "$rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
tar -C "$rootfs" -czf "$work/busybox.tar.gz" .

"$BINDIR/servin" image import "$work/busybox.tar.gz" servin-demo/busybox:latest --change 'CMD ["sh"]' >/dev/null
"$BINDIR/servin" run --rm --name "servin-demo-$$" servin-demo/busybox \
	sh -c 'echo "hello from $(hostname) in a servin container: pid $$, $(id)"; uname -sr'
"$BINDIR/servin" image rm servin-demo/busybox >/dev/null
