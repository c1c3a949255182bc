import type { Lesson } from './types.ts';

/** Where the zero page comes from: x86-64 boot step by step, then arm64, MIPS and s390. */
export const bootZeroPageLesson: Lesson = {
  id: 'boot-zero-page',
  title: 'Where the zero page comes from (boot)',
  summary:
    'Step through boot until zero_pfn is set, then see where four architectures keep their zero pages.',
  // Linux 6.18 still sets zero_pfn from an early_initcall: the "arch, mm: consolidate
  // empty_zero_page" series (2026) that moves it into mm_core_init() came later.
  machine: { arch: 'x86_64', ram: 1024 * 1024 * 1024, zeroPagePatch: 'before' },
  stepBoot: true,
  steps: [
    {
      title: 'Boot up to the buddy allocator',
      narration:
        'The machine is booting one kernel function at a time (the Boot panel). We run setup_arch() and mm_core_init() up to memblock_free_all(), the step that hands free memory to the buddy allocator.\n\n' +
        "x86-64's zero page is not allocated at all: empty_zero_page is a page-aligned array in the kernel image's BSS (head_64.S), so it exists from the first instruction. But the kernel also keeps its pfn in the variable zero_pfn (mm/memory.c in 6.18), which my_zero_pfn() returns to every read fault.",
      refs: [
        { file: 'init/main.c', label: 'start_kernel(), do_pre_smp_initcalls()' },
        { file: 'arch/x86/kernel/setup.c', label: 'setup_arch()' },
        { file: 'mm/mm_init.c', label: 'mm_core_init()' },
        { file: 'mm/memblock.c', label: 'memblock_free_all()' },
        { file: 'mm/memory.c', label: 'init_zero_pfn()' },
        { file: 'arch/x86/kernel/head_64.S', label: 'empty_zero_page' },
        { file: 'mm/memory.c', label: 'zero_pfn', names: ['zero_pfn'] },
        { file: 'include/linux/pgtable.h', label: 'my_zero_pfn()' },
      ],
      boot: { until: 'memblock_free_all' },
      point: { kind: 'panel', heading: 'boot-title' },
      question: {
        kind: 'choice',
        prompt: 'What is zero_pfn at this point of boot (just before memblock_free_all())?',
        probe: { what: 'zero_pfn' },
        choices: [
          { label: '0: nobody has set it yet', when: { op: '==', value: 0 } },
          { label: "Already the zero page's pfn", when: { op: '>', value: 0 } },
        ],
        expected: 0,
        explain:
          'In 6.18 zero_pfn is set by init_zero_pfn(), an early_initcall: do_pre_smp_initcalls() runs it long after mm_core_init(). Until then no user page can fault, so nothing needs it. (The later series renames it zero_page_pfn and sets it inside mm_core_init().)',
      },
    },
    {
      title: 'The early initcall',
      narration:
        "We run the rest of mm_core_init() and the early initcalls (do_pre_smp_initcalls()). init_zero_pfn() computes page_to_pfn(ZERO_PAGE(0)): virt_to_page() of the BSS address. That address is an image address (at __START_KERNEL_map), not a direct-map one, but x86's __pa() accepts both, so the result is right. The frame grid selects that frame: it lies inside the kernel image.\n\n" +
        'This is the only ZERO_PAGE() call of the whole lesson on x86-64: read faults use my_zero_pfn(), which returns zero_pfn (About this machine counts ZERO_PAGE() calls).',
      refs: [
        { file: 'mm/memory.c', label: 'init_zero_pfn()' },
        { file: 'init/main.c', label: 'do_pre_smp_initcalls()' },
        { file: 'mm/mm_init.c', label: 'mm_core_init()' },
        { file: 'arch/x86/include/asm/pgtable.h', label: 'ZERO_PAGE()' },
        { file: 'include/asm-generic/memory_model.h', label: 'page_to_pfn()' },
        { file: 'arch/x86/include/asm/page.h', label: 'virt_to_page(), __pa()' },
        { file: 'arch/x86/include/asm/page_64.h', label: '__phys_addr()', names: ['__START_KERNEL_map'] },
        { file: 'include/linux/pgtable.h', label: 'my_zero_pfn()', names: ['zero_pfn'] },
      ],
      boot: 'end',
      point: { kind: 'zeroPage' },
      question: {
        kind: 'number',
        prompt:
          'How many 4 KiB zero pages (ZERO_PAGE()) does an x86-64 kernel have? (Not counting the 2 MiB huge zero folio, which has its own lesson.)',
        probe: { what: 'zero_pages', unit: 'pages' },
        expected: 1,
        explain:
          'One 4 KiB page, shared by every read fault of every process; THP read faults map the huge zero folio instead.',
      },
    },
    {
      title: 'arm64: outside the linear map',
      narration:
        "The machine restarts as an arm64 board. Its empty_zero_page is also in the image's BSS, and its address is an image address (KIMAGE_VADDR) as on x86-64. The difference is virt_to_page(): on arm64 it is plain linear-map arithmetic, which gives a wrong struct page for an image address. So arm64 defines ZERO_PAGE() as phys_to_page(__pa_symbol(empty_zero_page)).\n\n" +
        'About this machine shows the address the image uses and the struct page it gives.',
      refs: [
        { file: 'arch/arm64/include/asm/pgtable.h', label: 'ZERO_PAGE()' },
        { file: 'arch/arm64/mm/mmu.c', label: 'empty_zero_page' },
        {
          file: 'arch/arm64/include/asm/memory.h',
          label: 'virt_to_page(), __pa_symbol(), phys_to_page()',
          names: ['KIMAGE_VADDR'],
        },
      ],
      machine: { arch: 'arm64' },
      lines: 'print zero_pfn',
      point: { kind: 'panel', heading: 'about-title' },
    },
    {
      title: 'MIPS R4400: eight zero pages',
      narration:
        'Now a MIPS R4400SC, a CPU that raises virtual coherency exceptions. setup_zero_pages() takes order 3 when cpu_has_vce (order 0 otherwise) from memblock (since 6.15), and sets zero_page_mask so that ZERO_PAGE(vaddr) picks the page whose colour matches the virtual address.\n\n' +
        'This is a what-if on the Malta board the lab models: arch/mips/include/asm/mach-malta/cpu-feature-overrides.h defines cpu_has_vce 0, so a Malta kernel never takes order 3. A board without that override, an SGI IP22 with an R4400SC, does. This machine has 256 MiB of RAM.',
      refs: [
        {
          file: 'arch/mips/include/asm/mach-malta/cpu-feature-overrides.h',
          label: 'cpu_has_vce',
          names: ['cpu_has_vce'],
        },
        { file: 'arch/mips/mm/init.c', label: 'setup_zero_pages()', names: ['zero_page_mask'] },
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
        "memblock_estimated_nr_free_pages() is RAM minus the reservations flagged MEMBLOCK_RSRV_KERN, i.e. memblock's own allocations (here the memmap); the kernel image, reserved with a plain memblock_reserve(), still counts as free. This s390 has 256 MiB of RAM.",
      refs: [
        { file: 'arch/s390/mm/init.c', label: 'setup_zero_pages()' },
        {
          file: 'mm/memblock.c',
          label: 'memblock_estimated_nr_free_pages(), memblock_reserved_kern_size(), memblock_reserve()',
          names: ['MEMBLOCK_RSRV_KERN'],
        },
      ],
      machine: { arch: 's390', ram: 256 * 1024 * 1024 },
      lines: 'print zero_page_mask',
      point: { kind: 'zeroPage' },
      question: {
        kind: 'number',
        prompt:
          'On this 256 MiB s390, memblock_estimated_nr_free_pages() returns 64480 pages (the 4 MiB memmap and other memblock allocations subtracted). How many zero pages does it get?',
        probe: { what: 'zero_pages', unit: 'pages' },
        expected: 32,
        explain:
          '64480 >> 10 = 62, which is less than 1 << 6 = 64 but not less than 1 << 5: order 5, 32 pages (128 KiB). Just under a threshold: about 4 MiB more free (65536 pages) would make it 64 pages.',
      },
    },
  ],
};
