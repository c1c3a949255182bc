# file (issue #15, "file-backed memory, minimally"): mmap of a regular file on a disk filesystem
# and of a tmpfs file: read faults (major on a page-cache miss, with read-around and fault-around),
# private writes (COW from the page-cache page), shared writes (dirty page cache), sync, fadvise.
# Real-kernel record: reference/kernel-6.18/file.json (tools/oracle/file.c), checked field by field
# by tests/file.test.ts.
#
# The kernel's file is on ext4 on vda, whose read_ahead_kb is 8192: read-around takes the whole
# 64-page file; `read_ahead_kb=8192` gives the emulated disk the same. `expect` values are the
# kernel's deltas plus this process's start: RssAnon 4 kB, VmPTE 12 kB, 1 minor fault.
# `#@ <name>` marks a test snapshot.
machine ram=1G cpus=2
boot
spawn A
file data 256K disk fill=0x5a read_ahead_kb=8192
A mmap r1 256K rw file=data at=0x100000000000
#@ before
# Kernel: one major fault (minflt 0): filemap_fault reads the read-around window (64 pages,
# pgpgin 256), the retried fault's fault-around maps 16 of them: RssFile 64 kB.
A read r1 0 1 4K
#@ private_read_page0
expect /proc/A/stat:12 == 1
expect /proc/A/status:RssFile == 64
# Kernel: 3 minor faults (fault-around: 16 pages each); RssFile 256 kB.
A read r1 4K 252K 4K
#@ private_read_rest
expect /proc/A/stat:10 == 4
# Kernel: 2 minor faults; each page copied from the page cache: RssAnon +8, RssFile -8.
A write r1 0 8K 4K 1
#@ private_write_page0_1
expect /proc/A/status:RssAnon == 12
A munmap r1
fadvise data dontneed
A mmap r1 256K rw file=data at=0x100000000000
#@ pre_write_first
# Kernel: a write first to page 4 of an uncached file: one major fault (do_cow_fault after the
# read-around), RssAnon +4, nothing else mapped; the file keeps 0x5a.
A write r1 16K 1 4K 1
#@ private_write_first_page4
expect /proc/A/stat:12 == 2
A munmap r1
A mmap r1 256K rw shared file=data at=0x100000000000
#@ pre_shared_write
# Kernel: 8 minor faults (do_shared_fault: no fault-around for writes), nr_dirty +8, nr_dirtied +8.
A write r1 0 32K 4K 2
#@ shared_write_pages0_7
expect /proc/vmstat:nr_dirty == 8
# Kernel: msync(MS_SYNC): nr_dirty -8, nr_written +8; the pages stay mapped, clean.
sync data
#@ after_msync
expect /proc/vmstat:nr_dirty == 0
expect /proc/vmstat:nr_written == 8
A munmap r1
#@ pre_fadvise
# Kernel: POSIX_FADV_DONTNEED drops the 64 clean, unmapped pages.
fadvise data dontneed
#@ after_munmap_fadvise_dontneed
# tmpfs: the file written with 0x5a: 64 shmem pages in the cache (nr_shmem +64).
file shm 256K tmpfs fill=0x5a
#@ tmpfs_after_write
A mmap s1 256K rw shared file=shm at=0x108000000000
#@ pre_tmpfs_read
# Kernel: 4 minor faults (fault-around), RssShmem 256 kB.
A read s1 0 256K 4K
#@ tmpfs_shared_read_all
A mmap p1 256K rw file=shm at=0x110000000000
#@ pre_tmpfs_private
# Kernel: 1 minor fault, 16 pages mapped (RssShmem +64 kB), kpagecount 2.
A read p1 0 1 4K
#@ tmpfs_private_read_page0
# Kernel: 1 minor fault, the page copied: RssAnon +4, RssShmem -4; the shared mapping still reads 0x5a.
A write p1 0 1 4K 3
#@ tmpfs_private_write_page0
