# ranges-thp-reuse (issue #14 item 4, issue #13 item 7): write faults on a THP that only this
# process maps, after a split and a fork; MADV_NOHUGEPAGE on 4 KiB of a THP, fork, exit.
# Real-kernel record: reference/kernel-6.18/ranges-thp-reuse.json (tools/oracle/ranges.c
# thp-reuse), checked field by field by tests/oracle.test.ts.
machine ram=1G cpus=2
boot
spawn A

A mmap t 4M rw at=0x100000000000
A madvise t 0 4M hugepage
#@ before_write_two_thps
A write t 0 4M 2M 1                   # kernel: 2 faults, 2 THPs
#@ after_write_two_thps
A munmap t 2044K 4K                   # kernel: the first THP's PMD is split, deferred split queued
#@ after_munmap
A fork B
#@ before_page1
A write t 4K 4K 4K 2                  # kernel: copy (the child still maps the folio)
#@ after_page1
B exit
#@ before_page2
A write t 8K 4K 4K 3                  # kernel: reuse (pgreuse +1, same pfn)
#@ after_page2
A write t 12K 2032K 4K 4              # kernel: 508 faults, every one a reuse
#@ after_pages_3_510
A write t 2M 4K 4K 5                  # kernel: the PMD-mapped THP is reused (no pgreuse)
#@ after_thp2

A mmap u 2M rw at=0x108000000000
A madvise u 0 2M hugepage
A write u 0 4K 4K 1
#@ before_nohuge
A madvise u 4K 4K nohugepage          # kernel: thp_split_pmd +1, three VMAs
#@ after_nohuge
A fork C
#@ after_fork_nohuge
C exit
A exit
#@ all_exited
