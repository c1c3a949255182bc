# reference/kernel-6.18/fork-flags.json (tools/oracle/forkflags.c, recorded by run.sh): 16 pages rw
# at the oracle's slot 0, page i holding byte 0x10 + i at offset 0. MADV_DONTFORK of pages 0..3
# (VM_DONTCOPY, `dc`) and MADV_WIPEONFORK of pages 8..11 (VM_WIPEONFORK, `wf`) split the VMA;
# WIPEONFORK of shared memory and DONTFORK at an unaligned start are EINVAL, DONTFORK over
# [VMA, hole) marks the VMA and returns ENOMEM. fork: the child has no VMA at pages 0..3, an empty
# one at 8..11 (reads give zeros, a fault each) and copied PTEs for the rest (reads give the
# parent's data, no fault). The parent's writes to pages 0..3 and 8..11 take no fault (fork never
# write-protected them), its writes to 4..7 copy (COW), as do the child's writes to 12..15. Last,
# MADV_DOFORK and MADV_KEEPONFORK clear the flags and the VMAs merge back into one.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A mmap r 64K rw at=0x100000000000
A write r 0K 1 1 0x10
A write r 4K 1 1 0x11
A write r 8K 1 1 0x12
A write r 12K 1 1 0x13
A write r 16K 1 1 0x14
A write r 20K 1 1 0x15
A write r 24K 1 1 0x16
A write r 28K 1 1 0x17
A write r 32K 1 1 0x18
A write r 36K 1 1 0x19
A write r 40K 1 1 0x1a
A write r 44K 1 1 0x1b
A write r 48K 1 1 0x1c
A write r 52K 1 1 0x1d
A write r 56K 1 1 0x1e
A write r 60K 1 1 0x1f
#@ start
A madvise r 0 16K dontfork
#@ dontfork
A madvise r 32K 16K wipeonfork
#@ wipeonfork
A mmap sh 16K rw shared at=0x108000000000
#@ pre_wipeonfork_shared
A madvise sh 0 16K wipeonfork
#@ wipeonfork_shared
A madvise r 1 4K dontfork
#@ dontfork_unaligned
A mmap h 32K rw at=0x110000000000
A munmap h 16K 16K
#@ pre_dontfork_over_hole
A madvise h 0 32K dontfork
#@ dontfork_over_hole
A fork B
#@ child_after_fork
B read r 32K 16K 4K
#@ child_reads_8_11
B checksum r 32K 16K
B read r 16K 16K 4K
#@ child_reads_4_7
B checksum r 16K 16K
A write r 0 16K 4K 0x60
#@ parent_writes_0_3
A write r 32K 16K 4K 0x60
#@ parent_writes_8_11
A write r 16K 16K 4K 0x60
#@ parent_writes_4_7
B write r 48K 16K 4K 0x70
#@ child_writes_12_15
B checksum r 16K 16K
A checksum r 48K 16K
B exit
#@ pre_dofork
A madvise r 0 16K dofork
#@ dofork
A madvise r 32K 16K keeponfork
#@ keeponfork
