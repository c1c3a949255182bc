# fork-cow (brief item A1): fork(), then the CHILD writes every page first (it copies), then the
# PARENT writes every page (it reuses its old pages in place).
# Real-kernel record: reference/kernel-6.18/fork-cow.json (tools/oracle/fork_cow.c child-first),
# checked field by field by tests/oracle.test.ts.
#
# `expect` lines hold what Linux 6.18 did. The language reads whole-process values, so each one is
# the kernel's delta plus this process's starting point: a spawned process has a 132 kB [stack]
# with one written page (VmRSS/RssAnon 4 kB, VmPTE 12 kB for its PUD, PMD and PTE tables) and has
# taken 1 minor fault; a forked child starts its own fault count at 0.
# Lines `#@ <name>` mark where the test takes its snapshots (the JSON's phases).
machine ram=1G cpus=2
boot
spawn A
#@ before_mmap
# Slot 0 (0x100000000000): alone in its PGD entry, so its first touch allocates its own PUD, PMD
# and 8 PTE tables, exactly as the oracle's MAP_FIXED_NOREPLACE mapping did.
A mmap r1 16M rw at=0x100000000000
#@ before_write
# Kernel: 4096 minor faults, RssAnon +16384 kB, VmPTE +40 kB (8 PTE + 1 PMD + 1 PUD table);
# every page anon, PG_anon_exclusive, pagemap bit 56 (mapped once), kpagecount 1.
A write r1 0 16M 4K 1
#@ parent_after_initial_write
expect /proc/A/stat:10 == 4097
expect /proc/A/status:VmSize == 16516
expect /proc/A/status:RssAnon == 16388
expect /proc/A/status:VmPTE == 52
# Kernel: fork copies all 4096 PTEs (the VMA has an anon_vma) and write-protects them in both.
# Both: kpagecount 2, PG_anon_exclusive 0, bit 56 0; smaps Rss 16384, Pss 8192, Shared_Dirty
# 16384, Private_Dirty 0. Neither status changes in the parent; the child's RssAnon and VmPTE
# equal the parent's.
A fork B
#@ right_after_fork
expect /proc/A/status:RssAnon == 16388
expect /proc/A/status:VmPTE == 52
expect /proc/B/status:RssAnon == 16388
expect /proc/B/status:VmPTE == 52
# Kernel: the child copies every page: minflt 4096, all 4096 child pfns new, parent pfns
# unchanged. Neither RssAnon nor VmPTE moves. The parent's pages now have kpagecount 1 and pagemap
# bit 56 at once, but PG_anon_exclusive (kpageflags bit 34) stays clear until the parent writes.
B write r1 0 16M 4K 2
#@ after_child_writes_first
expect /proc/B/stat:10 == 4096
expect /proc/B/status:RssAnon == 16388
# Kernel: the parent reuses every page (wp_page_reuse): minflt 4096, 0 pfns change, pgreuse
# +4096, PG_anon_exclusive back on all 4096.
A write r1 0 16M 4K 3
#@ after_parent_writes_second
expect /proc/A/stat:10 == 8193
expect /proc/A/status:RssAnon == 16388
expect /proc/vmstat:pgreuse == 4096
# Kernel: no faults; the child reads its 2s (byte sum 8192), the parent its 3s (12288).
B read r1 0 16M 4K
#@ after_child_read_all
A read r1 0 16M 4K
#@ after_parent_read_all
expect /proc/B/stat:10 == 4096
expect /proc/A/stat:10 == 8193
B exit                                   # kernel: child exit status 0
#@ after_child_exit
expect /proc/B/stat:52 == 0           # field 52, exit_code: the wait status waitpid() reaps
