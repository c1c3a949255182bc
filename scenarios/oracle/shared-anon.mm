# shared-anon (brief item A6): MAP_SHARED|MAP_ANONYMOUS memory (shmem): read, write, fork, and the
# child's read and write.
# Real-kernel record: reference/kernel-6.18/shared-anon.json (tools/oracle/shared_anon.c), checked
# field by field by tests/oracle.test.ts.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RssAnon 4 kB, VmPTE 12 kB) and 1 minor fault; a forked child counts from 0. The
# emulated machine runs nothing else, so /proc/vmstat values are this scenario's own.
# `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
spawn A
#@ before_mmap
A mmap r1 16M rw shared at=0x100000000000  # slot 0, alone in its PGD entry
#@ after_mmap
# Kernel: minflt 4096; each read allocates a real zeroed page in the shmem page cache: the zero
# page is never used. RssShmem +16384 kB (RssAnon 0), VmPTE +40 kB; pagemap bits 61 (file/shared)
# and 56 (mapped once) on all; kpageflags UPTODATE|MMAP|SWAPBACKED (no ANON); nr_shmem and
# nr_mapped +4096; smaps Private_Clean 16384.
A read r1 0 16M 4K
#@ after_read_all
expect /proc/A/stat:10 == 4097
expect /proc/A/status:RssShmem == 16384
expect /proc/A/status:RssAnon == 4
expect /proc/A/status:VmPTE == 52
expect /proc/vmstat:nr_shmem == 4096
expect /proc/vmstat:nr_mapped == 4096
# Kernel: the PTEs are already writable (shared mapping): minflt 0; smaps Private_Dirty 16384.
A write r1 0 16M 4K 1
#@ after_write_all
expect /proc/A/stat:10 == 4097
# Kernel: fork copies no PTE of a shared VMA: the child has none here.
A fork B
#@ right_after_fork
expect /proc/B/status:RssShmem == 0
# Kernel: minflt 256: shmem's fault-around maps 16 cached pages per fault; RssShmem +16384 kB,
# VmPTE +40 kB; both processes map the same 4096 pfns (kpagecount 2, Pss 8192).
B read r1 0 16M 4K
#@ after_child_reads_all
expect /proc/B/stat:10 == 256
expect /proc/B/status:RssShmem == 16384
expect /proc/B/status:VmPTE == 52
# Kernel: minflt 0: shmem has no write-notify, so a shared writable VMA's vm_page_prot is
# writable and even the PTEs fault-around mapped allow writes; no pfn changes.
B write r1 0 16M 4K 7
#@ after_child_writes_all
expect /proc/B/stat:10 == 256
# Kernel: the parent sees the child's 7s (byte sum 7 * 4096) without a fault.
A read r1 0 16M 4K
#@ parent_reads_after_child_write
expect /proc/A/stat:10 == 4097
# Kernel: the child exits with status 0. The parent's view afterwards: kpagecount 1 and pagemap
# bit 56 on all 4096 pages again, and every page's kpageflags has gained DIRTY (0x4818 =
# UPTODATE|DIRTY|MMAP|SWAPBACKED): unmapping the child's dirty PTEs of these shmem pages called
# folio_mark_dirty() (zap_present_folio_ptes). kpageflags needs a pfn, so only the test sees it.
B exit
#@ after_child_exit
expect /proc/B/stat:52 == 0           # field 52, exit_code: the wait status waitpid() reaps
# Kernel: the shmem pages are freed with the last mapping: nr_shmem and nr_mapped -4096.
A munmap r1
#@ after_parent_munmap
expect /proc/vmstat:nr_shmem == 0
expect /proc/vmstat:nr_mapped == 0
