# dontneed-after-read (brief item A4): MADV_DONTNEED of the middle 8 MiB of a 16 MiB region that was
# only read (zero page everywhere), then read again.
# Real-kernel record: reference/kernel-6.18/dontneed-after-read.json (tools/oracle/dontneed.c
# after-read), checked field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault. `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
spawn A
#@ before_mmap
A mmap r1 16M rw at=0x100000000000        # slot 0, alone in its PGD entry
#@ after_mmap
# Kernel: minflt 4096, zero page everywhere, RSS 0, VmPTE +40 kB.
A read r1 0 16M 4K
#@ after_read_all
expect /proc/A/stat:10 == 4097
expect /proc/A/status:VmRSS == 4
expect /proc/A/status:VmPTE == 52
# Kernel: pages 1024..3071 unmapped; no fault; VmPTE -16 kB: CONFIG_PT_RECLAIM frees the 4 PTE
# tables the zap left empty.
A madvise r1 4M 8M dontneed
#@ after_madv_dontneed_middle
expect /proc/A/stat:10 == 4097
expect /proc/A/status:VmPTE == 36
# Kernel: minflt 2048, the zero page again, VmPTE +16 kB; every byte reads 0.
A read r1 4M 8M 4K
#@ after_reread_middle
expect /proc/A/stat:10 == 6145
expect /proc/A/status:VmPTE == 52
A read r1 0 4M 4K                         # kernel: pages 0..1023 still mapped: 0 faults
#@ after_read_pages_0_1023
A read r1 12M 4M 4K                       # kernel: pages 3072..4095: 0 faults
#@ after_read_pages_3072_4095
expect /proc/A/stat:10 == 6145
