#!/bin/sh
# swap_run.sh - record the swap scenarios (issue #15) against this machine's kernel:
# creates a 64 MiB swap file under /tmp, swapon, runs swap_pageout, swapoff, deletes the file.
# Needs root. Refuses when zswap is on (the scenarios expect it off, as on this machine class)
# or when another swap area is active (SwapFree deltas would mix).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${ORACLE_OUT:-$root/reference/kernel-6.18}
build=${ORACLE_BUILD:-$here/bin}
[ "$(id -u)" = 0 ] || { echo "swap_run.sh: must run as root" >&2; exit 1; }
[ "$(cat /sys/module/zswap/parameters/enabled 2>/dev/null || echo N)" = N ] || { echo "swap_run.sh: zswap is on" >&2; exit 1; }
[ "$(wc -l < /proc/swaps)" = 1 ] || { echo "swap_run.sh: another swap area is active" >&2; exit 1; }
mkdir -p "$build" "$out"
${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$build/swap_pageout" "$here/swap_pageout.c"
f=$(mktemp /tmp/mmlab-swap.XXXXXX)
trap 'swapoff "$f" 2>/dev/null || true; rm -f "$f"' EXIT
dd if=/dev/zero of="$f" bs=1M count=64 status=none
chmod 600 "$f"
mkswap -q "$f"
swapon "$f"
cat /proc/swaps >&2
"$build/swap_pageout" > "$out/swap-pageout.json"
echo "wrote $out/swap-pageout.json" >&2
