# reference/kernel-6.18/devzero.json (tools/oracle/devzero.c, recorded by run.sh): 64 KiB of
# /dev/zero mapped private at the oracle's slot 0: maps names /dev/zero (a device and inode, file
# offset 0); writes fault in fresh anonymous pages (RssAnon, smaps Anonymous); MADV_WIPEONFORK is
# EINVAL (the VMA has a file), MADV_FREE and MADV_DONTNEED work as on anonymous memory. A plain
# anonymous mapping right after it never merges with it, even after both are made read-only and
# writable again (the record does that with one mprotect over both; scenario statements name one
# region each, so here it is two calls per step). A private mapping at file offset 16 KiB prints
# that offset; a shared mapping of /dev/zero is shmem, named "/dev/zero (deleted)".
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A mmap z 64K rw devzero at=0x100000000000
#@ fresh
A write z 0 32K 4K 0x5a
#@ write_0_7
A read z 0 32K 4K
#@ read_0_7
A checksum z 0 32K
A madvise z 0 16K wipeonfork
A madvise z 32K 16K free
#@ pre_dontneed
A madvise z 0 16K dontneed
#@ dontneed
A mmap an 64K rw at=0x100000010000
#@ anon_neighbour
A mprotect z 0 64K r
A mprotect an 0 64K r
A mprotect z 0 64K rw
A mprotect an 0 64K rw
#@ after_mprotect
A mmap zo 64K rw devzero offset=16K at=0x108000000000
A mmap zs 64K rw shared devzero at=0x110000000000
#@ pre_shared_write
A write zs 0 16K 4K 0x33
#@ shared_write
