# thp-huge-zero-read-then-write (brief item A9a): reads of a MADV_HUGEPAGE region map the huge
# zero folio with one PMD per 2 MiB; a write replaces that PMD with a freshly allocated THP.
# Real-kernel record: reference/kernel-6.18/thp-huge-zero-read-then-write.json (tools/oracle/thp.c
# read-then-write), checked field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault. `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2 thp=madvise use_zero_page=1 huge_zero=dynamic
boot
# The huge zero folio already existed on the oracle's machine (its thp_zero_page_alloc did not
# move): a process that used it and exited leaves it allocated, held by the shrinker's reference.
spawn W
W mmap w 2M rw at=0x100000000000
W madvise w 0 2M hugepage
W read w 0 2M 4K
W exit
expect /proc/vmstat:thp_zero_page_alloc == 1
spawn A
#@ before_mmap
A mmap r1 4M rw at=0x100000000000        # slot 0: two PMDs, alone in its PGD entry
A madvise r1 0 4M hugepage
#@ after_mmap
# Kernel: 2 minor faults (one per PMD), RSS 0, VmPTE +16 kB (PUD + PMD + 2 deposited PTE tables),
# all 1024 pagemap entries on the huge zero folio (bit 61, COMPOUND_HEAD/TAIL|THP|ZERO_PAGE).
A read r1 0 4M 4K
#@ after_read_all
expect /proc/A/stat:10 == 3
expect /proc/A/status:RssAnon == 4
expect /proc/A/status:VmPTE == 28
expect /proc/vmstat:thp_zero_page_alloc == 1
# Kernel: 1 fault replaces the first huge zero PMD with a THP (thp_fault_alloc +1, RssAnon
# +2048 kB, AnonHugePages 2048, VmPTE unchanged: the deposited table stays).
A write r1 0 4K 4K 1
#@ after_write_page_0
expect /proc/A/stat:10 == 4
expect /proc/A/status:RssAnon == 2052
expect /proc/A/status:VmPTE == 28
# Kernel: no fault, the PMD is writable now.
A write r1 0 2M 4K 1
#@ after_write_pages_0_511
# Kernel: 1 fault, a second THP.
A write r1 2M 4K 4K 1
#@ after_write_page_512
expect /proc/A/stat:10 == 5
expect /proc/A/status:RssAnon == 4100
expect /proc/vmstat:thp_fault_alloc == 2
# Kernel: no fault; byte sum 512 + 1.
A read r1 0 4M 4K
#@ after_reread_all
expect /proc/A/stat:10 == 5
