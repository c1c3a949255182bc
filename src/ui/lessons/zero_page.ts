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
        'Process A maps a 1 GiB anonymous, private, writable region, as a program would for a big sparse array.\n\n' +
        'mmap() only creates a VMA: a range of addresses with permissions. No page table entry and no frame of RAM exist for it yet.',
      refs: [
        { file: 'mm/mmap.c', label: 'do_mmap()' },
        { file: 'mm/vma.c', label: 'mmap_region()' },
      ],
      lines: 'spawn A\nA mmap arr 1G rw',
      point: { kind: 'page', proc: 'A', region: 'arr' },
      question: {
        kind: 'choice',
        prompt: "What is A's VmRSS (/proc/A/status) after it maps 1 GiB?",
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
        'A now reads one byte from each of the 262144 pages. Each first touch is a page fault; handle_pte_fault() finds no PTE in an anonymous VMA and calls do_anonymous_page().\n\n' +
        'For a read fault it does not allocate: it builds a special, read-only PTE pointing at my_zero_pfn(), the one frame of zeros the kernel keeps for this. No refcount, no mapcount, no RSS.',
      refs: [
        { file: 'mm/memory.c', label: 'do_anonymous_page()' },
        { file: 'include/linux/pgtable.h', label: 'my_zero_pfn()' },
      ],
      lines: 'A read arr 0 1G 4K',
      question: {
        kind: 'choice',
        prompt: 'After 262144 read faults, how much has VmRSS grown?',
        probe: { what: '/proc/A/status:VmRSS', delta: true, unit: 'kB' },
        choices: [
          { label: 'Not at all', when: { op: '==', value: 0 } },
          { label: 'A little (one page, the zero page)', when: { op: '==', value: 4 } },
          { label: 'About 1 GiB (one new frame per page)', when: { op: '>=', value: 1024 * 1024 } },
        ],
        expected: 0,
        explain:
          'Every PTE points at the same zero frame, which is never counted in anyone\'s RSS: the kernel does not refcount it (pte_special). Reading 1 GiB of "data" cost no RAM for the data.',
      },
    },
    {
      title: 'What the reads did cost',
      narration:
        'The zero page saves the frames, not the page tables. Each page still needs its own PTE, and 512 PTEs fill one 4 KiB page-table page.\n\n' +
        "VmPTE in /proc/A/status is the memory of A's page tables. The faults are counted too: /proc/A/stat field 10 is minflt.",
      refs: [
        { file: 'fs/proc/task_mmu.c', label: 'task_mem(): VmPTE' },
        { file: 'mm/memory.c', label: '__pte_alloc()' },
      ],
      lines: 'show /proc/A/status',
      point: { kind: 'panel', heading: 'status-title' },
      question: {
        kind: 'number',
        prompt: "How big is A's VmPTE now, in kB? (1 GiB of 4 KiB pages, 512 PTEs per 4 KiB table)",
        probe: { what: '/proc/A/status:VmPTE', unit: 'kB' },
        expected: 2064,
        explain:
          "1 GiB / 2 MiB = 512 PTE tables of 4 KiB each is 2048 kB; the other 16 kB are the stack's PTE table and the PMD and PUD tables above both (VmPTE counts every level below the PGD).",
      },
    },
    {
      title: 'Write one page',
      narration:
        'Now A writes one byte into page 1. The PTE is present but read-only, so the write faults again, this time into do_wp_page().\n\n' +
        'vm_normal_page() returns NULL for the zero page, so wp_page_copy() runs: it allocates a fresh zeroed frame (there is nothing to copy from zeros), maps it writable and counts it in MM_ANONPAGES.',
      refs: [
        { file: 'mm/memory.c', label: 'do_wp_page(), wp_page_copy()' },
        { file: 'mm/memory.c', label: 'vm_normal_page()' },
      ],
      lines: 'A write arr 4K 1 1 0x2a',
      point: { kind: 'page', proc: 'A', region: 'arr', page: 1 },
      question: {
        kind: 'number',
        prompt: "By how many kB does A's RssAnon grow after writing one byte?",
        probe: { what: '/proc/A/status:RssAnon', delta: true, unit: 'kB' },
        expected: 4,
        explain:
          'One copy-on-write fault from the zero page: one new 4 KiB anonymous frame. Every other page still maps zeros.',
      },
    },
    {
      title: 'The one frame of zeros',
      narration:
        "The frame grid now selects the zero page: on x86-64 it is empty_zero_page, a page of the kernel image's BSS, so it sits inside the kernel image and was never in the buddy allocator.\n\n" +
        'pagemap shows the difference: page 0 still maps zero_page_pfn; page 1 maps its own frame.',
      refs: [
        { file: 'arch/x86/kernel/head_64.S', label: 'empty_zero_page' },
        { file: 'fs/proc/task_mmu.c', label: 'pagemap_read()' },
      ],
      lines: 'pagemap A arr 0 8K\nprint zero_page_pfn',
      point: { kind: 'zeroPage' },
    },
  ],
};
