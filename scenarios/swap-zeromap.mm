# Swap and the zeromap: zero-filled pages never reach the disk.
# Half of a region is written with zeros, half with data; MADV_PAGEOUT reclaims all of it. The
# zero-filled folios only set their slot's bit in the swap area's zeromap (swpout_zero); the others
# are written (pswpout) and stay in the swap cache while "under writeback". Reading back: the
# zeromap slots come back as freshly zeroed pages (swpin_zero, major faults), the written half is
# found in the swap cache (minor faults).
machine arch=x86_64 ram=1G cpus=2
boot
swapon 64M
spawn A
A mmap r 1M rw
A write r 0 512K 4K 0
A write r 512K 512K 4K 0xab
A madvise r 0 1M pageout
expect /proc/A/smaps_rollup:Swap == 1024
expect /proc/vmstat:swpout_zero == 128
expect /proc/vmstat:pswpout == 128
expect /proc/meminfo:SwapCached == 512
pagemap A r 0 8K                   # bit 62 (PM_SWAP), swap type 0, offsets 1 and 2
show /proc/swaps
A read r 0 1M 4K
expect /proc/vmstat:swpin_zero == 128
expect /proc/A/stat:12 == 128      # majflt: one per zeromap page (no readahead here)
expect /proc/meminfo:SwapCached == 1024
