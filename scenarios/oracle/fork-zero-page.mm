# fork-zero-page (brief item A3): fork() of a region whose pages all map the shared zero page.
# Real-kernel record: reference/kernel-6.18/fork-zero-page.json (tools/oracle/fork_zero_page.c),
# checked field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus this process's start: a spawned process has a
# 132 kB [stack] with one written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault; a forked
# child counts its faults from 0. `#@ <name>` marks a snapshot for the test.
machine ram=1G cpus=2
boot
spawn A

# --- Part no_anon_vma (slot 0): the parent only ever reads, so the VMA never gets an anon_vma ---
A mmap r1 16M rw at=0x100000000000
#@ no_anon_vma.before_read
# Kernel: minflt 4096, every PTE maps the 4 KiB zero page (kpagecount 0, ZERO_PAGE|RESERVED),
# RSS 0, VmPTE +40 kB.
A read r1 0 16M 4K
#@ no_anon_vma.parent_after_read
expect /proc/A/stat:10 == 4097
expect /proc/A/status:VmRSS == 4
expect /proc/A/status:VmPTE == 52
# Kernel: fork copies NO PTE of this VMA (vma_needs_copy() is false without an anon_vma): the
# child's pagemap shows 0 present pages and its VmPTE is 40 kB below the parent's.
A fork B
#@ no_anon_vma.right_after_fork
expect /proc/B/status:VmPTE == 12
# Kernel: the child takes its own 4096 read faults, all on the zero page again; VmPTE +40 kB.
B read r1 0 16M 4K
#@ no_anon_vma.after_child_reads_all
expect /proc/B/stat:10 == 4096
expect /proc/B/status:VmPTE == 52
# Kernel: writes to pages 0,4,8,...: minflt 1024, RssAnon +4096 kB, 3072 PTEs still on the zero
# page, the parent untouched (child_pfn_equals_parent_pfn 3072: the zero-page entries).
B write r1 0 16M 16K 5
#@ no_anon_vma.after_child_writes_every_4th_page
expect /proc/B/stat:10 == 5120
expect /proc/B/status:RssAnon == 4100
B read r1 0 16M 4K                        # kernel: 0 faults, byte sum 1024 * 5
#@ no_anon_vma.after_child_reread_all
expect /proc/B/stat:10 == 5120
B exit                                    # kernel: child exit status 0
#@ no_anon_vma.after_child_exit
expect /proc/B/stat:52 == 0           # field 52, exit_code: the wait status waitpid() reaps
A munmap r1

# --- Part with_anon_vma (slot 1): page 0 is written first, so the VMA has an anon_vma ---
A mmap r2 16M rw at=0x108000000000
#@ with_anon_vma.before_write_page0
A write r2 0 4K 4K 1                      # kernel: minflt 1
#@ with_anon_vma.before_read
# Kernel: pages 1..4095: minflt 4095, zero page; RssAnon +4 kB (page 0), VmPTE +40 kB.
A read r2 4K 16380K 4K
#@ with_anon_vma.parent_after_read
expect /proc/A/stat:10 == 8193
expect /proc/A/status:RssAnon == 8
expect /proc/A/status:VmPTE == 52
# Kernel: fork copies all 4096 PTEs, the 4095 zero-page PTEs included; page 0 is shared
# (kpagecount 2, Pss 2 kB, Shared_Dirty 4 kB).
A fork C
#@ with_anon_vma.right_after_fork
expect /proc/C/status:RssAnon == 8
expect /proc/C/status:VmPTE == 52
# Kernel: the child's reads take no fault at all.
C read r2 0 16M 4K
#@ with_anon_vma.after_child_reads_all
expect /proc/C/stat:10 == 0
# Kernel: minflt 1024, RssAnon +4092 kB (page 0 was already counted when fork copied it).
C write r2 0 16M 16K 5
#@ with_anon_vma.after_child_writes_every_4th_page
expect /proc/C/stat:10 == 1024
expect /proc/C/status:RssAnon == 4100
C read r2 0 16M 4K                        # kernel: 0 faults, byte sum 1024 * 5
#@ with_anon_vma.after_child_reread_all
expect /proc/C/stat:10 == 1024
C exit                                    # kernel: child exit status 0
#@ with_anon_vma.after_child_exit
expect /proc/C/stat:52 == 0           # field 52, exit_code: the wait status waitpid() reaps
A munmap r2
