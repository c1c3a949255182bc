# thp-underused-split (#15): reference/kernel-6.18/thp-underused-split.json (tools/oracle/thp_underused.c
# 409, recorded by run.sh), compared field by field by tests/oracle.test.ts.
# Every THP a fault allocates waits on the deferred split queue; drop_caches runs the
# thp-deferred_split shrinker, whose thp_underused() splits a THP with more than max_ptes_none
# zero-filled 4 KiB pages and maps those pages to the shared zero page (RSS drops).
# PMD 0: 5 pages written (page 4 written with byte 0: still zero-filled); PMD 1: 312 written;
# PMD 2: every page written with byte 0.
machine arch=x86_64 ram=1G cpus=2 thp=madvise max_ptes_none=409
boot
spawn A
#@ before_mmap
A mmap r1 6M rw at=0x100000000000
A madvise r1 0 6M hugepage
#@ after_mmap
A write r1 0 4K 4K 17
#@ after_write_pmd0_first
A write r1 4K 4K 4K 18
A write r1 8K 4K 4K 19
A write r1 12K 4K 4K 20
A write r1 1200K 4K 4K 21
A write r1 16K 4K 4K 0
#@ after_write_pmd0
A write r1 2M 1248K 4K 34
#@ after_write_pmd1
A write r1 4M 2M 4K 0
#@ after_writes
drop_caches
#@ after_drop_caches
A read r1 0 6M 4K
#@ after_read_all
A write r1 40K 4K 4K 68
#@ after_write_page_10
drop_caches
#@ after_second_drop_caches
