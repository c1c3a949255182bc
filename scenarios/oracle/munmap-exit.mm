# munmap-exit (brief item A8): the page tables and anonymous pages that munmap() and exit() give back.
# Real-kernel record: reference/kernel-6.18/munmap-exit.json (tools/oracle/munmap_exit.c), checked
# by tests/oracle.test.ts. The real counts are system wide (/proc/vmstat), taken from "quiet"
# samples in which nothing else ran; the emulated machine runs nothing else, so its /proc/vmstat
# deltas are the operation's own.
#
# x86 frees page-table pages after an RCU grace period (MMU_GATHER_RCU_TABLE_FREE): right after
# munmap()/exit() returned, nr_page_table_pages had not moved yet (delta 0); it dropped by 10 (8 PTE
# tables + PMD + PUD of the 16 MiB region) only once the grace period had passed, while VmPTE
# (mm_dec_nr_ptes) dropped at once. `sleep` lets time pass: the grace period completes.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault. `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
spawn A

# --- munmap_written: write all 4096 pages, then munmap the region ---
A mmap r1 16M rw at=0x100000000000
A write r1 0 16M 4K 1
#@ munmap_written.before
expect /proc/A/status:RssAnon == 16388
expect /proc/A/status:VmPTE == 52
# The machine's only page tables are A's: its PGD, the stack's PUD, PMD and PTE table, and the
# region's 10; its only anon pages are the stack page and the region's 4096.
expect /proc/vmstat:nr_page_table_pages == 14
expect /proc/vmstat:nr_anon_pages == 4097
# Kernel: nr_anon_pages -4096 at once; nr_page_table_pages 0 at once, -10 after RCU; own status
# VmSize -16384 kB, RssAnon -16384 kB, VmPTE -40 kB.
A munmap r1
#@ munmap_written.immediately_after_call
expect /proc/vmstat:nr_anon_pages == 1
expect /proc/vmstat:nr_page_table_pages == 14
sleep
#@ munmap_written.after_rcu_settle
expect /proc/vmstat:nr_page_table_pages == 4
expect /proc/A/status:VmSize == 132
expect /proc/A/status:RssAnon == 4
expect /proc/A/status:VmPTE == 12

# --- munmap_read_only: the same, but every page only read (zero page) ---
A mmap r2 16M rw at=0x100000000000
A read r2 0 16M 4K
#@ munmap_read_only.before
# Kernel: nr_anon_pages 0; nr_page_table_pages 0 at once, -10 after RCU; VmPTE -40 kB.
A munmap r2
#@ munmap_read_only.immediately_after_call
expect /proc/vmstat:nr_anon_pages == 1
expect /proc/vmstat:nr_page_table_pages == 14
sleep
#@ munmap_read_only.after_rcu_settle
expect /proc/vmstat:nr_page_table_pages == 4
expect /proc/A/status:VmPTE == 12

# --- exit_empty_child: a child with the region mapped but never touched exits ---
spawn P
P mmap r3 16M rw at=0x108000000000       # slot 1
P fork E
P munmap r3                               # the parent's own copy, never touched
#@ exit_empty_child.before
E exit
#@ exit_empty_child.immediately_after_call
sleep
#@ exit_empty_child.after_rcu_settle

# --- exit_child_with_region: the same, but the child writes all 4096 pages first ---
# The region's share of exit() = this case minus exit_empty_child. Kernel: nr_anon_pages -4096;
# nr_page_table_pages 0 at once (-1 - -1), -10 after RCU (-23 - -13). Before exiting, the child's
# VmPTE is 40 kB and its RssAnon 16384 kB above the empty child's.
P mmap r4 16M rw at=0x108000000000
P fork C
P munmap r4
C write r4 0 16M 4K 1
#@ exit_child_with_region.before
expect /proc/C/status:RssAnon == 16388
expect /proc/C/status:VmPTE == 52
C exit
#@ exit_child_with_region.immediately_after_call
sleep
#@ exit_child_with_region.after_rcu_settle
