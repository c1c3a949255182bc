# reference/kernel-6.18/zswap.json (tools/oracle/zswap.c, recorded by zswap_run.sh):
# 256 pages of four kinds (zero-filled, one byte 0xab, all 0x5a, a pattern); zswap on;
# MADV_PAGEOUT of all; read back; MADV_PAGEOUT again; write back.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
swapon 64M
zswap on
spawn A
A mmap r 1M rw
A write r 0 256K 4K 0
A write r 256K 256K 4K 0xab
A write r 512K 256K 1 0x5a
A write r 768K 256K 16 0x11
A write r 768K 256K 7 0x22
#@ after_write
A madvise r 0 1M pageout
#@ after_madv_pageout
A read r 0 1M 4K
#@ after_read_back
A madvise r 0 1M pageout
#@ after_second_pageout
A write r 0 1M 4K 1
#@ after_write_back
