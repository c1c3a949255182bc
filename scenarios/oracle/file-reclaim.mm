# file-reclaim (issue #15): reclaim with a mapped file's clean page cache and swappable anonymous
# memory. Real-kernel record: reference/kernel-6.18/file-reclaim.json (tools/oracle/file_reclaim.c,
# run by file_reclaim_run.sh: a swap file and a v1 memory cgroup whose limit is lowered by 512 KiB),
# checked by tests/file.test.ts. The model reclaims the node (`reclaim 512K`, the same
# shrink_lruvec loop a cgroup's limit reclaim runs over the cgroup).
# `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
swapon 64M
spawn A
A mmap an 1M rw at=0x100000000000
A write an 0 1M 4K 0xab
file f 1M disk fill=0x5a read_ahead_kb=8192
A mmap r 1M r file=f at=0x108000000000
A read r 0 1M 4K
#@ before
# Kernel: 130 file pages reclaimed (pgsteal_file), nothing swapped (pswpout 0, pgsteal_anon 0):
# 126 of the file's pages still cached and mapped, the 256 anonymous pages all present.
reclaim 512K
#@ after_limit
