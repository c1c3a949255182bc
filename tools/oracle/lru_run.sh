#!/bin/sh
# lru_run.sh - record the LRU reclaim scenario (issue #15) against this machine's kernel: a 64 MiB
# swap file under /tmp, swapon, a fresh v1 memory cgroup (this machine class mounts the memory
# controller on cgroup v1: no memory.reclaim, so lru_reclaim lowers memory.limit_in_bytes), runs
# lru_reclaim twice (the record keeps the first; the second must agree), then removes both.
# Needs root. Refuses when zswap is on, another swap area is active, or MGLRU exists and is on.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${ORACLE_OUT:-$root/reference/kernel-6.18}
build=${ORACLE_BUILD:-$here/bin}
[ "$(id -u)" = 0 ] || { echo "lru_run.sh: must run as root" >&2; exit 1; }
[ "$(cat /sys/module/zswap/parameters/enabled 2>/dev/null || echo N)" = N ] || { echo "lru_run.sh: zswap is on" >&2; exit 1; }
[ "$(wc -l < /proc/swaps)" = 1 ] || { echo "lru_run.sh: another swap area is active" >&2; exit 1; }
if [ -e /sys/kernel/mm/lru_gen/enabled ] && [ "$(cat /sys/kernel/mm/lru_gen/enabled)" != 0x0000 ]; then
	echo "lru_run.sh: MGLRU is on (the record is of the classic LRU)" >&2; exit 1
fi
memcg=/sys/fs/cgroup/memory
[ -d "$memcg" ] || { echo "lru_run.sh: no v1 memory cgroup hierarchy at $memcg" >&2; exit 1; }
mkdir -p "$build" "$out"
${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$build/lru_reclaim" "$here/lru_reclaim.c"
f=$(mktemp /tmp/mmlab-swap.XXXXXX)
cg="$memcg/mmlab-lru.$$"
trap 'swapoff "$f" 2>/dev/null || true; rm -f "$f"; rmdir "$cg"* 2>/dev/null || true' EXIT
dd if=/dev/zero of="$f" bs=1M count=64 status=none
chmod 600 "$f"
mkswap -q "$f"
swapon "$f"
for run in 1 2; do
	mkdir "$cg.$run"
	LRU_CGROUP="$cg.$run" "$build/lru_reclaim" > "$build/lru-reclaim.$run.json"
done
cp "$build/lru-reclaim.1.json" "$out/lru-reclaim.json"
echo "wrote $out/lru-reclaim.json (run 2: $build/lru-reclaim.2.json)" >&2
