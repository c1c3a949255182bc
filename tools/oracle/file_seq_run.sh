#!/bin/sh
# file_seq_run.sh - record reference/kernel-6.18/file-seq.json: a sequential read through a
# mapped file on a loop-mounted ext4 whose device has read_ahead_kb 128 (the default of a new
# block device; this machine class's vda has 8192, which would read the whole file at once).
# Needs root (losetup, mount). Creates and removes its image, mount point and loop device.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${ORACLE_OUT:-$root/reference/kernel-6.18}
build=${ORACLE_BUILD:-$here/bin}
mkdir -p "$build" "$out"
${CC:-cc} -O2 -std=c11 -Wall -Wextra -pthread -o "$build/file_seq" "$here/file_seq.c"
work=$(mktemp -d "${TMPDIR:-/tmp}/mm-lab-file-seq.XXXXXX")
truncate -s 64M "$work/ext4.img"
mkfs.ext4 -q -F "$work/ext4.img"
mkdir "$work/mnt"
loop=$(losetup --find --show "$work/ext4.img")
cleanup() {
	umount "$work/mnt" 2>/dev/null || true
	losetup -d "$loop" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mount "$loop" "$work/mnt"
echo 128 >"/sys/block/$(basename "$loop")/queue/read_ahead_kb"
"$build/file_seq" "$work/mnt" >"$out/file-seq.json.tmp"
mv "$out/file-seq.json.tmp" "$out/file-seq.json"
echo "file-seq ok" >&2
