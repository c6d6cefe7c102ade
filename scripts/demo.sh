#!/usr/bin/env bash
# The README's main job: build a busybox bundle from the host's static
# busybox (no network, no registry) and run a container in it.
set -euo pipefail
BIN=${BIN:-$(command -v servin-run || echo bin/servin-run)}
work=$(mktemp -d /tmp/servin-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev" "$work/rootfs/tmp" "$work/rootfs/etc"
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$work/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"
"$BIN" spec --bundle "$work"
sed -i 's/"terminal": true/"terminal": false/; s/"sh"$/"sh", "-c", "echo hello from $(hostname), pid $$ in its own namespaces; uname -a"/' "$work/config.json"
"$BIN" --root "$work/state" run --bundle "$work" "demo-$$"
