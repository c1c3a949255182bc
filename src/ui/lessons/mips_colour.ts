import type { Lesson } from './types.ts';

/** Coloured zero pages on MIPS: one zero page per cache colour, so reads never alias. */
export const mipsColourLesson: Lesson = {
  id: 'mips-colour',
  title: 'Coloured zero pages on MIPS',
  summary: 'A virtually indexed cache and a shared read-only page: why MIPS keeps eight zero pages.',
  machine: { arch: 'mips', ram: 256 * 1024 * 1024, vce: true, zeroPagePatch: 'before' },
  steps: [
    {
      title: 'A virtually indexed cache',
      narration:
        'This MIPS R4400SC has a virtually indexed primary data cache whose way is larger than a 4 KiB page, so virtual-address bits above bit 11 help pick the cache set: one physical line reached through two virtual addresses that differ there can sit in two sets, an alias.\n\n' +
        'The R4400SC catches this with its secondary cache: each secondary tag keeps PIdx, bits 14:12 of the virtual address the line was last used under (a 3-bit field). A primary miss that finds the line in the secondary cache with another VA[14:12] raises a virtual coherency exception (VCE), which is slow. So the colour that matters is VA[14:12]: eight colours.\n\n' +
        "A what-if on this board: the lab keeps a Malta memory map, and Malta's cpu-feature-overrides.h sets cpu_has_vce 0; an SGI IP22 with an R4400SC is the real machine. The emulator's cache is a toy (32 KiB, 2-way, plus PIdx = VA[14:12]; one byte read per page); About this machine lists what it simplifies.",
      refs: [
        { file: 'arch/mips/include/asm/cpu-features.h', label: 'cpu_has_vce', names: ['cpu_has_vce'] },
        { file: 'arch/mips/mm/init.c', label: 'setup_zero_pages()' },
        { file: 'arch/mips/include/asm/mach-malta/cpu-feature-overrides.h', label: 'cpu_has_vce 0' },
        { file: 'arch/mips/mm/c-r4k.c', label: 'r4k cache setup' },
      ],
      point: { kind: 'panel', heading: 'about-title' },
      question: {
        kind: 'number',
        prompt: 'How many zero pages did boot set aside on this CPU?',
        probe: { what: 'zero_pages', unit: 'pages' },
        expected: 8,
        explain:
          'setup_zero_pages() takes order 3 when cpu_has_vce: eight pages, one per value of VA[14:12], colours 0 to 7 of the 32 KiB zero area.',
      },
    },
    {
      title: 'Read a sparse array',
      narration:
        "Process A maps 32 KiB and reads one byte of each of its 8 pages of 4 KiB. Each read fault maps ZERO_PAGE(vaddr) = virt_to_page(empty_zero_page + (vaddr & zero_page_mask)): the zero page whose colour matches the page's virtual address.",
      refs: [
        { file: 'arch/mips/include/asm/pgtable.h', label: 'ZERO_PAGE(vaddr)', names: ['empty_zero_page'] },
        { file: 'arch/mips/include/asm/page.h', label: 'virt_to_page()' },
        { file: 'mm/memory.c', label: 'do_anonymous_page()' },
        { file: 'include/linux/pgtable.h', label: 'my_zero_pfn()', names: ['zero_page_mask'] },
      ],
      lines: 'spawn A\nA mmap r1 32K rw\nA read r1 0 32K 4K\nshow cache',
      point: { kind: 'page', proc: 'A', region: 'r1', page: 0 },
      question: {
        kind: 'choice',
        prompt:
          'A reads one byte of each of its 8 pages (32 KiB, colours 0 to 7). How many virtual coherency exceptions do the 8 reads raise?',
        probe: { what: 'cache_vces', delta: true, unit: 'VCEs' },
        choices: [
          { label: 'None', when: { op: '==', value: 0 } },
          { label: 'Some', when: { op: '>', value: 0 } },
        ],
        expected: 0,
        explain:
          'Every virtual colour reads its own physical zero page, of the same colour: a line is never cached under two colours.',
      },
    },
    {
      title: 'Eight different frames',
      narration:
        'pagemap shows each page of r1 mapped to a different pfn, eight in a row: the zero pages, in colour order. is_zero_pfn() accepts any pfn in that range: (pfn - zero_pfn) <= (zero_page_mask >> PAGE_SHIFT), an unsigned comparison.',
      refs: [
        { file: 'include/linux/pgtable.h', label: 'is_zero_pfn()', names: ['zero_pfn', 'zero_page_mask'] },
      ],
      lines: 'pagemap A r1 0 32K',
      point: { kind: 'zeroPage' },
    },
    {
      title: 'What if there were only one?',
      narration:
        'A what-if Linux never runs: the same R4400SC with one zero page (coloured_zero=no). The machine restarts; A maps and reads the same 32 KiB, one byte per 4 KiB page, so all eight colours now map one physical page.',
      refs: [{ file: 'arch/mips/mm/init.c', label: 'setup_zero_pages()' }],
      machine: { colouredZero: false },
      lines: 'spawn A\nA mmap r1 32K rw\nA read r1 0 32K 4K\nshow cache',
      point: { kind: 'page', proc: 'A', region: 'r1', page: 0 },
      question: {
        kind: 'number',
        prompt:
          'With one zero page, A reads one byte of each of its 8 pages again (colours 0 to 7, all mapping one frame). How many virtual coherency exceptions?',
        probe: { what: 'cache_vces', delta: true, unit: 'VCEs' },
        expected: 7,
        explain:
          "The first read caches the zero page's line with its VA[14:12] as PIdx; each of the 7 reads under another VA[14:12] finds the line in the secondary cache with the wrong PIdx: a VCE. Colouring the zero page costs 28 KiB and removes them all.",
      },
    },
  ],
};
