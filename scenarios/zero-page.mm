# The zero page: read a sparse array, then write one page of it.
# Every read fault maps the one shared zero frame (read-only); RSS does not move. The first write
# to a page is a copy-on-write fault from the zero page: a fresh zeroed frame, RSS +4 kB.
machine arch=x86_64 ram=1G cpus=2
boot
print zero_page_pfn
spawn A
A mmap arr 64M rw
A read arr 0 64M 4K                # 16384 read faults, all on the zero page
expect /proc/A/stat:10 == 16385    # + the one fault that wrote the stack page at spawn
expect /proc/A/status:RssAnon == 4
pagemap A arr 0 8K                 # both entries point at zero_page_pfn
A write arr 4K 1 1 0x2a            # one COW fault from the zero page
expect /proc/A/status:RssAnon == 8
pagemap A arr 0 8K                 # page 1 now has a frame of its own
show /proc/A/smaps_rollup
