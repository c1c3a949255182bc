#!/bin/sh
# zswap_run.sh - record the zswap scenario (issue #15) against this machine's kernel: mounts
# debugfs if needed (for /sys/kernel/debug/zswap), creates a 64 MiB swap file under /tmp, swapon,
# turns zswap on, runs zswap, then turns zswap off again, swapoff, deletes the file.
# Needs root. Refuses when zswap is already on or another swap area is active.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${ORACLE_OUT:-$root/reference/kernel-6.18}
build=${ORACLE_BUILD:-$here/bin}
[ "$(id -u)" = 0 ] || { echo "zswap_run.sh: must run as root" >&2; exit 1; }
[ "$(cat /sys/module/zswap/parameters/enabled)" = N ] || { echo "zswap_run.sh: zswap is already on" >&2; exit 1; }
[ "$(wc -l < /proc/swaps)" = 1 ] || { echo "zswap_run.sh: another swap area is active" >&2; exit 1; }
[ -d /sys/kernel/debug/zswap ] || mount -t debugfs none /sys/kernel/debug
mkdir -p "$build" "$out"
${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$build/zswap" "$here/zswap.c"
f=$(mktemp /tmp/mmlab-swap.XXXXXX)
trap 'echo N > /sys/module/zswap/parameters/enabled; swapoff "$f" 2>/dev/null || true; rm -f "$f"' EXIT
dd if=/dev/zero of="$f" bs=1M count=64 status=none
chmod 600 "$f"
mkswap -q "$f"
swapon "$f"
echo Y > /sys/module/zswap/parameters/enabled
"$build/zswap" > "$out/zswap.json"
echo "wrote $out/zswap.json" >&2
