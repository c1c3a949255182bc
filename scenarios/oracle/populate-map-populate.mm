# populate-map-populate (brief item A7): MAP_POPULATE of private anonymous memory: what gets mapped,
# and whether the pre-faults count as minor faults.
# Real-kernel record: reference/kernel-6.18/populate-map-populate.json (tools/oracle/populate.c
# map-populate), checked field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault. `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
spawn A

# --- Part rw (slot 0) ---
#@ rw.before_mmap
# Kernel: 4096 minor faults inside mmap() (GUP with FOLL_WRITE: real anon pages, not the zero
# page), RssAnon +16384 kB, VmPTE +40 kB.
A mmap r1 16M rw populate at=0x100000000000
#@ rw.after_mmap
expect /proc/A/stat:10 == 4097
expect /proc/A/status:RssAnon == 16388
expect /proc/A/status:VmPTE == 52
A read r1 0 16M 4K                        # kernel: 0 faults
#@ rw.then_read_all
A write r1 0 16M 4K 1                     # kernel: 0 faults, nothing changes
#@ rw.then_write_all
expect /proc/A/stat:10 == 4097
expect /proc/A/status:RssAnon == 16388
A munmap r1

# --- Part read_only (slot 1) ---
#@ read_only.before_mmap
# Kernel: 4096 minor faults inside mmap(), all on the zero page (no FOLL_WRITE for a read-only
# mapping), RSS 0, VmPTE +40 kB; VmFlags "rd mr mw me " (no VM_ACCOUNT).
A mmap r2 16M r populate at=0x108000000000
#@ read_only.after_mmap
expect /proc/A/stat:10 == 8193
expect /proc/A/status:VmRSS == 4
expect /proc/A/status:VmPTE == 52
A read r2 0 16M 4K                        # kernel: 0 faults
#@ read_only.then_read_all
expect /proc/A/stat:10 == 8193
