# reference/kernel-6.18/mlock.json (tools/oracle/mlock.c, recorded by run.sh): 64 pages rw at the
# oracle's slot 0, never touched; mlock of pages 16..47 (a VMA split out of the middle, its pages
# faulted in), munlock of pages 16..31, mlock(base + 1, 100) (rounded out to page 0), a hole at
# pages 56..59 and mlock of pages 52..63 (ENOMEM, pages 52..55 locked, nothing faulted), munlock
# over the same hole (ENOMEM, pages 52..55 unlocked), then mlock of a PROT_NONE mapping at slot 1
# (ENOMEM: __mm_populate cannot fault PROT_NONE memory, yet the VMA stays VM_LOCKED); last,
# MAP_LOCKED mappings (slot 2 rw: populated; slot 3 PROT_NONE: nothing faulted, no error) and the
# munmap of the rw one. Then madvise on mlocked memory: DONTNEED, FREE, COLD, PAGEOUT of pages
# 32..35 are each EINVAL, and DONTNEED of pages 16..39 drops the unlocked pages 16..31 before the
# locked VMA stops the walk with EINVAL. Last, mremap of a MAP_LOCKED mapping: grown in place (the
# new part populated and counted in VmLck), then moved with MREMAP_DONTUNMAP (the old VMA loses
# VM_LOCKED, but VmLck keeps its pages: 6.18 adds the new VMA's and takes nothing off).
machine arch=x86_64 ram=1G cpus=2 thp=madvise
boot
spawn A
A mmap r 256K rw at=0x100000000000
#@ start
A mlock r 64K 128K
#@ mlock_middle
A munlock r 64K 64K
#@ munlock_first_half
A mlock r 1 100
#@ mlock_unaligned
A munmap r 224K 16K
#@ pre_hole
A mlock r 208K 48K
#@ mlock_over_hole
A munlock r 208K 48K
#@ munlock_over_hole
A mmap pn 64K none at=0x108000000000
#@ pre_prot_none
A mlock pn 0 64K
#@ mlock_prot_none
A mmap ml 64K rw locked at=0x110000000000
#@ map_locked_rw
A mmap mn 64K none locked at=0x118000000000
#@ map_locked_prot_none
A munmap ml
#@ munmap_map_locked
A madvise r 128K 16K dontneed
#@ madvise_dontneed_locked
A madvise r 128K 16K free
#@ madvise_free_locked
A madvise r 128K 16K cold
#@ madvise_cold_locked
A madvise r 128K 16K pageout
#@ madvise_pageout_locked
A madvise r 64K 96K dontneed
#@ madvise_dontneed_into_locked
A mmap mr 64K rw locked at=0x120000000000
#@ pre_mremap
A mremap mr 0 64K 128K
#@ mremap_grow_locked
A mremap mr 0 128K 128K maymove fixed=0x128000000000 dontunmap as=mr2
#@ mremap_dontunmap_locked
