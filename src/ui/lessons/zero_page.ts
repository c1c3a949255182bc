import type { Lesson } from './types.ts';

/** Why the zero page exists: a 1 GiB sparse array read costs page tables, not RAM. */
export const zeroPageLesson: Lesson = {
  id: 'zero-page',
  title: 'Why the zero page exists',
  summary: 'Read a 1 GiB array that was never written: every page maps one shared frame of zeros.',
  machine: { arch: 'x86_64', ram: 1024 * 1024 * 1024, cpus: 2, zeroPagePatch: 'before' },
  steps: [
    {
      title: 'Reserve 1 GiB of address space',
      narration:
        'This machine runs Linux 6.18 on x86-64. Process A maps a 1 GiB anonymous, private, writable region, as a program would for a big sparse array.\n\n' +
        'mmap() only creates a VMA: a range of addresses with permissions. No page table entry and no frame of RAM exist for it yet. Because the length is a multiple of PMD_SIZE (2 MiB), __get_unmapped_area() places it 2 MiB-aligned (thp_get_unmapped_area_vmflags()).',
      refs: [
        { file: 'mm/mmap.c', label: 'do_mmap(), __get_unmapped_area()' },
        { file: 'mm/huge_memory.c', label: 'thp_get_unmapped_area_vmflags()', names: ['PMD_SIZE'] },
        { file: 'mm/vma.c', label: 'mmap_region()' },
      ],
      lines: 'spawn A\nA mmap arr 1G rw',
      point: { kind: 'page', proc: 'A', region: 'arr' },
      question: {
        kind: 'choice',
        prompt:
          "What is A's VmRSS (/proc/A/status) after it maps 1 GiB? (A new process has written one 4 KiB stack page.)",
        probe: { what: '/proc/A/status:VmRSS', unit: 'kB' },
        choices: [
          { label: 'A few kB: just its stack', when: { op: '<', value: 1024 } },
          { label: 'About 1 GiB', when: { op: '>=', value: 1024 * 1024 } },
        ],
        expected: 0,
        explain:
          'RSS counts the frames a process has mapped. The new process has one: the stack page exec wrote. mmap() maps none; frames come later, one page fault at a time.',
      },
    },
    {
      title: 'Read every page',
      narration:
        'A now reads one byte from each of the 262144 pages of 4 KiB (1 GiB). Each first touch is a page fault: handle_pte_fault() finds no PTE and calls do_pte_missing(), which calls do_anonymous_page() for an anonymous VMA; that first makes sure the PTE table exists (pte_alloc()).\n\n' +
        'For a read fault it allocates nothing: it builds a special, read-only PTE for my_zero_pfn(addr), the one frame of zeros the kernel keeps, and jumps to setpte. That path takes no reference, adds no rmap and calls no add_mm_counter(): nothing counts the zero page in RSS. The PTE is marked special (pte_mkspecial()) so that vm_normal_page() returns NULL for it later, and zap, fork and GUP skip it consistently.',
      refs: [
        { file: 'mm/memory.c', label: 'handle_pte_fault(), do_pte_missing(), do_anonymous_page()' },
        { file: 'include/linux/mm.h', label: 'pte_alloc(), add_mm_counter()' },
        { file: 'include/linux/pgtable.h', label: 'my_zero_pfn()' },
        { file: 'arch/x86/include/asm/pgtable.h', label: 'pte_mkspecial()' },
        { file: 'mm/memory.c', label: 'vm_normal_page()' },
      ],
      lines: 'A read arr 0 1G 4K',
      question: {
        kind: 'choice',
        prompt: 'After 262144 read faults over 1 GiB, how much has VmRSS grown?',
        probe: { what: '/proc/A/status:VmRSS', delta: true, unit: 'kB' },
        choices: [
          { label: 'Not at all', when: { op: '==', value: 0 } },
          { label: 'A little (one page, the zero page)', when: { op: '==', value: 4 } },
          { label: 'About 1 GiB (one new frame per page)', when: { op: '>=', value: 1024 * 1024 } },
        ],
        expected: 0,
        explain:
          'The read path never counts the zero page: do_anonymous_page() goes straight to setpte, with no add_mm_counter(), no reference and no rmap. Reading 1 GiB of "data" cost no RAM for the data.',
      },
    },
    {
      title: 'What the reads did cost',
      narration:
        'The zero page saves the frames, not the page tables. Each page still needs its own PTE, and 512 PTEs fill one 4 KiB page-table page.\n\n' +
        "VmPTE in /proc/A/status is the memory of A's page tables below the PGD: PTE, PMD and PUD tables. The faults are counted too: /proc/A/stat field 10 is minflt.",
      refs: [
        { file: 'fs/proc/task_mmu.c', label: 'task_mem(): VmPTE' },
        { file: 'mm/memory.c', label: '__pte_alloc()' },
      ],
      lines: 'show /proc/A/status',
      point: { kind: 'panel', heading: 'status-title' },
      question: {
        kind: 'choice',
        prompt:
          "How big is A's VmPTE now? (1 GiB of 4 KiB pages, 2 MiB-aligned; 512 PTEs per 4 KiB table; the stack has its own tables, and tables above the PTEs count too)",
        probe: { what: '/proc/A/status:VmPTE', unit: 'kB' },
        choices: [
          { label: 'Almost nothing: the zero page needs no tables', when: { op: '<', value: 1024 } },
          {
            label: 'About 2 MiB: 512 PTE tables, plus a few tables for the stack and above',
            when: { op: '>=', value: 2048 },
          },
          { label: 'About 1 GiB', when: { op: '>=', value: 1024 * 1024 } },
        ],
        expected: 1,
        explain:
          "1 GiB / 2 MiB = 512 PTE tables of 4 KiB is 2048 kB. The rest depends on the layout: here the stack's PTE table (4 kB), two PMD tables (8 kB: the mapping crosses a 1 GiB boundary, 0x7fffc0000000) and one PUD table (4 kB), 2064 kB in all.",
      },
    },
    {
      title: 'Write one page',
      narration:
        'Now A writes one byte into page 1. The PTE is present but read-only, so the write faults again, this time into do_wp_page().\n\n' +
        'vm_normal_page() returns NULL for the special zero-page PTE, so there is no folio to reuse: wp_page_copy() runs. It allocates a fresh zeroed frame (there is nothing to copy from zeros), maps it writable and counts it in MM_ANONPAGES. A write to the zero page is always a copy, never a reuse.',
      refs: [
        { file: 'mm/memory.c', label: 'do_wp_page(), wp_page_copy()' },
        { file: 'mm/memory.c', label: 'vm_normal_page()' },
        { file: 'include/linux/mm_types.h', label: 'MM_ANONPAGES', names: ['MM_ANONPAGES'] },
      ],
      lines: 'A write arr 4K 1 1 0x2a',
      point: { kind: 'page', proc: 'A', region: 'arr', page: 1 },
      question: {
        kind: 'number',
        prompt: "By how many kB does A's RssAnon grow after writing one byte into one 4 KiB page?",
        probe: { what: '/proc/A/status:RssAnon', delta: true, unit: 'kB' },
        expected: 4,
        explain:
          'One copy-on-write fault from the zero page: one new 4 KiB anonymous frame. Every other page still maps zeros.',
      },
    },
    {
      title: 'pgreuse versus copy',
      narration:
        'do_wp_page() ends one of two ways: wp_page_reuse() makes the old page writable in place and counts pgreuse in /proc/vmstat; wp_page_copy() replaces it with a new page and counts nothing there. A writes page 2 of its array, another zero-page PTE.',
      refs: [
        { file: 'mm/memory.c', label: 'do_wp_page(), vm_normal_page(), wp_page_reuse(), wp_page_copy()' },
        { file: 'include/linux/vm_event_item.h', label: 'PGREUSE', names: ['pgreuse', 'PGREUSE'] },
      ],
      lines: 'A write arr 8K 1 1 0x2b',
      question: {
        kind: 'choice',
        prompt: 'Does this write of a zero-page PTE count in pgreuse?',
        probe: { what: '/proc/vmstat:pgreuse', delta: true },
        choices: [
          { label: 'No: the zero page is always copied', when: { op: '==', value: 0 } },
          { label: 'Yes: it reuses the zero page', when: { op: '>', value: 0 } },
        ],
        expected: 0,
        explain:
          'vm_normal_page() gives no folio for a special PTE, so the reuse path is never tried: every write to the zero page is a copy (wp_page_copy() allocates with __GFP_ZERO), and pgreuse stays put.',
      },
    },
    {
      title: 'The one frame of zeros',
      narration:
        "The frame grid now selects the zero page: on x86-64 it is empty_zero_page, a page of the kernel image's BSS. Its address is an image address (at __START_KERNEL_map), not a direct-map one, but x86's __pa() accepts image addresses, so virt_to_page() finds the right struct page. It was never in the buddy allocator.\n\n" +
        'pagemap shows the difference: page 0 still maps zero_pfn (the 6.18 name; the later series calls it zero_page_pfn); pages 1 and 2 map their own frames.',
      refs: [
        { file: 'arch/x86/kernel/head_64.S', label: 'empty_zero_page' },
        { file: 'arch/x86/include/asm/page.h', label: 'virt_to_page(), __pa()' },
        { file: 'arch/x86/include/asm/page_64.h', label: '__phys_addr()', names: ['__START_KERNEL_map'] },
        { file: 'mm/memory.c', label: 'zero_pfn', names: ['zero_pfn'] },
        { file: 'fs/proc/task_mmu.c', label: 'pagemap_read()' },
      ],
      lines: 'pagemap A arr 0 12K\nprint zero_pfn',
      point: { kind: 'zeroPage' },
    },
    {
      title: 'What pte_special means: fork',
      narration:
        'The zero-page PTEs carry the special bit (_PAGE_SPECIAL on x86-64). Every walk that finds a PTE asks vm_normal_page() for its struct page, and for a special PTE it returns NULL: "no page to manage here". zap, fork and GUP all look through vm_normal_page(), so they treat it the same way: zap drops no reference and no RSS, and fork copies the entry with no reference, no mapcount and no RSS.\n\n' +
        'A forks B. copy_present_ptes() copies all 262144 PTEs of arr (the page tables are duplicated: B gets its own VmPTE), but only the pages with a struct page are shared and counted.',
      refs: [
        { file: 'mm/memory.c', label: 'vm_normal_page(), copy_present_ptes()' },
        { file: 'arch/x86/include/asm/pgtable_types.h', label: '_PAGE_SPECIAL', names: ['_PAGE_SPECIAL'] },
      ],
      lines: 'A fork B',
      point: { kind: 'page', proc: 'B', region: 'arr' },
      question: {
        kind: 'number',
        prompt:
          "A has written two 4 KiB pages of arr and its stack page; the other 262142 pages of arr map the zero page. What is B's VmRSS (kB) right after A forks B?",
        probe: { what: '/proc/B/status:VmRSS', unit: 'kB' },
        expected: 12,
        explain:
          'B maps the three written frames (shared with A, RSS counts mappings): 12 kB. The 262142 zero-page PTEs were copied too, but vm_normal_page() returns NULL for them: no reference, no rmap, no RSS.',
      },
    },
    {
      title: 'THP=always: one fault per 2 MiB',
      narration:
        'The machine restarts with transparent_hugepage=always. A maps the same 1 GiB (2 MiB-aligned) and reads one byte of every 4 KiB page.\n\n' +
        'The first read in each 2 MiB window finds an empty PMD, and do_huge_pmd_anonymous_page() maps the huge zero folio there with one read-only PMD (set_huge_zero_folio()). Each such PMD also deposits a preallocated PTE table (pgtable_trans_huge_deposit()), so that a later split never needs to allocate: VmPTE stays about 2 MiB.',
      refs: [
        { file: 'mm/huge_memory.c', label: 'do_huge_pmd_anonymous_page(), set_huge_zero_folio()' },
        { file: 'mm/pgtable-generic.c', label: 'pgtable_trans_huge_deposit()' },
      ],
      machine: { thp: 'always' },
      lines: 'spawn A\nA mmap arr 1G rw\nA read arr 0 1G 4K',
      point: { kind: 'panel', heading: 'huge-title' },
      question: {
        kind: 'number',
        prompt:
          'With THP=always, A (one fault so far: its stack) reads 1 GiB, 2 MiB-aligned, one byte per 4 KiB page. What is its minflt (/proc/A/stat field 10)?',
        probe: { what: '/proc/A/stat:10', unit: 'faults' },
        expected: 513,
        explain:
          '1 GiB / 2 MiB = 512 faults, one per huge-zero PMD, plus the stack fault: 513 instead of 262145. Each PMD deposited a PTE table, so VmPTE is still about 2 MiB.',
      },
    },
  ],
};
