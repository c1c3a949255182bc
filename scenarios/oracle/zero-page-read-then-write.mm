# zero-page-read-then-write (scenarios S1 and S2): read faults on private anonymous memory map the
# shared zero page; a later write replaces just the written pages.
# Real-kernel record: reference/zero-page-read-then-write.json, checked field by field by
# tests/oracle.test.ts.
#
# Placement: unlike the kernel-6.18/ oracles, this program let mmap() choose the address
# (0x7f1ad0c00000, next to libc), so the region shared an existing PUD and PMD table and the read
# pass grew VmPTE by exactly 32 PTE tables (128 kB). Here too mmap() chooses: top-down below
# mmap_base, 2 MiB aligned, in the same 1 GiB as the [stack], whose PUD and PMD tables exist.
#
# `expect` values are the kernel's deltas plus this process's start: a 132 kB [stack] with one
# written page (RSS 4 kB, VmPTE 12 kB) and 1 minor fault. `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
spawn A

# --- S1: mmap 64 MiB MAP_PRIVATE|MAP_ANONYMOUS, read 1 byte of each of its 16384 pages ---
#@ S1.before_mmap
A mmap r1 64M rw
#@ S1.after_mmap_before_touch
# Kernel: minflt 16384; all present, one distinct pfn (the zero page, kpagecount 0), RSS 0,
# smaps_rollup Rss 0, none exclusive; VmPTE +128 kB; a second pass takes 0 faults.
A read r1 0 64M 4K
#@ S1.after_read
expect /proc/A/stat:10 == 16385
expect /proc/A/status:VmRSS == 4
expect /proc/A/status:VmPTE == 140
expect /proc/A/smaps_rollup:Rss == 4
A read r1 0 64M 4K
#@ S1.after_second_read
expect /proc/A/stat:10 == 16385

# --- S2: write 1 byte to every 16th page (1024 pages) ---
# Kernel: minflt 1024; 1025 distinct pfns (1024 new exclusive anon pages + the zero page under the
# other 15360); RSS and RssAnon +4096 kB; smaps_rollup Rss/Anonymous +4096; VmPTE unchanged;
# writing the same pages again takes 0 faults.
A write r1 0 64M 64K 1
#@ S2.after_write
expect /proc/A/stat:10 == 17409
expect /proc/A/status:RssAnon == 4100
expect /proc/A/status:VmPTE == 140
expect /proc/A/smaps_rollup:Anonymous == 4100
A write r1 0 64M 64K 1
#@ S2.after_rewrite
expect /proc/A/stat:10 == 17409
