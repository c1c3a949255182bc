# reference/kernel-6.18/brk.json (tools/oracle/brk.c, recorded by run.sh): brk() through the raw
# system call. The recording process already has glibc's 132 KiB heap, so this one grows one first
# and every figure is a delta from that break, b0 = 0x55555557a000. Grow by 64 KiB (the heap VMA
# and VmData grow, nothing is faulted), write the 16 new pages, shrink to b0 + 48 KiB + 100 (the VMA
# ends at PAGE_ALIGN(brk): 3 pages go), move the break within that page, ask for a break below
# start_brk (refused: the old break comes back), grow up to a mapping 64 KiB above the heap
# (refused: a page must stay free) and to a page short of it (granted), then shrink back to b0.
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A brk +132K
#@ start
A brk +64K
#@ grow_64k
A write heap 132K 64K 4K 1
#@ write_new_pages
A brk -16284
#@ shrink_unaligned
A brk +100
#@ move_within_page
A brk 1
#@ below_start
A mmap blocker 4K rw at=0x555555597000
#@ pre_grow_into_next_vma
A brk 0x555555597000
#@ grow_into_next_vma
A brk 0x555555596000
#@ grow_to_a_page_short
A munmap blocker
#@ pre_shrink_back
A brk 0x55555557a000
#@ shrink_back
