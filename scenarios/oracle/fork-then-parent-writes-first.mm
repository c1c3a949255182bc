# fork-then-parent-writes-first (brief item A2): fork(), then the PARENT writes every page first
# (it copies), then the CHILD writes (it reuses).
# Real-kernel record: reference/kernel-6.18/fork-then-parent-writes-first.json
# (tools/oracle/fork_cow.c parent-first), checked field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus this process's start: a spawned process has a
# 132 kB [stack] with one written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault; a forked
# child counts its faults from 0. `#@ <name>` marks a snapshot for the test.
machine ram=1G cpus=2
boot
spawn A
#@ before_mmap
A mmap r1 16M rw at=0x100000000000      # slot 0, alone in its PGD entry
#@ before_write
# Kernel: minflt 4096, RssAnon +16384 kB, VmPTE +40 kB.
A write r1 0 16M 4K 1
#@ parent_after_initial_write
expect /proc/A/stat:10 == 4097
expect /proc/A/status:RssAnon == 16388
expect /proc/A/status:VmPTE == 52
# Kernel: all 4096 PTEs copied and shared (kpagecount 2, Pss 8192, Shared_Dirty 16384).
A fork B
#@ right_after_fork
expect /proc/B/status:RssAnon == 16388
expect /proc/B/status:VmPTE == 52
# Kernel: the parent copies every page: minflt 4096, all parent pfns new; the child keeps the
# original pfns (kpagecount 1, bit 56 set, PG_anon_exclusive still clear).
A write r1 0 16M 4K 3
#@ after_parent_writes_first
expect /proc/A/stat:10 == 8193
expect /proc/A/status:RssAnon == 16388
# Kernel: the child reuses every page: minflt 4096, pgreuse +4096, no pfn changes.
B write r1 0 16M 4K 2
#@ after_child_writes_second
expect /proc/B/stat:10 == 4096
expect /proc/vmstat:pgreuse == 4096
B read r1 0 16M 4K                       # kernel: 0 faults, sum 8192 (its 2s)
#@ after_child_read_all
A read r1 0 16M 4K                       # kernel: 0 faults, sum 12288 (its 3s)
#@ after_parent_read_all
expect /proc/B/stat:10 == 4096
expect /proc/A/stat:10 == 8193
B exit                                   # kernel: child exit status 0
#@ after_child_exit
expect /proc/B/stat:52 == 0           # field 52, exit_code: the wait status waitpid() reaps
