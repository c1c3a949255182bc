# reference/kernel-6.18/lru-reclaim.json (tools/oracle/lru_reclaim.c, recorded by lru_run.sh):
# 256 zero-filled anonymous pages in a v1 memory cgroup, reclaimed by lowering its limit (this
# machine class has no cgroup v2 memory controller, so no memory.reclaim). Phase A's 128 KiB came
# out of the cgroup's per-CPU charge stock (no anon scanned); the touch of pages 0..63 found them
# young already; phase B reclaimed 44 pages (pgsteal_anon). `reclaim 176K` asks the emulator for
# those 44 pages (the node's proactive reclaim; its batches of at least 32 take 60).
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
swapon 64M
spawn A
A mmap r 1M rw
A write r 0 1M 4K 0
#@ after_write
A read r 0 256K 4K
#@ after_touch
reclaim 176K
#@ after_reclaim_b
A read r 0 1M 4K
#@ after_read_all
