# What a process reads: the child of a fork still sees its parent's data after the parent
# writes (copy on write), and MADV_DONTNEED of private anonymous memory reads back zeros.
machine arch=x86_64 ram=256M cpus=2
boot
spawn A
A mmap r1 64K rw
A write r1 0 64K 4K 0x41
A fork B
A write r1 0 4K 1 0x50          # the parent rewrites its first page: a COW copy
B dump r1 0 16                  # the child still reads the parent's old data
expect dump == "41 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
A dump r1 0 16
expect dump_sum == 1280
A madvise r1 0 64K dontneed
A checksum r1 0 64K             # read faults again: the zero page, all zeros
expect dump_sum == 0
B checksum r1 0 64K             # the child's copy is untouched
expect dump_nonzero == 16
