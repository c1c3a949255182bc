/**
 * The kernel functions the emulator's call paths name (Tracer.call/enter), each with its source file
 * in Linux 6.18 and a sentence of why the kernel runs it. The timeline shows them next to each step
 * and links the file to Elixir. Boot steps carry their own file and why (boot.ts), so they are not
 * repeated here; the event labels (eventLabel) name the function or tracepoint that makes the change.
 *
 * Files are for x86-64 where the function is arch code; where the emulator follows a patch series
 * that is not in 6.18 (mermap, __GFP_UNMAPPED), `why` says so.
 *
 * Eras: `zero_page_patch=before` is Linux 6.18, `after` the same tree with the "arch, mm: consolidate
 * empty_zero_page" series. A function that exists in one of them only carries `era`; `kernelFnIn()`
 * answers for a given era, and the lesson accuracy test (tests/lesson_accuracy.test.ts) fails when a
 * lesson cites a function its era does not have. KERNEL_NAMES does the same for counters, flags,
 * variables and macros the lessons name.
 */

export type Era = 'before' | 'after';

export interface KernelFn {
  /** source file under the kernel tree, e.g. `mm/memory.c` */
  file: string;
  /** one or two sentences: why the kernel does this here */
  why: string;
  /** the only era that has this function (absent: both) */
  era?: Era;
}

/** The Elixir cross-reference page for a kernel source file at v6.18. */
export function elixirUrl(file: string): string {
  return `https://elixir.bootlin.com/linux/v6.18/source/${file}`;
}

export const KERNEL_FNS = {
  // --- boot phases (boot.ts BootStep.phase: the outer call of every boot step)
  start_kernel: {
    file: 'init/main.c',
    why: 'The architecture-independent kernel entry: it sets up memory management, then everything else, in a fixed order.',
  },
  setup_arch: {
    file: 'arch/x86/kernel/setup.c',
    why: 'Architecture setup: read the firmware memory map into memblock, reserve what is in use, build the early page tables.',
  },
  mm_core_init_early: {
    file: 'mm/mm_init.c',
    why: 'Early core mm setup: zones and the struct page array (free_area_init()), before the buddy allocator exists. In 6.18 each architecture calls free_area_init() from setup_arch() instead.',
    era: 'after',
  },
  mm_core_init: {
    file: 'mm/mm_init.c',
    why: 'Bring up the page allocator: zonelists, memblock memory released to the buddy lists, then the slab allocator.',
  },
  initcalls: {
    file: 'init/main.c',
    why: 'The init functions that run once the core kernel is up: early initcalls from do_pre_smp_initcalls() before the other CPUs start (6.18’s init_zero_pfn() is one), then do_initcalls() by level (watermarks, THP, late memory setup).',
  },
  // --- the fault path
  exc_page_fault: {
    file: 'arch/x86/mm/fault.c',
    why: 'The CPU raised #PF: the page walk found no entry, or one that forbids this access. The handler reads CR2 (the address) and the error code (read/write, user/kernel).',
  },
  do_user_addr_fault: {
    file: 'arch/x86/mm/fault.c',
    why: 'A fault from user mode: find the VMA that covers the address and check the access is allowed before asking the core mm to fix the page tables; no VMA means SIGSEGV.',
  },
  handle_mm_fault: {
    file: 'mm/memory.c',
    why: 'The architecture-independent fault entry: counts the fault (pgfault), walks down allocating missing upper tables, then handle_pte_fault() picks the handler: do_pte_missing() → do_anonymous_page() (which allocates the PTE table first, pte_alloc()) for an empty PTE, do_wp_page() for a write to a read-only one.',
  },
  __pte_alloc: {
    file: 'mm/memory.c',
    why: 'The walk down to the fault found no PTE table under this PMD: allocate a zeroed page for one and hook it into the PMD.',
  },
  __pmd_alloc: {
    file: 'mm/memory.c',
    why: 'No PMD table under this PUD yet: allocate one and hook it in, so the walk can go on down.',
  },
  __pud_alloc: {
    file: 'mm/memory.c',
    why: 'No PUD table under this top-level entry yet: allocate one and hook it in.',
  },
  do_anonymous_page: {
    file: 'mm/memory.c',
    why: 'First touch of anonymous memory (the PTE is empty). A read maps the shared zero page read-only and special (my_zero_pfn(), zero_pfn() after the series) and jumps to setpte: no allocation, no reference, no rmap, no RSS. A write allocates a zeroed page and maps it writable.',
  },
  alloc_anon_folio: {
    file: 'mm/memory.c',
    why: 'Allocate the folio for an anonymous write fault, zeroed: a process must never see another one’s old data. In 6.18 vma_alloc_zeroed_movable_folio() allocates GFP_HIGHUSER_MOVABLE and clears with clear_user_highpage() unless init_on_alloc already did (user_alloc_needs_zeroing()); the emulator asks the allocator for __GFP_ZERO instead (same bytes, the clear shows as the allocator’s).',
  },
  folio_add_new_anon_rmap: {
    file: 'mm/rmap.c',
    why: 'Make the new folio anonymous: with RMAP_EXCLUSIVE it is exclusive to this mm (PageAnonExclusive), mapcount 0 → 1 and NR_ANON_MAPPED (AnonPages) + 1, so reclaim can find who maps it and a later write fault can reuse it at once.',
  },
  folio_batch_move_lru: {
    file: 'mm/swap.c',
    why: 'Folios wait in a per-CPU batch before they are put on the LRU lists in one go, to take the lruvec lock once for many pages.',
  },
  do_wp_page: {
    file: 'mm/memory.c',
    why: 'A write hit a present, read-only PTE: copy-on-write. A PageAnonExclusive page is reused in place; any other anonymous page only if wp_can_reuse_anon_folio() finds no reference but ours (the refcount decides, not the mapcount). The zero page, KSM pages and private file pages are always copied.',
  },
  wp_page_reuse: {
    file: 'mm/memory.c',
    why: 'The page is exclusively ours (PageAnonExclusive, or ours is the only reference): make the PTE writable and dirty in place, no copy, and count pgreuse.',
  },
  wp_page_copy: {
    file: 'mm/memory.c',
    why: 'No reuse: another reference exists (the other side of a fork, a GUP pin, an LRU batch, the swap cache), or the old page is the zero page, a KSM page or a private file page. Allocate a new page, copy the old contents (or zero it, for the zero page) and point this PTE at the copy.',
  },
  folio_prealloc: {
    file: 'mm/memory.c',
    why: 'Allocate the destination page for a COW copy; zeroed when the source is the zero page, since there is nothing to copy.',
  },
  __wp_page_copy_user: {
    file: 'mm/memory.c',
    why: 'Copy the shared page’s bytes into the new private page before it is mapped.',
  },
  do_fault: {
    file: 'mm/memory.c',
    why: 'A fault in a file-backed (here: shmem) VMA: ask the file for the page at this offset instead of allocating an anonymous one.',
  },
  shmem_fault: {
    file: 'mm/shmem.c',
    why: 'Find or allocate the shared-memory folio at this offset in the page cache, so every process mapping it sees the same page.',
  },
  filemap_map_pages: {
    file: 'mm/filemap.c',
    why: 'Fault-around: map the neighbouring pages already in the page cache too, to save later faults.',
  },
  do_read_fault: {
    file: 'mm/memory.c',
    why: 'A read of a file page: map what is cached around it first (fault-around), else ask the file for the page.',
  },
  do_cow_fault: {
    file: 'mm/memory.c',
    why: "A write to a private file mapping: the process gets its own anonymous copy of the page-cache page; the file's page stays as it was.",
  },
  do_shared_fault: {
    file: 'mm/memory.c',
    why: 'A write to a shared file mapping: the page-cache page itself is mapped writable and marked dirty, to be written back.',
  },
  filemap_fault: {
    file: 'mm/filemap.c',
    why: "Find the page in the file's page cache; on a miss, read it (and its neighbours) from the disk: a major fault.",
  },
  do_sync_mmap_readahead: {
    file: 'mm/filemap.c',
    why: 'Read-around: a mapped file is read in a window around the missing page (read_ahead_kb), betting the neighbours come next.',
  },
  do_async_mmap_readahead: {
    file: 'mm/filemap.c',
    why: 'The reader reached the page marked PG_readahead: read the next window now, before it is needed.',
  },
  copy_user_highpage: {
    file: 'include/linux/highmem.h',
    why: "Copy the page-cache page's bytes into the new private page.",
  },
  wp_page_shared: {
    file: 'mm/memory.c',
    why: 'A write to a clean, write-protected page of a shared file mapping: make it writable and mark the page dirty.',
  },
  filemap_write_and_wait_range: {
    file: 'mm/filemap.c',
    why: 'fsync/msync: write every dirty page of the file back to the disk and wait for it.',
  },
  folio_clear_dirty_for_io: {
    file: 'mm/page-writeback.c',
    why: 'Clean the page before writing it, and write-protect its PTEs, so a write after this point dirties it again.',
  },
  folio_end_writeback: {
    file: 'mm/filemap.c',
    why: 'The write to the disk completed: the page leaves writeback, clean.',
  },
  invalidate_mapping_pages: {
    file: 'mm/truncate.c',
    why: 'Drop the clean, unmapped pages of a file from the page cache (drop_caches, POSIX_FADV_DONTNEED).',
  },
  // --- huge pages
  do_huge_pmd_anonymous_page: {
    file: 'mm/huge_memory.c',
    why: 'The PMD is empty and THP is allowed for this VMA: map a whole PMD at once, the huge zero folio on a read or a new THP on a write.',
  },
  vma_alloc_anon_folio_pmd: {
    file: 'mm/huge_memory.c',
    why: 'Allocate and zero a PMD-sized folio for an anonymous THP fault.',
  },
  map_anon_folio_pmd: {
    file: 'mm/huge_memory.c',
    why: 'Install the huge PMD for a new THP, depositing a PTE table for a later split.',
  },
  do_huge_pmd_wp_page: {
    file: 'mm/huge_memory.c',
    why: 'A write to a read-only huge PMD: reuse the THP if exclusive, otherwise split the PMD and let the PTE path copy.',
  },
  do_huge_zero_wp_pmd: {
    file: 'mm/huge_memory.c',
    why: 'A write to the huge zero folio: replace it with a newly allocated THP.',
  },
  get_huge_zero_folio: {
    file: 'mm/huge_memory.c',
    why: 'Take a reference on the huge zero folio, allocating it on first use.',
  },
  set_huge_zero_folio: {
    file: 'mm/huge_memory.c',
    why: 'Map the huge zero folio read-only at this PMD.',
  },
  shrink_huge_zero_folio_scan: {
    file: 'mm/huge_memory.c',
    why: 'The shrinker frees the huge zero folio when no mm holds it any more, giving 2 MiB back under memory pressure.',
  },
  zap_huge_pmd: {
    file: 'mm/huge_memory.c',
    why: 'Unmap a huge PMD: drop the folio’s mapping and free the deposited table.',
  },
  copy_huge_pmd: {
    file: 'mm/huge_memory.c',
    why: 'fork() of a huge PMD: share it read-only with the child (COW), like copy_page_range does for PTEs.',
  },
  __do_huge_pmd_anonymous_page: {
    file: 'mm/huge_memory.c',
    why: 'Allocate, map and queue a THP for a write fault (or use_zero_page=0): it ends with deferred_split_folio(folio, false).',
  },
  deferred_split_folio: {
    file: 'mm/huge_memory.c',
    why: 'Put a large folio on its node’s deferred split queue: every faulted THP, and partially mapped ones (PG_partially_mapped, thp_deferred_split_page).',
  },
  userfaultfd_register: {
    file: 'fs/userfaultfd.c',
    why: 'UFFDIO_REGISTER: mark the range’s VMAs VM_UFFD_MISSING, so their missing pages go to user space.',
  },
  userfaultfd_zeropage: {
    file: 'fs/userfaultfd.c',
    why: 'UFFDIO_ZEROPAGE: fill empty PTEs of a registered range with the zero page (mfill_atomic_zeropage).',
  },
  mfill_atomic_pte_zeropage: {
    file: 'mm/userfaultfd.c',
    why: 'One page of UFFDIO_ZEROPAGE: a special read-only PTE to the zero page where the PTE is empty, else EEXIST.',
  },
  handle_userfault: {
    file: 'fs/userfaultfd.c',
    why: 'A fault on a missing page of a registered VMA goes to user space; with UFFD_FEATURE_SIGBUS it is SIGBUS.',
  },
  deferred_split_scan: {
    file: 'mm/huge_memory.c',
    why: 'The deferred split shrinker: each queued THP is split if partially mapped or underused, else taken off the queue.',
  },
  thp_underused: {
    file: 'mm/huge_memory.c',
    why: 'Count the THP’s zero-filled pages: more than khugepaged/max_ptes_none of them makes it underused.',
  },
  split_huge_page_to_list_to_order: {
    file: 'mm/huge_memory.c',
    why: 'Split a large folio into order-0 folios (split_folio): unmap, split the struct pages, map back.',
  },
  unmap_folio: {
    file: 'mm/huge_memory.c',
    why: 'Take the folio out of every page table before its struct pages change: huge PMDs become PTEs.',
  },
  __split_unmapped_folio: {
    file: 'mm/huge_memory.c',
    why: 'Turn the unmapped compound page into order-0 folios, each inheriting the flags and LRU place.',
  },
  remap_page: {
    file: 'mm/huge_memory.c',
    why: 'Map the new folios back where the THP was; with RMP_USE_SHARED_ZEROPAGE, zero-filled ones are not.',
  },
  try_to_map_unused_to_zeropage: {
    file: 'mm/migrate.c',
    why: 'A zero-filled page split off a THP is mapped as the shared zero page instead, and freed.',
  },
  __split_huge_pmd: {
    file: 'mm/huge_memory.c',
    why: 'Turn one huge PMD into a table of PTEs (using the deposited table) so that part of it can be changed alone.',
  },
  // --- processes and VMAs
  kernel_clone: {
    file: 'kernel/fork.c',
    why: 'fork(): make a new task; with a copied mm its memory is shared copy-on-write with the parent.',
  },
  dup_mmap: {
    file: 'mm/mmap.c',
    why: 'Copy the parent’s VMAs into the child’s mm and, for each, its page tables (copy_page_range).',
  },
  copy_page_range: {
    file: 'mm/memory.c',
    why: 'Copy the page tables of one VMA into the child: private writable pages become read-only in both, so the first write copies (COW).',
  },
  do_exit: {
    file: 'kernel/exit.c',
    why: 'The task ends: its mm is released, and with the last user exit_mmap frees all its memory.',
  },
  exit_mmap: {
    file: 'mm/mmap.c',
    why: 'Tear down an mm: unmap every VMA (zap) and free the page tables.',
  },
  do_mmap: {
    file: 'mm/mmap.c',
    why: 'Create a VMA: reserve the address range. No page is allocated until it is touched.',
  },
  get_unmapped_area: {
    file: 'mm/mmap.c',
    why: 'Choose where a new mapping goes: top-down below the stack gap; an anonymous mapping whose length is a multiple of PMD_SIZE is aligned to PMD_SIZE for THP (thp_get_unmapped_area_vmflags()).',
  },
  do_vmi_munmap: {
    file: 'mm/vma.c',
    why: 'munmap(): split the VMAs at the edges, zap their pages and free the page tables the range no longer needs.',
  },
  zap_pte_range: {
    file: 'mm/memory.c',
    why: 'Clear the PTEs of a range and drop each page’s mapcount and RSS; the references go into the mmu_gather and are dropped only after the TLB flush (tlb_finish_mmu), so no CPU can still reach a page when it is freed.',
  },
  free_pgtables: {
    file: 'mm/memory.c',
    why: 'Free the page-table pages a removed range no longer needs.',
  },
  try_get_and_clear_pmd: {
    file: 'mm/pt_reclaim.c',
    why: "MADV_DONTNEED's zap covered this PTE table's whole 2 MiB, so the table is empty now: unhook it from the PMD and free it (VmPTE shrinks). A table the zap covered only partly stays.",
  },
  do_mprotect_pkey: {
    file: 'mm/mprotect.c',
    why: 'mprotect(): change a VMA’s permissions and update the PTEs that map it.',
  },
  change_protection: {
    file: 'mm/mprotect.c',
    why: 'Rewrite the PTEs of a range with the new protection bits.',
  },
  do_mlock: {
    file: 'mm/mlock.c',
    why: 'mlock(): round the range out to whole pages, set VM_LOCKED on its VMAs, then fault every page in (__mm_populate) so none faults later.',
  },
  apply_vma_lock_flags: {
    file: 'mm/mlock.c',
    why: 'mlock()/munlock(): VMA by VMA through the range; a hole stops it with ENOMEM, the VMAs before it already changed.',
  },
  mlock_fixup: {
    file: 'mm/mlock.c',
    why: 'Split the VMA at the range’s ends and set or clear VM_LOCKED on the part inside; mm->locked_vm (VmLck) follows.',
  },
  ksm_do_scan: {
    file: 'mm/ksm.c',
    why: 'One full scan of ksmd: every present anonymous page of every MADV_MERGEABLE range is checksummed and, if unchanged since the last scan, merged — a zero-filled one with the zero page when use_zero_pages is on.',
  },
  cmp_and_merge_page: {
    file: 'mm/ksm.c',
    why: 'One page: a changed checksum is only recorded (the page is still being written); an unchanged zero-filled page is replaced by the zero page (try_to_merge_with_zero_page → replace_page), its frame freed.',
  },
  unmerge_ksm_pages: {
    file: 'mm/ksm.c',
    why: 'MADV_UNMERGEABLE: each KSM zero page of the range is unshared by a fault (break_ksm) into a fresh zeroed page of its own.',
  },
  unmerge_and_remove_all_rmap_items: {
    file: 'mm/ksm.c',
    why: 'echo 2 > /sys/kernel/mm/ksm/run: every merged page is unshared and ksmd forgets every page it had scanned.',
  },
  // named by the ksm-zero lesson (the model runs them inside ksm_do_scan and unmerge_ksm_pages)
  ksm_madvise: {
    file: 'mm/ksm.c',
    why: 'MADV_MERGEABLE sets VM_MERGEABLE on the VMA and enters the mm on ksmd’s list (__ksm_enter()); MADV_UNMERGEABLE unshares the merged pages of the range (unmerge_ksm_pages()) and clears the flag.',
  },
  __ksm_enter: {
    file: 'mm/ksm.c',
    why: 'Put an mm on ksmd’s list of mms to scan (an mm_slot, MMF_VM_MERGEABLE), and wake ksmd if it was idle.',
  },
  calc_checksum: {
    file: 'mm/ksm.c',
    why: 'A 32-bit xxhash of the page’s bytes: KSM compares it with the last scan’s (rmap_item->oldchecksum) to skip pages that are still changing, and with zero_checksum for use_zero_pages.',
  },
  try_to_merge_with_zero_page: {
    file: 'mm/ksm.c',
    why: 'With use_zero_pages, a page whose checksum is the empty page’s (zero_checksum) is merged with ZERO_PAGE(address) through try_to_merge_one_page().',
  },
  try_to_merge_one_page: {
    file: 'mm/ksm.c',
    why: 'Lock the page, write-protect its PTE (write_protect_page(): refused when a reference other than the mappings exists), check the bytes really are equal (pages_identical()) and let replace_page() switch the PTE.',
  },
  replace_page: {
    file: 'mm/ksm.c',
    why: 'Point the PTE at the merged page instead. For the zero page the new PTE is special and dirty (the dirty bit marks a KSM zero page), ksm_map_zero_page() counts it, MM_ANONPAGES drops and the old page loses its mapping.',
  },
  break_ksm: {
    file: 'mm/ksm.c',
    why: 'Unshare one merged page: a fault with FAULT_FLAG_UNSHARE gives the address a page of its own, as a write would.',
  },
  is_ksm_zero_pte: {
    file: 'include/linux/ksm.h',
    why: 'A PTE that maps the zero page and is dirty: only replace_page() makes such a PTE, so the dirty bit tells a KSM zero page from one a read fault mapped.',
  },
  ksm_might_unmap_zero_page: {
    file: 'include/linux/ksm.h',
    why: 'A zero-page PTE goes away (a copy-on-write fault, a zap): if it is a KSM zero page (is_ksm_zero_pte()), the global and the mm’s ksm_zero_pages drop by one.',
  },
  mlock_vma_pages_range: {
    file: 'mm/mlock.c',
    why: 'Walk the pages already mapped in the range and mlock each folio (PG_mlocked, Mlocked) — or munlock it when the VMA is no longer VM_LOCKED.',
  },
  mlock_folio_batch: {
    file: 'mm/mlock.c',
    why: 'Run this CPU’s mlock batch: mlocked folios move to the unevictable LRU list, where reclaim never scans them; munlocked ones whose last lock went back to the inactive list.',
  },
  do_madvise: {
    file: 'mm/madvise.c',
    why: 'madvise(): MADV_DONTNEED drops the pages of a range (later reads see zeros), keeping the VMA.',
  },
  __mm_populate: {
    file: 'mm/gup.c',
    why: 'MAP_POPULATE: populate the new mapping VMA by VMA; a VMA GUP may not touch (PROT_NONE) is skipped, and errors are ignored.',
  },
  do_swap_page: {
    file: 'mm/memory.c',
    why: "The PTE holds a swap entry: find the folio in the swap cache or read the slot into a new one (a zeromap slot comes back zeroed: a major fault either way when read), map it, and drop the PTE's reference on the slot.",
  },
  madvise_pageout: {
    file: 'mm/madvise.c',
    why: 'MADV_PAGEOUT: isolate the private anonymous folios of the range from the LRU and reclaim them to swap right away.',
  },
  do_mremap: {
    file: 'mm/mremap.c',
    why: 'mremap(): check the arguments, then grow the mapping in place, shrink it, or move it (MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP).',
  },
  expand_vma_in_place: {
    file: 'mm/mremap.c',
    why: 'The address space after the mapping is free: the VMA just grows; no page moves.',
  },
  move_vma: {
    file: 'mm/mremap.c',
    why: 'A new VMA at the destination takes over the old range: its page-table entries move there, then the old range is unmapped (or, with MREMAP_DONTUNMAP, left empty).',
  },
  move_page_tables: {
    file: 'mm/mremap.c',
    why: 'Move each PTE to the new address instead of copying the page: the data, the frame and its mapcount stay as they were; the old translations are flushed.',
  },
  madvise_free_single_vma: {
    file: 'mm/madvise.c',
    why: 'MADV_FREE: the PTEs of the range become clean and old, and each private anonymous folio goes (through a per-CPU batch) to the inactive file list without PG_swapbacked: reclaim may drop it without swap, unless it is written again.',
  },
  madvise_cold: {
    file: 'mm/madvise.c',
    why: "MADV_COLD: the range's private anonymous folios lose their referenced state and move to the inactive LRU list, first in line for reclaim.",
  },
  reclaim_pages: {
    file: 'mm/vmscan.c',
    why: 'shrink_folio_list on the isolated folios: a swap slot and the swap cache (add_to_swap), the PTE becomes a swap entry (try_to_unmap), then pageout and freeing. A clean lazyfree (MADV_FREE) folio is simply dropped.',
  },
  shrink_folio_list: {
    file: 'mm/vmscan.c',
    why: 'Try to free each isolated folio, oldest first: check its references (the second chance), give an anonymous one a swap slot and the swap cache, unmap every PTE to a swap entry, write it out (zero-filled pages only set a zeromap bit), and free it. What cannot be freed goes back, activated or kept.',
  },
  add_to_swap: {
    file: 'mm/vmscan.c',
    why: 'An anonymous folio gets a swap slot and joins the swap cache, dirty: from now on the slot, not the page, holds its data once it is written.',
  },
  try_to_unmap: {
    file: 'mm/rmap.c',
    why: "Walk the folio's reverse map and replace each PTE that maps it by a swap entry for its slot, flushing the TLB: the processes no longer map the page, and their next touch is a swap-in fault.",
  },
  __remove_mapping: {
    file: 'mm/vmscan.c',
    why: 'The folio leaves the swap cache once no one but reclaim holds a reference (the refcount freeze); then it is freed. Its data lives on in the swap slot (or as a zeromap bit).',
  },
  isolate_lru_folios: {
    file: 'mm/vmscan.c',
    why: 'Take up to nr_to_scan folios from the tail of an LRU list (the oldest end) onto a private list, each with a reference, so reclaim can work on them without the lruvec lock.',
  },
  folio_referenced: {
    file: 'mm/rmap.c',
    why: 'How many PTEs mapping the folio have their Accessed bit set (the MMU sets it on every access): each is counted and cleared, so the next look sees only the uses since this one. A VM_LOCKED mapping reports the folio as in use.',
  },
  shrink_active_list: {
    file: 'mm/vmscan.c',
    why: "Age the active list: its oldest folios are isolated (pgrefill), their Accessed bits cleared, and they move to the inactive list (pgdeactivate). An anonymous folio's use while active does not keep it there: it gets its second chance on the inactive list instead.",
  },
  shrink_inactive_list: {
    file: 'mm/vmscan.c',
    why: 'Isolate the oldest inactive folios (pgscan_*), run shrink_folio_list on them, count what was freed (pgsteal_*) and put the rest back.',
  },
  shrink_lruvec: {
    file: 'mm/vmscan.c',
    why: 'Decide how many pages of each LRU list to scan at this priority (get_scan_count: list size >> priority; anonymous lists only with free swap), then scan them 32 at a time in turn until enough is freed; last, age the active anon list if the inactive one is short.',
  },
  shrink_node: {
    file: 'mm/vmscan.c',
    why: "Reclaim from the node's lruvec: prepare_scan_control lets the active lists be aged only when their inactive lists are short of their share (inactive_is_low).",
  },
  do_try_to_free_pages: {
    file: 'mm/vmscan.c',
    why: 'Shrink the node at falling priority, 12 down to 0 (each pass scans twice as much of every list), until the target is freed.',
  },
  try_to_free_pages: {
    file: 'mm/vmscan.c',
    why: 'Direct reclaim: the allocating task itself frees SWAP_CLUSTER_MAX (32) pages because memory fell below the min watermark. It stalls the allocation (allocstall_*); only if it frees nothing does the OOM killer come next.',
  },
  __alloc_pages_direct_reclaim: {
    file: 'mm/page_alloc.c',
    why: 'The slow path could not allocate even at the min watermark: reclaim directly (try_to_free_pages), then retry the free lists.',
  },
  user_proactive_reclaim: {
    file: 'mm/vmscan.c',
    why: "Writing a size to a node's reclaim file (/sys/devices/system/node/nodeN/reclaim, 6.17+) or a cgroup's memory.reclaim: reclaim that much now, in batches of a quarter of what is left (at least 32 pages), giving up with EAGAIN after 16 batches that free nothing.",
  },
  __node_reclaim: {
    file: 'mm/vmscan.c',
    why: "One batch of the node's proactive reclaim: shrink_node at falling priority until the batch is freed (counted as pgscan_proactive / pgsteal_proactive).",
  },
  wakeup_kswapd: {
    file: 'mm/vmscan.c',
    why: "An allocation found every zone below its low watermark: wake the node's kswapd (unless the node is balanced or kswapd keeps failing), which will reclaim in the background up to the high watermark.",
  },
  kswapd: {
    file: 'mm/vmscan.c',
    why: "The node's reclaim thread: woken at the low watermark, it runs balance_pgdat and sleeps again. The emulator runs it when the operation that woke it ends (in Linux it runs beside the allocating task).",
  },
  lru_add: {
    file: 'mm/swap.c',
    why: 'A new folio joins an LRU list from the per-CPU add batch: anonymous folios at the head of the inactive anonymous list (no MGLRU).',
  },
  pgdat_balanced: {
    file: 'mm/vmscan.c',
    why: "kswapd's stop test: some zone the wakeup may use is above its high watermark.",
  },
  folio_rotate_reclaimable: {
    file: 'mm/swap.c',
    why: 'A folio whose writeback for reclaim ended goes to the tail of the inactive list, so the next scan frees it first.',
  },
  folio_check_references: {
    file: 'mm/vmscan.c',
    why: 'The second chance: an inactive folio whose PTEs were young is kept once (PG_referenced set) and activated if it is found young again (pgactivate); an unreferenced one is reclaimed.',
  },
  workingset_refault: {
    file: 'mm/workingset.c',
    why: 'A folio read back after eviction: if its refault distance fits the workingset it goes straight to the active list (workingset_refault_anon, workingset_activate_anon).',
  },
  balance_pgdat: {
    file: 'mm/vmscan.c',
    why: "kswapd's reclaim: at falling priority, shrink the node until some eligible zone is back above its high watermark (pgdat_balanced), each pass aiming at the zones' high watermarks (pgscan_kswapd, pgsteal_kswapd).",
  },
  swap_writeout: {
    file: 'mm/page_io.c',
    why: "Write the folio to its slot, unless it is all zeros: then only the slot's zeromap bit is set and nothing reaches the disk (swpout_zero).",
  },
  is_folio_zero_filled: {
    file: 'mm/page_io.c',
    why: 'Read the folio word by word: swap_writeout() writes nothing for a folio of zeros, it sets the zeromap bit of its slot instead.',
  },
  zswap_store: {
    file: 'mm/zswap.c',
    why: 'With zswap on, a folio about to be written to swap is compressed into a RAM pool instead (zswpout); the swap slot stays allocated but the device is not written. A page that does not shrink is stored as it is.',
  },
  zswap_load: {
    file: 'mm/zswap.c',
    why: 'A swap-in asks zswap before the device: the page is decompressed from the pool (zswpin), the entry is dropped and the folio marked dirty, so the next reclaim stores it again.',
  },
  swap_read_folio: {
    file: 'mm/page_io.c',
    why: 'Fill a folio from its swap slot: a zeromap slot is zero-filled without I/O (swpin_zero), any other is read from the device (pswpin).',
  },
  swap_read_folio_zeromap: {
    file: 'mm/page_io.c',
    why: "The slot's zeromap bit is set: zero the folio and mark it uptodate, no read (swpin_zero).",
  },
  faultin_page_range: {
    file: 'mm/gup.c',
    why: 'MADV_POPULATE_READ/WRITE: fault the range in up to the first hole (then ENOMEM); a VMA without the needed permission is EINVAL.',
  },
  populate_vma_page_range: {
    file: 'mm/gup.c',
    why: 'MAP_POPULATE / mlock: fault every page of the range in now, through handle_mm_fault, instead of on first touch.',
  },
  out_of_memory: {
    file: 'mm/oom_kill.c',
    why: 'Allocation failed even after reclaim: pick the process with the largest badness score and kill it to free its memory.',
  },
  pgd_alloc: {
    file: 'arch/x86/mm/pgtable.c',
    why: 'A new mm needs its top-level page table; the kernel half is copied from swapper_pg_dir.',
  },
  rcu_do_batch: {
    file: 'kernel/rcu/tree.c',
    why: 'After a grace period, run the deferred callbacks: here, freeing page tables that lockless walkers might still have been reading.',
  },
  // --- TLB and the direct map
  switch_mm_irqs_off: {
    file: 'arch/x86/mm/tlb.c',
    why: 'Switch this CPU to another mm: load CR3 with its PGD and pick a PCID so that its TLB entries can survive the switch.',
  },
  flush_tlb_kernel_range: {
    file: 'arch/x86/mm/tlb.c',
    why: 'Kernel mappings changed: every CPU must drop stale TLB entries (an IPI shootdown), which needs interrupts enabled.',
  },
  init_memory_mapping: {
    file: 'arch/x86/mm/init.c',
    why: 'Build the direct map of physical memory with the largest pages possible (1 GiB, 2 MiB), so the kernel can reach every frame.',
  },
  split_large_page: {
    file: 'arch/x86/mm/pat/set_memory.c',
    why: 'Changing the attributes of one 4 KiB page inside a large direct-map page first splits the large page into a table.',
  },
  set_direct_map_invalid_noflush: {
    file: 'arch/x86/mm/pat/set_memory.c',
    why: 'Remove a page from the kernel direct map (the caller flushes the TLB).',
  },
  set_direct_map_default_noflush: {
    file: 'arch/x86/mm/pat/set_memory.c',
    why: 'Put a page back into the kernel direct map with default permissions.',
  },
  mermap_mm_prepare: {
    file: 'mm/mermap.c',
    why: 'Set up an mm’s mermap: per-CPU state and, in the mm’s own page tables, every CPU’s slice filled with the sentinel PTE (the __GFP_UNMAPPED series, not in 6.18).',
  },
  apply_to_page_range: {
    file: 'mm/memory.c',
    why: 'Call a function on each PTE of a range, allocating the page tables it is missing (here: one mermap slice, in the mm-local region).',
  },
  arch_exit_mmap: {
    file: 'arch/x86/include/asm/mmu_context.h',
    why: 'The architecture’s part of exit_mmap; with the __GFP_UNMAPPED series x86 frees the mm-local region here (not in 6.18).',
  },
  mm_local_region_free: {
    file: 'arch/x86/include/asm/mmu_context.h',
    why: 'Free the page tables of the mm’s local PGD slot (the mermap slices) with free_pgd_range (the __GFP_UNMAPPED series, not in 6.18).',
  },
  clear_page_mermap: {
    file: 'mm/mermap.c',
    why: 'Zero a page that is absent from the direct map through a temporary per-CPU mapping (the __GFP_UNMAPPED series, not in 6.18).',
  },
  // --- the page allocator
  __alloc_pages: {
    file: 'mm/page_alloc.c',
    why: 'The buddy allocator’s entry: try the fast path against the low watermark, then the slow path.',
  },
  get_page_from_freelist: {
    file: 'mm/page_alloc.c',
    why: 'Walk the zonelist for a zone above its watermark and take a block from it.',
  },
  rmqueue: {
    file: 'mm/page_alloc.c',
    why: 'Take a block from a zone: order-0 (and small orders) from the per-CPU lists, larger orders from the buddy free lists under the zone lock.',
  },
  rmqueue_pcplist: {
    file: 'mm/page_alloc.c',
    why: 'The per-CPU page list: no zone lock for the common single-page case; refilled in batches when empty.',
  },
  rmqueue_bulk: {
    file: 'mm/page_alloc.c',
    why: 'Refill a per-CPU list with a batch of pages taken from the buddy free lists in one locked pass.',
  },
  __rmqueue: {
    file: 'mm/page_alloc.c',
    why: 'Take a block of the wanted migratetype; if none is free, fall back to stealing from another migratetype.',
  },
  __rmqueue_smallest: {
    file: 'mm/page_alloc.c',
    why: 'Find the smallest free block of at least the wanted order on this migratetype’s free lists.',
  },
  __rmqueue_claim: {
    file: 'mm/page_alloc.c',
    why: 'Fallback: claim a whole pageblock of another migratetype, largest block first, to limit fragmentation.',
  },
  __rmqueue_steal: {
    file: 'mm/page_alloc.c',
    why: 'Fallback when no block can be claimed: take the smallest block of another migratetype without converting its pageblock.',
  },
  try_to_claim_block: {
    file: 'mm/page_alloc.c',
    why: 'Convert a pageblock to our migratetype if enough of it is free or compatible, moving its free pages to our lists.',
  },
  __move_freepages_block: {
    file: 'mm/page_alloc.c',
    why: 'Move the free blocks of a pageblock from one migratetype’s free lists to another’s.',
  },
  __rmqueue_direct_map: {
    file: 'mm/page_alloc.c',
    why: 'Take a block from the free lists of pages already absent from the direct map (the __GFP_UNMAPPED series, not in 6.18).',
  },
  expand: {
    file: 'mm/page_alloc.c',
    why: 'The block found is larger than asked for: split it in halves, putting each unused upper half back on the free list one order lower.',
  },
  post_alloc_hook: {
    file: 'mm/page_alloc.c',
    why: 'Prepare an allocated page: set its refcount to 1 and zero it when __GFP_ZERO or init_on_alloc asks.',
  },
  __alloc_pages_slowpath: {
    file: 'mm/page_alloc.c',
    why: 'The fast path failed: wake kswapd, retry at the min watermark, then reclaim or compact, and finally the OOM killer.',
  },
  kernel_init_pages: {
    file: 'mm/page_alloc.c',
    why: 'Zero pages through the kernel’s mapping (init_on_alloc, init_on_free, __GFP_ZERO).',
  },
  clear_highpage: {
    file: 'include/linux/highmem.h',
    why: 'Zero one page through a temporary kernel mapping.',
  },
  __free_pages: {
    file: 'mm/page_alloc.c',
    why: 'Drop a reference; the last one frees the block back to the allocator.',
  },
  free_pages_prepare: {
    file: 'mm/page_alloc.c',
    why: 'Check and clean a page before it is freed: flags reset, mapping cleared, poisoned or zeroed with init_on_free.',
  },
  free_frozen_page_commit: {
    file: 'mm/page_alloc.c',
    why: 'Put a freed order-0 page on this CPU’s list; when the list exceeds its high mark, a batch goes back to the buddy lists.',
  },
  free_pcppages_bulk: {
    file: 'mm/page_alloc.c',
    why: 'Return a batch of pages from a per-CPU list to the buddy free lists under the zone lock.',
  },
  free_one_page: {
    file: 'mm/page_alloc.c',
    why: 'Free a block straight to the buddy lists (not via the per-CPU list), taking the zone lock.',
  },
  __free_one_page: {
    file: 'mm/page_alloc.c',
    why: 'Merge the freed block with its buddy while the buddy is free too, one order up each time, then add the result to a free list.',
  },
  __free_pages_core: {
    file: 'mm/page_alloc.c',
    why: 'Hand memory that boot no longer needs to the buddy allocator for the first time.',
  },
  drain_all_pages: {
    file: 'mm/page_alloc.c',
    why: 'Return every CPU’s per-CPU pages to the buddy lists, e.g. before reporting free memory exactly or retrying a high-order allocation.',
  },
  setup_per_zone_wmarks: {
    file: 'mm/page_alloc.c',
    why: 'Compute each zone’s min/low/high watermarks from min_free_kbytes.',
  },
  set_recommended_min_free_kbytes: {
    file: 'mm/khugepaged.c',
    why: 'With THP on, raise min_free_kbytes so that enough pageblocks stay free for huge pages.',
  },
  free_reserved_area: {
    file: 'mm/page_alloc.c',
    why: 'Give memory that was reserved during boot (init sections) back to the page allocator.',
  },
  // --- boot memory
  memblock_add: {
    file: 'mm/memblock.c',
    why: 'Record a range of usable RAM reported by the firmware.',
  },
  memblock_remove: {
    file: 'mm/memblock.c',
    why: 'Take a range out of usable memory entirely (e.g. a mem= limit).',
  },
  memblock_reserve: {
    file: 'mm/memblock.c',
    why: 'Mark a range as in use (kernel image, initrd, firmware tables) so that memblock allocations and the buddy allocator never hand it out.',
  },
  memblock_reserve_kern: {
    file: 'mm/memblock.c',
    why: 'What memblock_alloc() reserves is flagged MEMBLOCK_RSRV_KERN, so memblock_estimated_nr_free_pages() subtracts the kernel’s own allocations and not firmware or image reservations.',
  },
  memblock_phys_alloc_range: {
    file: 'mm/memblock.c',
    why: 'Boot-time allocation before the buddy allocator exists: find a free range (top-down) and reserve it.',
  },
  memblock_phys_free: {
    file: 'mm/memblock.c',
    why: 'Give a boot allocation back: remove it from the reserved list.',
  },
  memblock_free_all: {
    file: 'mm/memblock.c',
    why: 'End of boot memory: every free range goes to the buddy allocator.',
  },
  free_low_memory_core_early: {
    file: 'mm/memblock.c',
    why: 'Release each free memblock range to the buddy allocator in the largest aligned blocks possible.',
  },
  __free_pages_memory: {
    file: 'mm/memblock.c',
    why: 'Free one range in naturally aligned blocks of up to MAX_PAGE_ORDER.',
  },
  memmap_init_reserved_pages: {
    file: 'mm/memblock.c',
    why: 'Mark the struct pages of reserved ranges PG_reserved, so the allocator never frees them.',
  },
  memmap_init: {
    file: 'mm/mm_init.c',
    why: 'Initialise every struct page of each zone: zone, node, refcount 1, mapcount -1, no flags. At boot PG_reserved comes only from holes (init_unavailable_range()) and later from memmap_init_reserved_pages(); memmap_init_range() sets it itself only for hotplugged memory.',
  },
  alloc_node_mem_map: {
    file: 'mm/mm_init.c',
    why: 'Allocate the array of struct pages (the memmap) from memblock.',
  },
  sparse_buffer_init: {
    file: 'mm/sparse.c',
    why: 'SPARSEMEM: allocate the memmap for all present sections in one memblock allocation.',
  },
  mem_init_print_info: {
    file: 'mm/mm_init.c',
    why: 'Print the boot "Memory: ...K/...K available" line.',
  },
  mem_init: {
    file: 'arch/x86/mm/init_64.c',
    why: 'The architecture’s hook right after memblock_free_all(): since 6.15 mm_core_init() releases boot memory itself and then calls mem_init() (sparc64 took its zero page here in 6.18).',
  },
  setup_zero_pages: {
    file: 'arch/mips/mm/init.c',
    why: 'Allocate the (coloured) zero pages from memblock (since 6.15, called from arch_mm_preinit(); s390 has its own in arch/s390/mm/init.c): one per cache colour so zero-page reads do not alias in a virtually indexed cache.',
    era: 'before',
  },
  arch_setup_zero_pages: {
    file: 'mm/mm_init.c',
    why: 'The series’ hook: a weak default (__zero_page = virt_to_page(empty_zero_page)) that arm64, sparc64, MIPS and s390 override, called from init_zero_page_pfn() while memblock still works.',
    era: 'after',
  },
  init_zero_page_pfn: {
    file: 'mm/mm_init.c',
    why: 'The series: mm_core_init() calls it right after arch_mm_preinit(): arch_setup_zero_pages(), then zero_page_pfn = page_to_pfn(ZERO_PAGE(0)).',
    era: 'after',
  },
  init_zero_pfn: {
    file: 'mm/memory.c',
    why: 'Linux 6.18: an early_initcall that sets zero_pfn = page_to_pfn(ZERO_PAGE(0)), run from do_pre_smp_initcalls() long after mm_core_init().',
    era: 'before',
  },
  my_zero_pfn: {
    file: 'include/linux/pgtable.h',
    why: 'Linux 6.18: the pfn to map for a read fault at addr. With one zero page it returns the zero_pfn variable (no ZERO_PAGE() call); with coloured zero pages it is page_to_pfn(ZERO_PAGE(addr)).',
    era: 'before',
  },
  zero_pfn: {
    file: 'include/linux/pgtable.h',
    why: 'After "mm: rename my_zero_pfn() to zero_pfn()": the same helper, returning zero_page_pfn (or the page of the address’s colour).',
    era: 'after',
  },
  ZERO_PAGE: {
    file: 'arch/x86/include/asm/pgtable.h',
    why: 'The struct page of the zero page for a user address: virt_to_page(empty_zero_page) on x86-64 in 6.18, phys_to_page(__pa_symbol()) on arm64, the page of the address’s colour on MIPS and s390; after the series one load of __zero_page where there is one page.',
  },
  is_zero_pfn: {
    file: 'include/linux/pgtable.h',
    why: 'Whether a pfn is the zero page: pfn == zero_pfn (zero_page_pfn after the series), or an unsigned range check against zero_page_mask with coloured zero pages.',
  },

  // --- named by the lessons (issue #17: every function a lesson cites is here, with its file)
  handle_pte_fault: {
    file: 'mm/memory.c',
    why: 'The last level of the fault walk: an empty PTE goes to do_pte_missing(), a write to a read-only present PTE to do_wp_page().',
  },
  do_pte_missing: {
    file: 'mm/memory.c',
    why: 'No PTE yet: do_anonymous_page() for anonymous memory, do_fault() for a file.',
  },
  pte_alloc: {
    file: 'include/linux/mm.h',
    why: 'Make sure a PTE table exists under this PMD (__pte_alloc() when it does not).',
  },
  add_mm_counter: {
    file: 'include/linux/mm.h',
    why: 'Change one of an mm’s RSS counters (MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES): what VmRSS sums.',
  },
  pte_mkspecial: {
    file: 'arch/x86/include/asm/pgtable.h',
    why: 'Set the PTE’s special bit: a mapping with no struct page to manage, so vm_normal_page() returns NULL.',
  },
  vm_normal_page: {
    file: 'mm/memory.c',
    why: 'The struct page behind a PTE, or NULL for special mappings (the zero page, raw pfn maps): zap, fork, GUP and COW all go through it, so a special PTE is never refcounted, rmapped or counted in RSS.',
  },
  wp_can_reuse_anon_folio: {
    file: 'mm/memory.c',
    why: 'May a write reuse this non-exclusive anonymous page? Small folios: a KSM page or more than 3 references fails fast; then lru_add_drain() of this CPU, and reuse only if the refcount is 1 under the folio lock. The mapcount is never read.',
  },
  copy_present_ptes: {
    file: 'mm/memory.c',
    why: 'fork() of present PTEs: share the page with the child (a reference and a mapcount, PageAnonExclusive cleared) and write-protect both PTEs of a COW mapping; a possibly pinned exclusive page is copied for the child at once.',
  },
  zap_present_ptes: {
    file: 'mm/memory.c',
    why: 'Clear present PTEs during unmap or exit: drop RSS and mapcount, and hand the pages to the mmu_gather to be released after the TLB flush.',
  },
  is_cow_mapping: {
    file: 'include/linux/mm.h',
    why: 'A private mapping that may be written (VM_MAYWRITE without VM_SHARED): fork must write-protect its PTEs.',
  },
  flush_tlb_mm: {
    file: 'arch/x86/include/asm/tlbflush.h',
    why: 'Flush every user translation of an mm on every CPU that may hold it: dup_mmap() ends with it, after write-protecting the parent.',
  },
  folio_needs_cow_for_dma: {
    file: 'include/linux/mm.h',
    why: 'Is this folio possibly pinned (GUP with FOLL_PIN) in a COW mapping of an mm that has pinned pages? Then fork must copy it for the child at once, so the pin keeps pointing at the parent’s page.',
  },
  folio_try_dup_anon_rmap_ptes: {
    file: 'include/linux/rmap.h',
    why: 'fork(): add the child’s mappings of an anonymous page and clear PageAnonExclusive, or refuse (-EBUSY) when the page may be pinned, so the caller copies it.',
  },
  folio_free_swap: {
    file: 'mm/swapfile.c',
    why: 'Drop a folio from the swap cache and free its slot, unless a swap entry still refers to the slot or the folio is under writeback.',
  },
  folio_add_lru: {
    file: 'mm/swap.c',
    why: 'Queue a new folio in this CPU’s LRU add batch, which holds a reference until the batch is drained.',
  },
  lru_add_drain: {
    file: 'mm/swap.c',
    why: 'Move this CPU’s batched folios to the LRU lists, dropping the batch’s references (other CPUs’ batches are untouched).',
  },
  tlb_finish_mmu: {
    file: 'mm/mmu_gather.c',
    why: 'End an mmu_gather: flush the TLB, then free the gathered pages and page tables, in that order.',
  },
  exit_mm: {
    file: 'kernel/exit.c',
    why: 'A task leaving its mm: mmput(), and with the last user __mmput() tears the address space down.',
  },
  __mmput: {
    file: 'kernel/fork.c',
    why: 'The last user of an mm is gone: exit_mmap(), then mm_put_huge_zero_folio() and the rest of the teardown.',
  },
  smaps_account: {
    file: 'fs/proc/task_mmu.c',
    why: 'Add one page to /proc/<pid>/smaps: Rss counts it whole, Pss counts PAGE_SIZE / mapcount.',
  },
  task_mem: {
    file: 'fs/proc/task_mmu.c',
    why: 'The Vm* lines of /proc/<pid>/status: VmRSS from the RSS counters, VmPTE from mm_pgtables_bytes().',
  },
  pagemap_read: {
    file: 'fs/proc/task_mmu.c',
    why: '/proc/<pid>/pagemap: one 64-bit entry per virtual page, with the pfn for CAP_SYS_ADMIN.',
  },
  meminfo_proc_show: {
    file: 'fs/proc/meminfo.c',
    why: '/proc/meminfo: AnonPages is NR_ANON_MAPPED, each anonymous page counted once however many mappings it has.',
  },
  __get_unmapped_area: {
    file: 'mm/mmap.c',
    why: 'Pick the address for a new mapping; an anonymous one whose length is a multiple of PMD_SIZE gets thp_get_unmapped_area_vmflags(), PMD_SIZE-aligned.',
  },
  thp_get_unmapped_area_vmflags: {
    file: 'mm/huge_memory.c',
    why: 'Search for a range PMD_SIZE larger than asked and align the start, so THP faults can map whole PMDs.',
  },
  mmap_region: {
    file: 'mm/vma.c',
    why: 'Create (or merge) the VMA for a new mapping: no page table, no frame.',
  },
  pgtable_trans_huge_deposit: {
    file: 'mm/pgtable-generic.c',
    why: 'Keep a preallocated PTE table with a huge PMD, so a later split never has to allocate (and cannot fail).',
  },
  mm_get_huge_zero_folio: {
    file: 'mm/huge_memory.c',
    why: 'Take the huge zero folio for an mm: one reference per mm, the first time (MMF_HUGE_ZERO_FOLIO).',
  },
  mm_put_huge_zero_folio: {
    file: 'mm/huge_memory.c',
    why: 'At __mmput(): drop the mm’s reference to the huge zero folio, if it took one.',
  },
  shrink_huge_zero_folio_count: {
    file: 'mm/huge_memory.c',
    why: 'The thp-zero shrinker’s count: 512 freeable pages only when huge_zero_refcount is 1 (only the shrinker holds it).',
  },
  largest_zero_folio: {
    file: 'include/linux/huge_mm.h',
    why: 'The largest zero folio available without allocating: the persistent huge zero folio if there is one, else the 4 KiB ZERO_PAGE(0).',
  },
  get_persistent_huge_zero_folio: {
    file: 'include/linux/huge_mm.h',
    why: 'The huge zero folio when CONFIG_PERSISTENT_HUGE_ZERO_FOLIO keeps one for good, else NULL.',
  },
  blkdev_issue_zeroout: {
    file: 'block/blk-lib.c',
    why: 'Zero a range of a block device: REQ_OP_WRITE_ZEROES if the device has it, else plain writes of zero pages.',
  },
  __blkdev_issue_zero_pages: {
    file: 'block/blk-lib.c',
    why: 'The fallback: bios whose bvecs all point at a zero folio, up to BIO_MAX_VECS each.',
  },
  bio_add_folio: {
    file: 'block/bio.c',
    why: 'Add (part of) a folio to a bio as one bvec, or merge it into the last one when physically contiguous.',
  },
  bio_split_to_limits: {
    file: 'block/blk-merge.c',
    why: 'Split a bio that exceeds the queue’s limits (segments, sectors) before it is sent.',
  },
  do_pre_smp_initcalls: {
    file: 'init/main.c',
    why: 'Run the early initcalls, before the other CPUs are brought up (6.18’s init_zero_pfn() is one).',
  },
  page_to_pfn: {
    file: 'include/asm-generic/memory_model.h',
    why: 'The pfn of a struct page (vmemmap arithmetic with SPARSEMEM_VMEMMAP).',
  },
  virt_to_page: {
    file: 'arch/x86/include/asm/page.h',
    why: 'The struct page of a kernel virtual address: pfn_to_page(__pa(x) >> PAGE_SHIFT). Correct only where __pa() understands the address.',
  },
  __pa: {
    file: 'arch/x86/include/asm/page.h',
    why: 'Kernel virtual to physical address; on x86-64 __phys_addr() accepts both direct-map and image (__START_KERNEL_map) addresses.',
  },
  __phys_addr: {
    file: 'arch/x86/include/asm/page_64.h',
    why: 'x86-64: an address at or above __START_KERNEL_map is an image address (subtract it and add phys_base), anything else a direct-map one (subtract PAGE_OFFSET).',
  },
  __pa_symbol: {
    file: 'arch/arm64/include/asm/memory.h',
    why: 'arm64: the physical address of a kernel image symbol (KIMAGE_VADDR-based), which plain __pa() arithmetic would get wrong.',
  },
  phys_to_page: {
    file: 'arch/arm64/include/asm/memory.h',
    why: 'The struct page of a physical address.',
  },
  memblock_estimated_nr_free_pages: {
    file: 'mm/memblock.c',
    why: 'Free memory as memblock sees it before the buddy allocator: memblock_phys_mem_size() minus memblock_reserved_kern_size(), in pages.',
  },
  memblock_reserved_kern_size: {
    file: 'mm/memblock.c',
    why: 'The size of the reserved regions flagged MEMBLOCK_RSRV_KERN: what memblock allocated for the kernel, not firmware or image reservations.',
  },
  set_direct_map_valid_noflush: {
    file: 'arch/x86/mm/pat/set_memory.c',
    why: 'Make a range of the direct map valid or invalid without flushing the TLB; the caller flushes once for the whole range.',
  },
  migrate_disable: {
    file: 'kernel/sched/core.c',
    why: 'Pin the task to its CPU without disabling preemption: another task may run in between.',
  },
  mermap_get: {
    file: 'mm/mermap.c',
    why: 'Map pages into this CPU’s slice of the mm’s mermap, in one of 4 slots (the __GFP_UNMAPPED series, not in 6.18).',
  },
  mermap_get_reserved: {
    file: 'mm/mermap.c',
    why: 'Map one page, IRQs off, using the slice’s headroom page: the slow path of clear_page_mermap() (the __GFP_UNMAPPED series, not in 6.18).',
  },
  // --- brk, the stack (brk.ts, stack.ts)
  __do_sys_brk: {
    file: 'mm/mmap.c',
    why: 'brk(): move the program break; the heap VMA grows (do_brk_flags) or shrinks (do_vmi_align_munmap) to the page-aligned break, or the old break comes back when the call is refused.',
  },
  do_brk_flags: {
    file: 'mm/vma.c',
    why: 'Give the heap [oldbrk, newbrk): extend the heap VMA when it ends there with the same flags, else a new anonymous VMA; total_vm and data_vm grow.',
  },
  __do_sys_mlockall: {
    file: 'mm/mlock.c',
    why: 'mlockall(): lock every mapping now (MCL_CURRENT, faulting them in unless MCL_ONFAULT) and/or every later one (MCL_FUTURE sets mm->def_flags).',
  },
  __do_sys_munlockall: {
    file: 'mm/mlock.c',
    why: 'munlockall(): clear VM_LOCKED and VM_LOCKONFAULT from every VMA and from mm->def_flags.',
  },
  expand_downwards: {
    file: 'mm/mmap.c',
    why: 'A fault below the stack VMA: move its start down to the faulting page, unless the stack would pass RLIMIT_STACK or come within stack_guard_gap of the mapping below.',
  },
} as const satisfies Record<string, KernelFn>;

/**
 * A kernel function the emulator may name in a trace: a key of KERNEL_FNS, so a misspelt name
 * (or one the table lacks its file and why for) fails to compile.
 */
export type KernelFnName = keyof typeof KERNEL_FNS;

/** The table's entry for a name met at run time (a trace step, a lesson's text), or undefined. */
export function kernelFn(name: string): KernelFn | undefined {
  return Object.hasOwn(KERNEL_FNS, name)
    ? (KERNEL_FNS as Readonly<Record<string, KernelFn>>)[name]
    : undefined;
}

/** The function `name` as the kernel of `era` has it, or undefined when that kernel has no such function. */
export function kernelFnIn(name: string, era: Era): KernelFn | undefined {
  const f = kernelFn(name);
  return f && (!f.era || f.era === era) ? f : undefined;
}

/** A counter, flag, variable, field or macro a lesson may name. */
export interface KernelName {
  /** where it is defined or shown */
  file: string;
  /** the only era that has this name (absent: both) */
  era?: Era;
  /** the other era's name for the same thing (zero_pfn ↔ zero_page_pfn) */
  sameAs?: string;
}

/**
 * Kernel names other than functions that the lessons use: every step that names one must back it
 * with a source reference (tests/lesson_accuracy.test.ts). Names are matched as whole words.
 */
export const KERNEL_NAMES: Readonly<Record<string, KernelName>> = {
  // zero page
  zero_pfn: { file: 'mm/memory.c', era: 'before', sameAs: 'zero_page_pfn' },
  zero_page_pfn: { file: 'mm/mm_init.c', era: 'after', sameAs: 'zero_pfn' },
  __zero_page: { file: 'mm/mm_init.c', era: 'after' },
  empty_zero_page: { file: 'arch/x86/kernel/head_64.S' },
  zero_page_mask: { file: 'arch/mips/mm/init.c' },
  mem_map_zero: { file: 'arch/sparc/mm/init_64.c', era: 'before' },
  cpu_has_vce: { file: 'arch/mips/include/asm/cpu-features.h' },
  MEMBLOCK_RSRV_KERN: { file: 'include/linux/memblock.h' },
  __START_KERNEL_map: { file: 'arch/x86/include/asm/page_64_types.h' },
  KIMAGE_VADDR: { file: 'arch/arm64/include/asm/memory.h' },
  _PAGE_SPECIAL: { file: 'arch/x86/include/asm/pgtable_types.h' },
  PMD_SIZE: { file: 'include/asm-generic/pgtable-nopmd.h' },
  // rmap, COW and counters
  PageAnonExclusive: { file: 'include/linux/page-flags.h' },
  RMAP_EXCLUSIVE: { file: 'include/linux/rmap.h' },
  NR_ANON_MAPPED: { file: 'include/linux/mmzone.h' },
  AnonPages: { file: 'fs/proc/meminfo.c' },
  AnonHugePages: { file: 'fs/proc/meminfo.c' },
  MM_ANONPAGES: { file: 'include/linux/mm_types_task.h' },
  Pss: { file: 'fs/proc/task_mmu.c' },
  pgreuse: { file: 'include/linux/vm_event_item.h' },
  PGREUSE: { file: 'include/linux/vm_event_item.h' },
  // huge zero folio
  huge_zero_pfn: { file: 'mm/huge_memory.c' },
  huge_zero_refcount: { file: 'mm/huge_memory.c' },
  MMF_HUGE_ZERO_FOLIO: { file: 'include/linux/mm_types.h' },
  CONFIG_PERSISTENT_HUGE_ZERO_FOLIO: { file: 'mm/Kconfig' },
  // the deferred split queue and underused THPs
  khugepaged_max_ptes_none: { file: 'mm/khugepaged.c' },
  split_underused_thp: { file: 'mm/huge_memory.c' },
  HPAGE_PMD_NR: { file: 'include/linux/huge_mm.h' },
  PG_partially_mapped: { file: 'include/linux/page-flags.h' },
  RMP_USE_SHARED_ZEROPAGE: { file: 'include/linux/rmap.h' },
  thp_deferred_split_page: { file: 'mm/vmstat.c' },
  thp_underused_split_page: { file: 'mm/vmstat.c' },
  thp_split_page: { file: 'mm/vmstat.c' },
  vmstat_text: { file: 'mm/vmstat.c' },
  // allocation flags, page constants, mmu_gather, initcalls, atomics
  __GFP_ZERO: { file: 'include/linux/gfp_types.h' },
  PAGE_SIZE: { file: 'arch/x86/include/asm/page_types.h' },
  PAGE_SHIFT: { file: 'arch/x86/include/asm/page_types.h' },
  mmu_gather: { file: 'include/asm-generic/tlb.h' },
  early_initcall: { file: 'include/linux/init.h' },
  atomic_cmpxchg: { file: 'include/linux/atomic/atomic-instrumented.h' },
  // the "mm: Add __GFP_UNMAPPED" series (v2), not in 6.18 (the mermap lesson says so)
  __GFP_UNMAPPED: { file: 'include/linux/gfp_types.h' },
  PAGE_KERNEL_NOGLOBAL: { file: 'arch/x86/include/asm/pgtable_types.h' },
  guest_memfd: { file: 'virt/kvm/guest_memfd.c' },
  // swap
  MADV_PAGEOUT: { file: 'include/uapi/asm-generic/mman-common.h' },
  SWAP_HAS_CACHE: { file: 'include/linux/swap.h' },
  zeromap: { file: 'include/linux/swap.h' },
  pswpout: { file: 'mm/vmstat.c' },
  // reclaim (lessons/reclaim-kswapd.md)
  pgscan_kswapd: { file: 'mm/vmstat.c' },
  pgsteal_kswapd: { file: 'mm/vmstat.c' },
  pgactivate: { file: 'mm/vmstat.c' },
  pageoutrun: { file: 'mm/vmstat.c' },
  allocstall_movable: { file: 'mm/vmstat.c' },
  workingset_refault_anon: { file: 'mm/vmstat.c' },
  nr_inactive_anon: { file: 'mm/vmstat.c' },
  nr_active_anon: { file: 'mm/vmstat.c' },
  PG_referenced: { file: 'include/linux/page-flags.h' },
  PG_active: { file: 'include/linux/page-flags.h' },
  pswpin: { file: 'mm/vmstat.c' },
  swpout_zero: { file: 'mm/vmstat.c' },
  swpin_zero: { file: 'mm/vmstat.c' },
  SwapCached: { file: 'fs/proc/meminfo.c' },
  // KSM
  MADV_MERGEABLE: { file: 'include/uapi/asm-generic/mman-common.h' },
  MADV_UNMERGEABLE: { file: 'include/uapi/asm-generic/mman-common.h' },
  VM_MERGEABLE: { file: 'include/linux/mm.h' },
  ksm_zero_pages: { file: 'mm/ksm.c' },
  zero_checksum: { file: 'mm/ksm.c' },
  zswpout: { file: 'mm/vmstat.c' },
  zswpin: { file: 'mm/vmstat.c' },
  pages_shared: { file: 'mm/ksm.c' },
  pages_sharing: { file: 'mm/ksm.c' },
  pages_unshared: { file: 'mm/ksm.c' },
  pages_volatile: { file: 'mm/ksm.c' },
  ksm_merging_pages: { file: 'mm/ksm.c' },
  FAULT_FLAG_UNSHARE: { file: 'include/linux/mm_types.h' },
  // block layer
  BIO_MAX_VECS: { file: 'include/linux/bio.h' },
  REQ_OP_WRITE_ZEROES: { file: 'include/linux/blk_types.h' },
};

/**
 * System calls and libc names a lesson may write as `name()` without citing kernel source: they are
 * what the learner's program calls, not kernel functions.
 */
export const USER_API: ReadonlySet<string> = new Set([
  'mmap',
  'munmap',
  'fork',
  'exit',
  'madvise',
  'mprotect',
]);

/** What a timeline step that is a state change (an event, not a call) is called, and where. */
export const EVENT_FNS: Readonly<Record<string, { fn: string; file: string | null }>> = {
  pte_set: { fn: 'set_ptes', file: 'include/linux/pgtable.h' },
  mm_page_alloc: { fn: 'trace_mm_page_alloc', file: 'mm/page_alloc.c' },
  mm_page_free: { fn: 'trace_mm_page_free', file: 'mm/page_alloc.c' },
  mm_page_alloc_extfrag: { fn: 'trace_mm_page_alloc_extfrag', file: 'mm/page_alloc.c' },
  free_list_add: { fn: '__add_to_free_list', file: 'mm/page_alloc.c' },
  free_list_del: { fn: '__del_page_from_free_list', file: 'mm/page_alloc.c' },
  pcp_add: { fn: 'list_add (pcp)', file: 'mm/page_alloc.c' },
  pcp_del: { fn: 'list_del (pcp)', file: 'mm/page_alloc.c' },
  pageblock_migratetype: { fn: 'set_pageblock_migratetype', file: 'mm/page_alloc.c' },
  page_clear: { fn: 'clear_page', file: 'arch/x86/lib/clear_page_64.S' },
  page_ref: { fn: 'page_ref_mod', file: 'include/linux/page_ref.h' },
  var: { fn: 'write', file: null },
  alloc_fail: { fn: 'warn_alloc', file: 'mm/page_alloc.c' },
  free_list_miss: { fn: '__rmqueue_smallest', file: 'mm/page_alloc.c' },
  rss: { fn: 'add_mm_counter', file: 'include/linux/mm.h' },
  page_fault: { fn: 'mm_account_fault', file: 'mm/memory.c' },
  task: { fn: 'task', file: null },
  printk: { fn: 'printk', file: 'kernel/printk/printk.c' },
  boot_step: { fn: 'boot step', file: null },
  memblock: { fn: 'memblock', file: 'mm/memblock.c' },
  memmap_init: { fn: 'memmap_init_range', file: 'mm/mm_init.c' },
  page_reserved: { fn: 'SetPageReserved', file: 'include/linux/page-flags.h' },
};
