#!/bin/sh
# file_reclaim_run.sh - record reference/kernel-6.18/file-reclaim.json (issue #15): a 64 MiB swap
# file under /tmp, swapon, a fresh v1 memory cgroup (no memory.reclaim on v1: file_reclaim lowers
# memory.limit_in_bytes), file_reclaim run twice (the record keeps the first; the second must
# agree), then both removed. Needs root; refuses when zswap is on, another swap area is active, or
# MGLRU is on.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${ORACLE_OUT:-$root/reference/kernel-6.18}
build=${ORACLE_BUILD:-$here/bin}
[ "$(id -u)" = 0 ] || { echo "file_reclaim_run.sh: must run as root" >&2; exit 1; }
[ "$(cat /sys/module/zswap/parameters/enabled 2>/dev/null || echo N)" = N ] || { echo "file_reclaim_run.sh: zswap is on" >&2; exit 1; }
[ "$(wc -l < /proc/swaps)" = 1 ] || { echo "file_reclaim_run.sh: another swap area is active" >&2; exit 1; }
if [ -e /sys/kernel/mm/lru_gen/enabled ] && [ "$(cat /sys/kernel/mm/lru_gen/enabled)" != 0x0000 ]; then
	echo "file_reclaim_run.sh: MGLRU is on (the record is of the classic LRU)" >&2; exit 1
fi
memcg=/sys/fs/cgroup/memory
[ -d "$memcg" ] || { echo "file_reclaim_run.sh: no v1 memory cgroup hierarchy at $memcg" >&2; exit 1; }
mkdir -p "$build" "$out"
${CC:-cc} -O2 -std=c11 -Wall -Wextra -pthread -o "$build/file_reclaim" "$here/file_reclaim.c"
f=$(mktemp /tmp/mmlab-swap.XXXXXX)
cg="$memcg/mmlab-file.$$"
trap 'swapoff "$f" 2>/dev/null || true; rm -f "$f"; rmdir "$cg"* 2>/dev/null || true' EXIT
dd if=/dev/zero of="$f" bs=1M count=64 status=none
chmod 600 "$f"
mkswap -q "$f"
swapon "$f"
for run in 1 2; do
	mkdir "$cg.$run"
	FILE_CGROUP="$cg.$run" timeout 120 "$build/file_reclaim" > "$build/file-reclaim.$run.json"
done
cp "$build/file-reclaim.1.json" "$out/file-reclaim.json"
echo "wrote $out/file-reclaim.json (run 2: $build/file-reclaim.2.json)" >&2
