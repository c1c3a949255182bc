# populate-madv-populate-write (brief item A7): MADV_POPULATE_WRITE of fresh private anonymous memory.
# Real-kernel record: reference/kernel-6.18/populate-madv-populate-write.json (tools/oracle/populate.c
# populate-write), checked field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault. `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
spawn A
#@ rw.before_mmap
A mmap r1 16M rw at=0x100000000000       # kernel: no fault, VmSize +16384 kB, VmPTE +0
#@ rw.after_mmap
# Kernel: 4096 minor faults inside madvise(), 4096 new anon pages, RssAnon +16384 kB, VmPTE +40 kB.
A madvise r1 0 16M populate_write
#@ rw.after_madvise
expect /proc/A/stat:10 == 4097
expect /proc/A/status:RssAnon == 16388
expect /proc/A/status:VmPTE == 52
A read r1 0 16M 4K                        # kernel: 0 faults, byte sum 0
#@ rw.then_read_all
# Kernel: the pages are already writable: 0 faults, nothing changes.
A write r1 0 16M 4K 1
#@ rw.then_write_all
expect /proc/A/stat:10 == 4097
expect /proc/A/status:RssAnon == 16388
