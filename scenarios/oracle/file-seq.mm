# file-seq (issue #15): a sequential read through a mapped 1 MiB file on a disk whose
# read_ahead_kb is 128 (a new block device's default). Real-kernel record:
# reference/kernel-6.18/file-seq.json (tools/oracle/file_seq.c, run by file_seq_run.sh on a
# loop-mounted ext4), checked by tests/file.test.ts.
# `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
spawn A
file f 1M disk fill=0x5a
A mmap r 1M r file=f at=0x100000000000
#@ before
# Kernel: one major fault; the read-around caches pages 0..31 and marks page 24 PG_readahead.
A read r 0 1 4K
#@ read_page0
# Kernel: no major fault: each time the reader reaches the marked page, the next 32 pages are read
# ahead (do_async_mmap_readahead); 12 minor faults (ext4's readahead grows its folios, and
# fault-around maps whole folios; the model's order-0 pages take 16: one per 64 KiB window).
A read r 4K 1020K 4K
#@ read_rest
