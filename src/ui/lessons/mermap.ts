import type { Lesson } from './types.ts';

/**
 * Zeroing pages that are not in the direct map: the __GFP_UNMAPPED series (v2, not merged) and its
 * mermap. Nothing of it is in 6.18; the lesson says so and links what it builds on.
 */
export const mermapLesson: Lesson = {
  id: 'mermap',
  title: 'Zeroing pages outside the direct map (the mermap)',
  summary: '__GFP_UNMAPPED pages have no kernel mapping to clear them through: the per-CPU mermap lends one.',
  machine: {
    arch: 'x86_64',
    ram: 1024 * 1024 * 1024,
    cpus: 4,
    pageAllocUnmapped: true,
    unmappedZeroing: 'per_block',
    zeroPagePatch: 'before',
  },
  steps: [
    {
      title: 'A page the kernel cannot see',
      narration:
        'This machine runs an unmerged series: "mm: Add __GFP_UNMAPPED" (Brendan Jackman, v2, March 2026), groundwork for guest_memfd and address-space isolation. It is not in Linux 6.18; the emulator follows the posted patches.\n\n' +
        'An __GFP_UNMAPPED allocation returns pages absent from the kernel direct map. Removing a mapping needs a TLB flush on every CPU, so the allocator flips whole 2 MiB pageblocks at a time (set_direct_map_valid_noflush() then one flush_tlb_kernel_range()) and keeps their free pages on a separate UNMOVABLE|UNMAPPED free list.\n\n' +
        'The mermap is per mm, so A must be running on this CPU first.',
      refs: [
        { file: 'arch/x86/mm/pat/set_memory.c', label: 'set_direct_map_valid_noflush()' },
        { file: 'arch/x86/mm/tlb.c', label: 'flush_tlb_kernel_range()' },
        { file: 'mm/page_alloc.c', label: '__rmqueue()' },
      ],
      lines: 'spawn A\nalloc k1 order=0 gfp=GFP_KERNEL|__GFP_UNMAPPED',
      point: { kind: 'panel', heading: 'proc-title' },
      question: {
        kind: 'number',
        prompt: 'A one-page unmapped allocation: how many pageblocks leave the direct map?',
        probe: { what: 'direct_map_flips_out', delta: true, unit: 'pageblocks' },
        expected: 1,
        explain:
          'A whole pageblock (512 pages) flips at once: one TLB flush covers all of them, and the other 511 pages wait on the unmapped free list.',
      },
    },
    {
      title: 'Zeroing: the fast path',
      narration:
        '__GFP_ZERO on an unmapped page cannot use the direct map, and mapping it there again would need page-table allocations and a shootdown. The series clears it through the mermap instead: a small per-mm, per-CPU window of kernel addresses. clear_page_mermap() maps all the pages with one mermap_get() (non-global PTEs, PAGE_KERNEL_NOGLOBAL), clears them, and puts the mapping back; the window is flushed locally only when it is reused.',
      refs: [
        { file: 'mm/page_alloc.c', label: 'kernel_init_pages() (the series patches it)' },
        { file: 'mm/mermap.c', label: 'clear_page_mermap(), mermap_get() (the series)' },
      ],
      lines: 'alloc k2 order=3 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO\nshow mermap',
      question: {
        kind: 'choice',
        prompt: 'Does this order-3 allocation flip another pageblock out of the direct map?',
        probe: { what: 'direct_map_flips_out', delta: true, unit: 'pageblocks' },
        choices: [
          { label: 'No: it comes from the block already unmapped', when: { op: '==', value: 0 } },
          { label: 'Yes', when: { op: '>', value: 0 } },
        ],
        expected: 0,
        explain:
          'The UNMOVABLE|UNMAPPED free list still holds 511 pages of the first block: no flush needed. One mermap_get() mapped the 8 pages to clear them.',
      },
    },
    {
      title: 'A preempted holder',
      narration:
        "mermap_get() fails often by design: each CPU has 4 slots and a bump pointer, and a task preempted while holding a mapping keeps its space. Here a thread of A is preempted holding 511 pages of CPU 0's slice (all that mermap_get() may use: it keeps the last page as headroom).\n\n" +
        'clear_page_mermap() then takes its slow path: page by page, with IRQs off, through mermap_get_reserved(), which may also use that last page. In v2 it still needs one of the 4 slots, so four preempted holders on one CPU would make it fail (v3 gives it a slot of its own).',
      refs: [
        { file: 'kernel/sched/core.c', label: 'migrate_disable() does not stop preemption' },
        {
          file: 'mm/mermap.c',
          label: 'clear_page_mermap(), mermap_get(), mermap_get_reserved() (the series)',
        },
      ],
      lines: 'preempt\nalloc k3 order=3 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO\nresume',
      question: {
        kind: 'number',
        prompt: 'How many pages does the slow path clear one at a time?',
        probe: { what: 'mermap_slow_pages', delta: true, unit: 'pages' },
        expected: 8,
        explain:
          'All 8 pages of the order-3 allocation: the fast path could not get 8 pages of window, so each page was mapped alone through mermap_get_reserved(), using the headroom page.',
      },
    },
    {
      title: 'Two pageblocks at once',
      narration:
        'An order-10 request spans two pageblocks. kernel_init_pages() walks it block by block and clears unmapped blocks through the mermap.\n\n' +
        "As posted, v2 20/22 passes the remaining page count instead of the block's, and the allocation's first page for every block, so it clears 1024 + 512 pages for two blocks, the head twice (the machine option unmapped_zeroing=as_posted reproduces that); this machine uses the per-block count.",
      refs: [
        { file: 'mm/page_alloc.c', label: 'post_alloc_hook(), kernel_init_pages()' },
        { file: 'mm/mermap.c', label: 'clear_page_mermap() (the series)' },
      ],
      lines: 'alloc k4 order=10 gfp=GFP_KERNEL|__GFP_UNMAPPED|__GFP_ZERO',
      question: {
        kind: 'number',
        prompt: 'How many pages does clear_page_mermap() clear for this order-10 allocation?',
        probe: { what: 'mermap_pages_cleared', delta: true, unit: 'pages' },
        expected: 1024,
        explain: '2^10 pages, each cleared once with the per-block count.',
      },
    },
  ],
};
