/**
 * The kernel functions the emulator's call paths name (Tracer.call/enter), each with its source file
 * in Linux 6.18 and a sentence of why the kernel runs it. The timeline shows them next to each step
 * and links the file to Elixir. Boot steps carry their own file and why (boot.ts), so they are not
 * repeated here; the event labels (eventLabel) name the function or tracepoint that makes the change.
 *
 * Files are for x86-64 where the function is arch code; where the emulator follows a patch series
 * that is not in 6.18 (mermap, __GFP_UNMAPPED), `why` says so.
 */

export interface KernelFn {
  /** source file under the kernel tree, e.g. `mm/memory.c` */
  file: string;
  /** one or two sentences: why the kernel does this here */
  why: string;
}

/** The Elixir cross-reference page for a kernel source file at v6.18. */
export function elixirUrl(file: string): string {
  return `https://elixir.bootlin.com/linux/v6.18/source/${file}`;
}

export const KERNEL_FNS: Readonly<Record<string, KernelFn>> = {
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
    why: 'Early core mm setup: zones and the struct page array, before the buddy allocator exists.',
  },
  mm_core_init: {
    file: 'mm/mm_init.c',
    why: 'Bring up the page allocator: zonelists, memblock memory released to the buddy lists, then the slab allocator.',
  },
  initcalls: {
    file: 'init/main.c',
    why: 'do_initcalls(): the subsystem init functions that run once the core kernel is up (watermarks, THP, late memory setup).',
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
    why: 'The architecture-independent fault entry: counts the fault (pgfault), walks to the PTE allocating missing tables, and picks the handler for what it finds there.',
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
    why: 'First touch of anonymous memory (the PTE is empty). A read maps the shared zero page read-only and allocates nothing; a write allocates a zeroed page and maps it writable.',
  },
  alloc_anon_folio: {
    file: 'mm/memory.c',
    why: 'Allocate the folio for an anonymous write fault, zeroed (GFP_HIGHUSER_MOVABLE | __GFP_ZERO): a process must never see another one’s old data.',
  },
  folio_add_new_anon_rmap: {
    file: 'mm/rmap.c',
    why: 'Make the new folio anonymous and exclusive to this VMA’s anon_vma: mapcount 0 → 1, so reclaim and COW can find who maps it.',
  },
  folio_batch_move_lru: {
    file: 'mm/swap.c',
    why: 'Folios wait in a per-CPU batch before they are put on the LRU lists in one go, to take the lruvec lock once for many pages.',
  },
  do_wp_page: {
    file: 'mm/memory.c',
    why: 'A write hit a present, read-only PTE: copy-on-write. If this mm is the only user of the page it is reused in place; otherwise it is copied.',
  },
  wp_page_reuse: {
    file: 'mm/memory.c',
    why: 'The page is exclusively ours (AnonExclusive or the only reference): just make the PTE writable and dirty, no copy.',
  },
  wp_page_copy: {
    file: 'mm/memory.c',
    why: 'The page is shared (after fork, or the zero page): allocate a new page, copy the old contents (or zero), and point this PTE at the copy.',
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
    why: 'Choose where a new mapping goes: top-down below the stack gap, aligned for THP when it is big enough.',
  },
  do_vmi_munmap: {
    file: 'mm/vma.c',
    why: 'munmap(): split the VMAs at the edges, zap their pages and free the page tables the range no longer needs.',
  },
  zap_pte_range: {
    file: 'mm/memory.c',
    why: 'Clear the PTEs of a range and drop each page’s mapcount and reference; pages whose last reference goes are freed.',
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
  madvise_cold: {
    file: 'mm/madvise.c',
    why: "MADV_COLD: the range's private anonymous folios lose their referenced state and move to the inactive LRU list, first in line for reclaim.",
  },
  reclaim_pages: {
    file: 'mm/vmscan.c',
    why: 'shrink_folio_list on the isolated folios: a swap slot and the swap cache (add_to_swap), the PTE becomes a swap entry (try_to_unmap), then pageout and freeing.',
  },
  swap_writeout: {
    file: 'mm/page_io.c',
    why: "Write the folio to its slot, unless it is all zeros: then only the slot's zeromap bit is set and nothing reaches the disk (swpout_zero).",
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
    why: 'Initialise every struct page of each zone: zone, node, refcount 1, reserved until freed.',
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
    why: 'The architecture’s hook at the end of memory setup, where boot memory is released.',
  },
  setup_zero_pages: {
    file: 'arch/mips/mm/init.c',
    why: 'Allocate the (coloured) zero pages: one per cache colour so zero-page reads do not alias in a virtually indexed cache.',
  },
  arch_setup_zero_pages: {
    file: 'mm/mm_init.c',
    why: 'Let the architecture set up its zero page(s) once memory allocation works.',
  },
};

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
  rss: { fn: 'add_mm_counter', file: 'include/linux/mm.h' },
  page_fault: { fn: 'mm_account_fault', file: 'mm/memory.c' },
  task: { fn: 'task', file: null },
  printk: { fn: 'printk', file: 'kernel/printk/printk.c' },
  boot_step: { fn: 'boot step', file: null },
  memblock: { fn: 'memblock', file: 'mm/memblock.c' },
  memmap_init: { fn: 'memmap_init_range', file: 'mm/mm_init.c' },
  page_reserved: { fn: 'SetPageReserved', file: 'include/linux/page-flags.h' },
};
