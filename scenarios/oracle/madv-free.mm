# reference/kernel-6.18/madv-free.json (tools/oracle/lazyfree.c, recorded by run.sh): 64 pages
# written, MADV_FREE (62 folios reach the file LRU, 2 wait in the CPU's lazyfree batch), read,
# 16 pages rewritten, MADV_PAGEOUT without swap (48 discarded, 16 kept), read back; MADV_FREE
# of shared anonymous memory is EINVAL.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A mmap r 256K rw
A write r 0 256K 4K 0xab
#@ after_write
A madvise r 0 256K free
#@ after_madv_free
expect /proc/A/smaps:LazyFree == 248
A read r 0 256K 4K
#@ after_read
A write r 0 64K 4K 0x5a
#@ after_write_some
expect /proc/A/smaps:LazyFree == 184
A madvise r 0 256K pageout
#@ after_madv_pageout
expect /proc/A/smaps:LazyFree == 0
A checksum r 0 256K
#@ after_read_back
expect dump_sum == 1440
A mmap s 64K rw shared
A write s 0 64K 4K 1
A madvise s 0 64K free
