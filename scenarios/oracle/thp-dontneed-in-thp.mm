# thp-dontneed-in-thp (brief item A9c): MADV_DONTNEED of one 4 KiB page inside a PMD-mapped THP
# splits the PMD; the THP becomes partially mapped and is queued for deferred split.
# Real-kernel record: reference/kernel-6.18/thp-dontneed-in-thp.json (tools/oracle/thp.c
# dontneed-thp), checked field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault. `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2 thp=madvise use_zero_page=1 huge_zero=dynamic
boot
spawn A
#@ before_mmap
A mmap r1 4M rw at=0x100000000000        # slot 0: two PMDs, alone in its PGD entry
A madvise r1 0 4M hugepage
#@ after_mmap
# Kernel: 1 fault allocates one THP for pages 0..511 (thp_fault_alloc +1), RssAnon +2048 kB,
# VmPTE +12 kB (PUD + PMD + the deposited PTE table).
A write r1 0 2M 4K 1
#@ after_write_first_2MiB
expect /proc/A/stat:10 == 2
expect /proc/A/status:RssAnon == 2052
expect /proc/A/status:VmPTE == 24
# Kernel: thp_split_pmd +1, thp_deferred_split_page +1, nr_anon_transparent_hugepages -1,
# RssAnon -4 kB; the 511 remaining pages DIRTY (folio_set_dirty from the dirty PMD).
A madvise r1 20K 4K dontneed
#@ after_dontneed_page_5
expect /proc/A/stat:10 == 2
expect /proc/A/status:RssAnon == 2048
expect /proc/vmstat:thp_deferred_split_page == 1
# Kernel: 1 fault, page 5 on the 4 KiB zero page.
A read r1 20K 4K 4K
#@ after_reread_page_5
expect /proc/A/stat:10 == 3
# Kernel: 1 fault, a new 4 KiB anonymous page (RssAnon +4 kB).
A write r1 20K 4K 4K 1
#@ after_write_page_5
expect /proc/A/stat:10 == 4
expect /proc/A/status:RssAnon == 2052
# Kernel: the partially mapped THP is freed with the region (off the deferred split queue).
A munmap r1
#@ after_munmap
