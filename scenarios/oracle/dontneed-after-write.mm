# dontneed-after-write (brief item A4): MADV_DONTNEED of the middle 8 MiB of a 16 MiB region that was
# written, then read again.
# Real-kernel record: reference/kernel-6.18/dontneed-after-write.json (tools/oracle/dontneed.c
# after-write), checked field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault. `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
spawn A
#@ before_mmap
A mmap r1 16M rw at=0x100000000000        # slot 0, alone in its PGD entry
#@ after_mmap
# Kernel: minflt 4096, RssAnon +16384 kB, VmPTE +40 kB.
A write r1 0 16M 4K 0xAB
#@ after_write_all
expect /proc/A/stat:10 == 4097
expect /proc/A/status:RssAnon == 16388
expect /proc/A/status:VmPTE == 52
# Kernel: the 2048 middle pages are freed: RssAnon -8192 kB, no fault, VmPTE -16 kB (PT_RECLAIM
# frees the 4 emptied PTE tables).
A madvise r1 4M 8M dontneed
#@ after_madv_dontneed_middle
expect /proc/A/stat:10 == 4097
expect /proc/A/status:RssAnon == 8196
expect /proc/A/status:VmPTE == 36
# Kernel: minflt 2048, all 2048 on the zero page, contents 0, VmPTE +16 kB, RSS unchanged.
A read r1 4M 8M 4K
#@ after_reread_middle
expect /proc/A/stat:10 == 6145
expect /proc/A/status:RssAnon == 8196
expect /proc/A/status:VmPTE == 52
A read r1 0 4M 4K                         # kernel: 0 faults, byte sum 1024 * 0xAB
#@ after_read_pages_0_1023
A read r1 12M 4M 4K                       # kernel: 0 faults, byte sum 1024 * 0xAB
#@ after_read_pages_3072_4095
expect /proc/A/stat:10 == 6145
