# ranges-with-holes (issue #14, items 1 and 3): mprotect and madvise over a range with a hole, and
# PTE-table reclaim on MADV_DONTNEED.
# Real-kernel record: reference/kernel-6.18/ranges-with-holes.json (tools/oracle/ranges.c holes),
# checked field by field by tests/oracle.test.ts.
#
# The kernel's region is 8 MiB with nothing mapped after it; here r1 is 12 MiB with its last 4 MiB
# unmapped first, so that offsets past 8 MiB name that empty space.
machine ram=1G cpus=2
boot
spawn A

A mmap r1 12M rw at=0x100000000000
A munmap r1 8M 4M
#@ before_write
A write r1 0 8M 4K 1
A munmap r1 4M 2M                      # VMAs A=[0,4M) and B=[6M,8M)
#@ after_write_and_munmap_hole
A mprotect r1 4M 4M r                  # kernel: ENOMEM, nothing changes (starts in the hole)
#@ after_mprotect_from_hole
A mprotect r1 0 8M r                   # kernel: ENOMEM, A is r--p, B stays rw-p
#@ after_mprotect_across_hole
A madvise r1 4M 4M dontneed            # kernel: ENOMEM, B's pages are gone, VmPTE -4
#@ after_dontneed_from_hole
A madvise r1 6M 4M populate_write      # kernel: 512 faults, then ENOMEM
#@ after_populate_write_past_end
A madvise r1 0 8M dontneed             # kernel: ENOMEM, A's and B's pages gone, VmPTE -12
#@ after_dontneed_across_hole
A madvise r1 0 8M populate_read        # kernel: 1024 faults in A, then ENOMEM
#@ after_populate_read_across_hole

A mmap r2 8M rw at=0x108000000000
#@ reclaim_before_write
A write r2 0 8M 4K 1
#@ reclaim_after_write
A madvise r2 0 1M dontneed             # kernel: VmPTE unchanged
#@ reclaim_after_dontneed_0_1M
A madvise r2 1M 4M dontneed            # kernel: VmPTE -4: only [2M,4M) was covered whole
#@ reclaim_after_dontneed_1M_5M
A madvise r2 4M 4M dontneed            # kernel: VmPTE -8
#@ reclaim_after_dontneed_4M_8M
