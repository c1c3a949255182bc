# uffd-zeropage (#15): reference/kernel-6.18/uffd-zeropage.json (tools/oracle/uffd_zeropage.c,
# recorded by run.sh), compared field by field by tests/userfaultfd.test.ts.
# A userfaultfd context with UFFD_FEATURE_SIGBUS and no handler thread: UFFDIO_ZEROPAGE maps the
# shared zero page into the empty PTEs of the registered range; EEXIST where a PTE exists.
# (The record's length-0 call has no statement: a length is at least 1; tests/userfaultfd.test.ts
# makes it through userfaultfdZeropage().)
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
#@ before_mmap
A mmap r 64K rw at=0x100000000000
A mmap other 64K rw at=0x108000000000
A write r 0 4K 4K 1
A uffd register r 0 64K
#@ after_register
A uffd zeropage r 4K 28K
#@ pages_1_7
A uffd zeropage r 0 4K
#@ page_0_written
A uffd zeropage r 28K 12K
#@ pages_7_9
A uffd zeropage r 48K 4K
#@ page_12
A uffd zeropage r 32K 32K
#@ pages_8_15
A uffd zeropage 0x100000000001 0 4K
#@ unaligned_start
A uffd zeropage other 0 4K
#@ unregistered_mapping
A read r 0 52K 4K
#@ after_read_0_12
A write r 12K 4K 4K 2
#@ after_write_page_3
# The record reads the never-populated page 13 under a SIGBUS handler; here B (registered alike)
# reads its page 13 and is killed by SIGBUS, with no fault counted.
spawn B
B mmap r 64K rw at=0x100000000000
B uffd register r 0 64K
#@ b_registered
B read r 52K 4K 4K
#@ b_read_page_13
