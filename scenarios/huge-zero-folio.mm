# The huge zero folio (Linux 6.18, huge_zero=dynamic): a read fault in a MADV_HUGEPAGE region maps
# one 2 MiB folio of zeros with a single PMD; a write replaces it with a fresh THP. The folio is
# refcounted per mm and freed by the thp-zero shrinker once nobody maps it.
machine arch=x86_64 ram=1G thp=madvise use_zero_page=1 huge_zero=dynamic
boot
print huge_zero_pfn                # ~0UL: not allocated yet
spawn A
A mmap r1 4M rw at=0x100000000000
A madvise r1 0 4M hugepage
A read r1 0 4M 4K                  # 2 faults: one PMD per 2 MiB
expect /proc/A/stat:10 == 3
print huge_zero_pfn
print huge_zero_refcount           # 2: A's and the shrinker's
A write r1 0 1 1 1                 # do_huge_zero_wp_pmd(): a 2 MiB THP
expect /proc/A/smaps:AnonHugePages == 2048
expect /proc/vmstat:thp_fault_alloc == 1
A madvise r1 2M 4K dontneed        # splits the second huge-zero PMD: 511 PTEs on the 4 KiB zero page
expect /proc/vmstat:thp_split_pmd == 1
A exit
print huge_zero_refcount           # 1: only the shrinker's
drop_caches                        # the shrinker frees it
print huge_zero_pfn
