# reference/kernel-6.18/ksm-merge.json (tools/oracle/ksm_merge.c, recorded by run.sh): KSM merging
# equal pages with use_zero_pages off. Pages 0..15 equal (0x11), 16..23 distinct, 24..31 zero-filled,
# 32..63 never touched, all MADV_MERGEABLE. The second full scan makes two KSM pages (one per
# content: page 1's frame for 0x11, as page 1 met page 0 in the unstable tree); a write copies one
# mapping away; munmap frees the zero-filled one; the counters follow at the next scan.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A mmap r 256K rw at=0x100000000000
A write r 0 64K 4K 0x11
A write r 64K 1 1 1
A write r 68K 1 1 2
A write r 72K 1 1 3
A write r 76K 1 1 4
A write r 80K 1 1 5
A write r 84K 1 1 6
A write r 88K 1 1 7
A write r 92K 1 1 8
A write r 96K 32K 4K 0
A madvise r 0 256K mergeable
#@ mergeable
ksm scan use_zero_pages=no
#@ scan_1
ksm scan
#@ scan_2
A write r 0 1 1 0x22
#@ write_0
ksm scan
#@ scan_3
A munmap r 96K 32K
#@ munmap_24_31
ksm scan
#@ scan_4
