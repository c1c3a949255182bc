# Boot the default x86-64 machine and look at what the buddy allocator got.
machine arch=x86_64 ram=1G cpus=2
boot
show /proc/buddyinfo
print zero_page_pfn
expect zero_page_pfn == 15156
expect /proc/meminfo:MemTotal > 900000   # kB, as meminfo prints it
expect dmesg contains "Memory: "
