# thp-fork-child-writes (brief item A9d): fork() of a process with one PMD-mapped THP, then a
# one-byte write by the child and then by the parent.
# Real-kernel record: reference/kernel-6.18/thp-fork-child-writes.json (tools/oracle/thp.c
# fork-thp), checked field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus each process's start: a spawned process has a
# 132 kB [stack] with one written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault; a forked
# child starts its own fault count at 0. `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2 thp=madvise use_zero_page=1 huge_zero=dynamic
boot
spawn A
A mmap r1 4M rw at=0x100000000000        # slot 0: two PMDs, alone in its PGD entry
A madvise r1 0 4M hugepage
#@ before_write
# Kernel: 1 fault, one THP (thp_fault_alloc +1), AnonHugePages 2048.
A write r1 0 2M 4K 1
#@ parent_after_write_first_2MiB
expect /proc/A/stat:10 == 2
expect /proc/A/smaps:AnonHugePages == 2048
# Kernel: copy_huge_pmd shares the THP: both AnonHugePages 2048, Shared_Dirty 2048, kpagecount 2,
# no PG_anon_exclusive, bit 56 clear.
A fork B
#@ right_after_fork
expect /proc/B/smaps:AnonHugePages == 2048
# Kernel: 1 fault in the child: the PMD is split (thp_split_pmd +1) and page 0 copied; no new THP.
B write r1 0 4K 4K 2
#@ after_child_writes_page_0
expect /proc/B/stat:10 == 1
expect /proc/B/smaps:AnonHugePages == 0
# Kernel: 1 fault in the parent: split too (thp_split_pmd +1), page 0 copied; the THP is now
# partially mapped in both (thp_deferred_split_page +1, nr_anon_transparent_hugepages -1).
A write r1 0 4K 4K 3
#@ after_parent_writes_page_0
expect /proc/A/stat:10 == 3
# Kernel: no faults; the child sums 2 + 511, the parent 3 + 511.
B read r1 0 2M 4K
#@ after_child_read
A read r1 0 2M 4K
#@ after_parent_read
B exit
#@ after_child_exit
expect /proc/A/smaps:Private_Dirty == 2052
