# reference/kernel-6.18/unevictable.json (tools/oracle/unevictable.c, recorded by run.sh): mlock
# and the unevictable LRU. Pages already mapped are mlocked through the per-CPU mlock batch; the
# populate that follows mlocks new pages straight into it, and its lru_add_drain() moves them all
# to the unevictable list. munlock rescues pages to the inactive list. A COW in a locked VMA mlocks
# the new page and munlocks the old one — both wait in the batch, as do the munlocks of a munmap:
# in 6.18 neither munmap nor exit drains the batches. A child's MAP_LOCKED populate finally runs
# them (one CPU, as the record is pinned to one).
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A mmap r 256K rw at=0x100000000000
#@ start
A write r 0 32K 4K 1
#@ write_0_7
A mlock r 0 256K
#@ mlock_all
A munlock r 64K 64K
#@ munlock_16_31
A fork B
A write r 0 4K 4K 2
#@ fork_parent_writes_0
B exit
#@ child_exit
A munmap r 0 64K
#@ munmap_0_15
A fork C
C mmap q 128K rw locked at=0x108000000000
C exit
#@ child_map_locked_exit
