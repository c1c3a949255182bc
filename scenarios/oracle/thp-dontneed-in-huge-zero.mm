# thp-dontneed-in-huge-zero (brief item A9b): MADV_DONTNEED of one 4 KiB page inside a huge-zero
# PMD splits the PMD into 512 PTEs on the 4 KiB zero page and zaps one of them.
# Real-kernel record: reference/kernel-6.18/thp-dontneed-in-huge-zero.json (tools/oracle/thp.c
# dontneed-huge-zero), checked field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault. `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2 thp=madvise use_zero_page=1 huge_zero=dynamic
boot
# The huge zero folio already existed on the oracle's machine (see thp-zero-page-alloc.mm).
spawn W
W mmap w 2M rw at=0x100000000000
W madvise w 0 2M hugepage
W read w 0 2M 4K
W exit
spawn A
#@ before_mmap
A mmap r1 4M rw at=0x100000000000        # slot 0: two PMDs, alone in its PGD entry
A madvise r1 0 4M hugepage
#@ after_mmap
# Kernel: 2 minor faults, two huge zero PMDs.
A read r1 0 4M 4K
#@ after_read_all
expect /proc/A/stat:10 == 3
# Kernel: thp_split_pmd +1; pages 0-4 and 6-511 now on the 4 KiB zero page, page 5 not present;
# RSS and VmPTE unchanged (the deposited table became the PTE table).
A madvise r1 20K 4K dontneed
#@ after_dontneed_page_5
expect /proc/A/stat:10 == 3
expect /proc/vmstat:thp_split_pmd == 1
expect /proc/A/status:VmPTE == 28
# Kernel: 1 fault, page 5 back on the 4 KiB zero page.
A read r1 20K 4K 4K
#@ after_reread_page_5
expect /proc/A/stat:10 == 4
# Kernel: 1 fault, an ordinary 4 KiB anonymous page (RssAnon +4 kB), no THP.
A write r1 24K 4K 4K 1
#@ after_write_page_6
expect /proc/A/stat:10 == 5
expect /proc/A/status:RssAnon == 8
# Kernel: 1 fault inside the second huge zero PMD: a THP (thp_fault_alloc +1, RssAnon +2048 kB).
A write r1 2400K 4K 4K 1
#@ after_write_page_600
expect /proc/A/stat:10 == 6
expect /proc/A/status:RssAnon == 2056
