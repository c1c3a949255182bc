# reference/kernel-6.18/swap-pageout.json (tools/oracle/swap_pageout.c, recorded by swap_run.sh):
# 256 pages, the first half written with byte 0 (zero-filled folios), the second with 0xab;
# MADV_PAGEOUT of all; read back; write back.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
swapon 64M
spawn A
A mmap r 1M rw
A write r 0 512K 4K 0
A write r 512K 512K 4K 0xab
#@ after_write
A madvise r 0 1M pageout
#@ after_madv_pageout
A read r 0 1M 4K
#@ after_read_back
A write r 0 1M 4K 0x5a
#@ after_write_back
