# thp-zero-page-alloc-first-of-boot (brief item A10): when is the huge zero folio allocated, and when freed? The
# parent never maps a region itself: each reader child gets a 2 MiB MADV_HUGEPAGE mapping by fork()
# and reads its 512 pages (one huge zero PMD).
# Real-kernel record: reference/kernel-6.18/thp-zero-page-alloc-first-of-boot.json (tools/oracle/thp_zero_alloc.c with
# ORACLE_DROP_SLAB=1), checked field by field by tests/oracle.test.ts.
#
# CONFIG_PERSISTENT_HUGE_ZERO_FOLIO is not set on the oracle's kernel: huge_zero=dynamic, so the
# folio is allocated on first use (thp_zero_page_alloc +1), kept by the shrinker's reference after
# its users exit, and freed by the "thp-zero" shrinker (drop_caches) once nobody else holds it.
# `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2 thp=madvise use_zero_page=1 huge_zero=dynamic
boot
# This record was taken right after boot: no huge zero folio yet, thp_zero_page_alloc 0.
spawn P
#@ at_start
expect /proc/vmstat:thp_zero_page_alloc == 0
expect huge_zero_refcount == 0
# Child A (slot 0): 1 fault maps the huge zero folio, allocated now (thp_zero_page_alloc +1).
P mmap ra 2M rw at=0x100000000000
P madvise ra 0 2M hugepage
P fork A
P munmap ra
#@ before_child_A_read
A read ra 0 2M 4K
#@ child_A_read
expect /proc/A/stat:10 == 1
expect huge_zero_refcount == 2
# Child B (slot 1), A still alive: a second mm takes a reference, no new allocation.
P mmap rb 2M rw at=0x108000000000
P madvise rb 0 2M hugepage
P fork B
P munmap rb
#@ before_child_B_read
B read rb 0 2M 4K
#@ child_B_read_while_A_alive
expect /proc/B/stat:10 == 1
expect huge_zero_refcount == 3
# Both exit: the folio stays, held by the shrinker's reference alone.
A exit
B exit
#@ after_both_exit
expect huge_zero_refcount == 1
# drop_caches frees it; child C (slot 2) allocates it again (thp_zero_page_alloc +1).
drop_caches
#@ after_drop_caches
expect huge_zero_refcount == 0
P mmap rc 2M rw at=0x110000000000
P madvise rc 0 2M hugepage
P fork C
P munmap rc
#@ before_child_C_read
C read rc 0 2M 4K
#@ after_child_C_read
expect /proc/C/stat:10 == 1
C exit
#@ at_end
