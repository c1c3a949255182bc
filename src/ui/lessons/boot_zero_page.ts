import type { Lesson } from './types.ts';

/** Where the zero page comes from: x86-64 boot step by step, then arm64, MIPS and s390. */
export const bootZeroPageLesson: Lesson = {
  id: 'boot-zero-page',
  title: 'Where the zero page comes from (boot)',
  summary:
    'Step through boot until zero_pfn is set, then see where four architectures keep their zero pages.',
  // Linux 6.18 still sets zero_pfn from an early_initcall: the "cache struct page for
  // empty_zero_page" patch (2026) that moves it into mm_core_init() came later.
  machine: { arch: 'x86_64', ram: 1024 * 1024 * 1024, zeroPagePatch: 'before' },
  stepBoot: true,
  steps: [
    {
      title: 'Boot up to the buddy allocator',
      narration:
        'The machine is booting one kernel function at a time (the Boot panel). We run setup_arch() and mm_core_init() up to memblock_free_all(), the step that hands free memory to the buddy allocator.\n\n' +
        "x86-64's zero page is not allocated at all: empty_zero_page is a page-aligned array in the kernel image's BSS (head_64.S), so it exists from the first instruction. But the kernel also caches its pfn in zero_pfn, which read faults use.",
      refs: [
        { file: 'init/main.c', label: 'start_kernel(), mm_core_init()' },
        { file: 'arch/x86/kernel/head_64.S', label: 'empty_zero_page' },
      ],
      boot: { until: 'memblock_free_all' },
      point: { kind: 'panel', heading: 'boot-title' },
      question: {
        kind: 'choice',
        prompt: 'What is zero_pfn (zero_page_pfn) at this point of boot?',
        probe: { what: 'zero_page_pfn' },
        choices: [
          { label: '0: nobody has set it yet', when: { op: '==', value: 0 } },
          { label: "Already the zero page's pfn", when: { op: '>', value: 0 } },
        ],
        expected: 0,
        explain:
          'In 6.18 zero_pfn is set by init_zero_pfn(), an early_initcall, which runs after mm_core_init(). Until then no user page can fault, so nothing needs it.',
      },
    },
    {
      title: 'The early initcall',
      narration:
        'We run the rest of mm_core_init() and the early initcalls. init_zero_pfn() computes page_to_pfn(ZERO_PAGE(0)): virt_to_page() of the BSS address. The frame grid selects that frame: it lies inside the kernel image.',
      refs: [
        { file: 'mm/memory.c', label: 'init_zero_pfn()' },
        { file: 'arch/x86/include/asm/pgtable.h', label: 'ZERO_PAGE()' },
      ],
      boot: 'end',
      point: { kind: 'zeroPage' },
      question: {
        kind: 'number',
        prompt: 'How many zero pages does an x86-64 kernel have?',
        probe: { what: 'zero_pages', unit: 'pages' },
        expected: 1,
        explain: 'One 4 KiB page, shared by every read fault of every process.',
      },
    },
    {
      title: 'arm64: outside the linear map',
      narration:
        "The machine restarts as an arm64 board. Its empty_zero_page is also in the image's BSS, but the arm64 kernel image is mapped outside the linear map, so virt_to_page() of its address would be wrong: arm64 defines ZERO_PAGE() as phys_to_page(__pa_symbol(empty_zero_page)).\n\n" +
        'About this machine shows the address the image uses and the struct page it gives.',
      refs: [
        { file: 'arch/arm64/include/asm/pgtable.h', label: 'ZERO_PAGE()' },
        { file: 'arch/arm64/mm/mmu.c', label: 'empty_zero_page' },
      ],
      machine: { arch: 'arm64' },
      lines: 'print zero_page_pfn',
      point: { kind: 'panel', heading: 'about-title' },
    },
    {
      title: 'MIPS R4400: eight zero pages',
      narration:
        'Now a MIPS R4400SC, a CPU that raises virtual coherency exceptions. setup_zero_pages() takes order 3 when cpu_has_vce (order 0 otherwise) from memblock (since 6.15), and sets zero_page_mask so that ZERO_PAGE(vaddr) picks the page whose colour matches the virtual address.',
      refs: [
        { file: 'arch/mips/mm/init.c', label: 'setup_zero_pages()' },
        { file: 'arch/mips/include/asm/pgtable.h', label: 'ZERO_PAGE(vaddr)' },
      ],
      machine: { arch: 'mips', ram: 256 * 1024 * 1024, vce: true },
      lines: 'print zero_page_mask',
      point: { kind: 'zeroPage' },
      question: {
        kind: 'number',
        prompt: 'How many zero pages does this MIPS kernel set aside?',
        probe: { what: 'zero_pages', unit: 'pages' },
        expected: 8,
        explain: 'Order 3: 2^3 = 8 pages, one per cache colour. The next lesson shows why.',
      },
    },
    {
      title: 's390: sized by RAM',
      narration:
        's390 colours its zero pages too, to avoid L1 cache synonyms. setup_zero_pages() starts at order 7 (512 KiB) and lowers it while (memblock_estimated_nr_free_pages() >> 10) < (1 << order), down to order 2: a small machine gets fewer zero pages.\n\n' +
        'This s390 has 256 MiB of RAM.',
      refs: [{ file: 'arch/s390/mm/init.c', label: 'setup_zero_pages()' }],
      machine: { arch: 's390', ram: 256 * 1024 * 1024 },
      lines: 'print zero_page_mask',
      point: { kind: 'zeroPage' },
      question: {
        kind: 'number',
        prompt: 'How many zero pages does a 256 MiB s390 get? (128 at 512 MiB of free RAM or more)',
        probe: { what: 'zero_pages', unit: 'pages' },
        expected: 32,
        explain:
          'About 60000 free pages >> 10 is 58, which is less than 1 << 6 but not less than 1 << 5: order 5, 32 pages (128 KiB).',
      },
    },
  ],
};
