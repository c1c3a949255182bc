# reference/kernel-6.18/ksm.json (tools/oracle/ksm.c, recorded by run.sh): KSM with use_zero_pages.
# 32 zero-filled and 32 distinct pages in a MADV_MERGEABLE range; ksmd's first full scan only records
# checksums, the second replaces the zero-filled pages by the zero page (ksm_zero_pages 32, Rss -128 kB).
# A write, a fork (the child counts the KSM zero pages it inherits), MADV_UNMERGEABLE and munmap each
# take KSM zero pages away.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A mmap r 256K rw at=0x100000000000
A write r 0 128K 4K 0
A write r 128K 1 1 1
A write r 132K 1 1 2
A write r 136K 1 1 3
A write r 140K 1 1 4
A write r 144K 1 1 5
A write r 148K 1 1 6
A write r 152K 1 1 7
A write r 156K 1 1 8
A write r 160K 1 1 9
A write r 164K 1 1 10
A write r 168K 1 1 11
A write r 172K 1 1 12
A write r 176K 1 1 13
A write r 180K 1 1 14
A write r 184K 1 1 15
A write r 188K 1 1 16
A write r 192K 1 1 17
A write r 196K 1 1 18
A write r 200K 1 1 19
A write r 204K 1 1 20
A write r 208K 1 1 21
A write r 212K 1 1 22
A write r 216K 1 1 23
A write r 220K 1 1 24
A write r 224K 1 1 25
A write r 228K 1 1 26
A write r 232K 1 1 27
A write r 236K 1 1 28
A write r 240K 1 1 29
A write r 244K 1 1 30
A write r 248K 1 1 31
A write r 252K 1 1 32
A madvise r 0 256K mergeable
#@ mergeable
ksm scan use_zero_pages=yes
#@ scan_1
ksm scan
#@ scan_2
A write r 0 1 1 1
#@ write_0
A fork B
#@ forked
B exit
#@ fork_child_exited
A madvise r 0 64K unmergeable
#@ unmergeable_0_15
A munmap r 64K 64K
#@ munmap_16_31
