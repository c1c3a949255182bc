# reference/kernel-6.18/mremap.json (tools/oracle/mremap.c, recorded by run.sh): 16 pages written
# (page i holds 0x10 + i) at the oracle's slot 0; grow in place, shrink, ENOMEM when a blocker
# stands after the region and MREMAP_MAYMOVE is not given, a move with MAYMOVE (the PTEs move: the
# frames and the data stay), MREMAP_FIXED to slot 1, MREMAP_DONTUNMAP (slot 1 keeps an empty VMA),
# then the argument errors with the kernel's errno, in the record's order (unaligned address, new
# length 0, old length 0 on private memory with and without MAYMOVE, FIXED or DONTUNMAP without
# MAYMOVE, DONTUNMAP resizing, an unaligned FIXED address, a FIXED destination overlapping the
# source — the blocker here, du in the record: the check comes before any VMA is looked at —,
# an unmapped old address, an old range past its VMA's end). Bad flag bits have no statement.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A mmap r 64K rw at=0x100000000000
A write r 0x0000 4K 4K 0x10
A write r 0x1000 4K 4K 0x11
A write r 0x2000 4K 4K 0x12
A write r 0x3000 4K 4K 0x13
A write r 0x4000 4K 4K 0x14
A write r 0x5000 4K 4K 0x15
A write r 0x6000 4K 4K 0x16
A write r 0x7000 4K 4K 0x17
A write r 0x8000 4K 4K 0x18
A write r 0x9000 4K 4K 0x19
A write r 0xa000 4K 4K 0x1a
A write r 0xb000 4K 4K 0x1b
A write r 0xc000 4K 4K 0x1c
A write r 0xd000 4K 4K 0x1d
A write r 0xe000 4K 4K 0x1e
A write r 0xf000 4K 4K 0x1f
#@ after_write
A mremap r 0 64K 128K
#@ grow_in_place
A mremap r 0 128K 32K
#@ shrink
A mmap blocker 4K none at=0x100000008000
#@ pre_blocked
A mremap r 0 32K 64K
#@ grow_blocked_no_maymove
A mremap r 0 32K 64K maymove as=moved
#@ grow_maymove
A mremap moved 0 64K 64K maymove fixed=0x108000000000 as=fixed
#@ fixed
A mremap fixed 0 64K 64K maymove dontunmap as=du
#@ dontunmap
A write fixed 0 1 1 0x77
#@ write_old_range_after_dontunmap
A checksum du 0 32K
expect dump_sum == 156
A mremap du 1 64K 64K
A mremap du 0 64K 0
A mremap du 0 0 64K maymove
A mremap du 0 0 64K
A mremap du 0 64K 64K fixed=0x108000100000
A mremap du 0 64K 64K dontunmap
A mremap du 0 64K 128K maymove dontunmap
A mremap du 0 64K 64K maymove fixed=0x108000100001
A mremap blocker 0 4K 8K maymove fixed=0x100000007000
A mmap g 8K rw at=0x118000000000
A munmap g 0 8K
A mremap g 0 4K 8K maymove
A mremap du 0 128K 192K maymove
#@ end
