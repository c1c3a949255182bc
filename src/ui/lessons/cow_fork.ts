import type { Lesson } from './types.ts';

/** Copy-on-write after fork: shared until someone writes, then a copy, then reuse — by refcount. */
export const cowForkLesson: Lesson = {
  id: 'cow-fork',
  title: 'Copy-on-write after fork',
  summary:
    'fork() copies page tables, not pages; a write copies a page unless its reference count says nobody else holds it.',
  machine: { arch: 'x86_64', ram: 1024 * 1024 * 1024, cpus: 2, zeroPagePatch: 'before' },
  steps: [
    {
      title: 'A parent with 64 KiB of data',
      narration:
        'This machine runs Linux 6.18. Process A maps 64 KiB and writes every page, so it owns 16 anonymous frames: each first write of a page allocates one zeroed frame in do_anonymous_page().\n\n' +
        'folio_add_new_anon_rmap() is called with RMAP_EXCLUSIVE: the page is exclusive to this mm (PageAnonExclusive), and it is added to NR_ANON_MAPPED, the counter /proc/meminfo shows as AnonPages.',
      refs: [
        { file: 'mm/memory.c', label: 'do_anonymous_page()' },
        {
          file: 'mm/rmap.c',
          label: 'folio_add_new_anon_rmap()',
          names: ['RMAP_EXCLUSIVE', 'PageAnonExclusive', 'NR_ANON_MAPPED', 'AnonPages'],
        },
      ],
      lines: 'spawn A\nA mmap buf 64K rw\nA write buf 0 64K 4K 1',
      point: { kind: 'page', proc: 'A', region: 'buf' },
      question: {
        kind: 'number',
        prompt:
          'A writes all 16 pages of 4 KiB (64 KiB). How many kB of AnonPages (/proc/meminfo) does the machine gain? (A new process starts with one written 4 KiB stack page.)',
        probe: { what: '/proc/meminfo:AnonPages', delta: true, unit: 'kB' },
        expected: 68,
        explain: '16 pages of 4 KiB, one new frame per page A wrote, plus the stack page of the new process.',
      },
    },
    {
      title: 'fork(): the parent is write-protected too',
      narration:
        'A forks B. dup_mmap() (mm/mmap.c since 6.16) copies each VMA, and copy_present_ptes() does not copy the pages: it gives B a PTE to the same frame, takes a reference and a mapcount, clears PageAnonExclusive, and — because is_cow_mapping() — write-protects the PTE in the parent as well as the child. Otherwise A could go on writing a page B can see.\n\n' +
        "A's CPU may still cache A's old writable translations, so dup_mmap() ends with flush_tlb_mm(oldmm). The TLB panel and `show tlb` follow it.",
      refs: [
        { file: 'mm/mmap.c', label: 'dup_mmap()' },
        { file: 'mm/memory.c', label: 'copy_present_ptes()', names: ['PageAnonExclusive'] },
        { file: 'include/linux/mm.h', label: 'is_cow_mapping()' },
        { file: 'arch/x86/include/asm/tlbflush.h', label: 'flush_tlb_mm()' },
      ],
      lines: 'A fork B',
      point: { kind: 'page', proc: 'B', region: 'buf' },
      question: {
        kind: 'choice',
        prompt:
          "A's 16 pages were all written on this CPU, so its TLB holds their writable translations. What happens to the number of TLB entries at fork?",
        probe: { what: 'tlb_entries', delta: true, unit: 'entries' },
        choices: [
          { label: 'It drops: the write-protected translations are flushed', when: { op: '<', value: 0 } },
          { label: 'Nothing changes', when: { op: '==', value: 0 } },
          { label: 'It grows: B gets its own entries', when: { op: '>', value: 0 } },
        ],
        expected: 0,
        explain:
          "flush_tlb_mm(oldmm) drops A's user translations: a stale writable entry would let A write a frame that is now shared without faulting. B has not run yet, so it has none.",
      },
    },
    {
      title: 'RSS, Pss and AnonPages',
      narration:
        'AnonPages did not change at fork: no frame was copied. But RSS counts mappings, so B now shows the same RSS as A, and summing RSS over processes counts each shared frame twice.\n\n' +
        'Pss (proportional set size, /proc/<pid>/smaps_rollup) divides each frame by its mapcount: smaps_account() adds PAGE_SIZE / mapcount for each page.',
      refs: [
        { file: 'fs/proc/task_mmu.c', label: 'smaps_account()', names: ['Pss'] },
        { file: 'fs/proc/meminfo.c', label: 'meminfo_proc_show()', names: ['AnonPages', 'NR_ANON_MAPPED'] },
      ],
      lines: 'show /proc/A/smaps_rollup',
      point: { kind: 'panel', heading: 'proc-title' },
      question: {
        kind: 'number',
        prompt:
          "A maps 17 pages of 4 KiB (Rss 68 kB): 16 of buf and its stack page, each now mapped by A and B. What is A's Pss in kB?",
        probe: { what: '/proc/A/smaps_rollup:Pss', unit: 'kB' },
        expected: 34,
        explain:
          'Each of the 17 frames has mapcount 2, so A is charged half of each: 68 / 2 = 34 kB, and B the other 34. AnonPages counts each frame once (68 kB); RSS counts it once per process.',
      },
    },
    {
      title: 'The child writes: a copy',
      narration:
        'B writes one byte of page 0. Its PTE is read-only, so do_wp_page() runs. The page is anonymous but no longer PageAnonExclusive (fork cleared it), so do_wp_page() asks wp_can_reuse_anon_folio(), which looks at the reference count only, never the mapcount: more than 3 fails at once; otherwise it drains this CPU’s LRU batch (lru_add_drain()) and reuses only if the count is 1 under the folio lock.\n\n' +
        "Here A's and B's mappings each hold a reference: 2. So wp_page_copy() allocates a frame, copies the 4 KiB and maps the copy writable in B only.",
      refs: [
        {
          file: 'mm/memory.c',
          label: 'do_wp_page(), wp_can_reuse_anon_folio(), wp_page_copy()',
          names: ['PageAnonExclusive'],
        },
        { file: 'mm/swap.c', label: 'lru_add_drain()' },
        { file: 'fs/proc/meminfo.c', label: 'meminfo_proc_show()', names: ['AnonPages'] },
      ],
      lines: 'B write buf 0 1 1 2',
      point: { kind: 'page', proc: 'B', region: 'buf', page: 0 },
      question: {
        kind: 'number',
        prompt: 'B writes one byte of one shared 4 KiB page. By how many kB does AnonPages grow?',
        probe: { what: '/proc/meminfo:AnonPages', delta: true, unit: 'kB' },
        expected: 4,
        explain: 'Exactly one page was copied: the one B wrote. The other 15 pages of buf stay shared.',
      },
    },
    {
      title: 'The parent writes the same page: pgreuse',
      narration:
        "Now A writes page 0. Its PTE is still read-only from the fork, so it faults too. B's copy dropped B's reference to the old frame, and wp_can_reuse_anon_folio() drains this CPU's LRU batch (the new folio was waiting there with a reference of its own): the count is 1, so the kernel reuses the frame in place (wp_page_reuse()) and counts pgreuse in /proc/vmstat.",
      refs: [
        { file: 'mm/memory.c', label: 'wp_can_reuse_anon_folio(), wp_page_reuse()' },
        { file: 'include/linux/vm_event_item.h', label: 'PGREUSE', names: ['pgreuse', 'PGREUSE'] },
      ],
      lines: 'A write buf 0 1 1 3',
      point: { kind: 'page', proc: 'A', region: 'buf', page: 0 },
      question: {
        kind: 'choice',
        prompt: 'Does this write count in pgreuse (/proc/vmstat)?',
        probe: { what: '/proc/vmstat:pgreuse', delta: true },
        choices: [
          { label: 'Yes: A reuses its frame, no copy', when: { op: '==', value: 1 } },
          { label: 'No: A gets a copy too', when: { op: '==', value: 0 } },
        ],
        expected: 0,
        explain:
          'Nobody else holds a reference, so A reuses the page: one fault, no new frame, pgreuse + 1. The last mapper reuses only if no other reference exists.',
      },
    },
    {
      title: 'Refcount, not mapcount',
      narration:
        "A second pair shows why the refcount decides. P runs on CPU 1 and writes its page: the new folio waits in CPU 1's LRU add batch, which holds a reference. P forks Q; on CPU 0, Q writes (a copy) and then P writes. P is now the page's only mapper, but wp_can_reuse_anon_folio() drains only CPU 0's batch: CPU 1's reference remains, the count is 2, and P copies.\n\n" +
        'A GUP pin (O_DIRECT, RDMA, vfio) raises the refcount the same way, so a pinned page is always copied on write; and at fork folio_try_dup_anon_rmap_ptes() refuses an exclusive page for which folio_needs_cow_for_dma() holds, so copy_present_ptes() gives the child a copy at once and the pinned page stays with the parent. The emulator does not model GUP pins; the swap cache (another reference) is not modelled either.',
      refs: [
        { file: 'mm/memory.c', label: 'wp_can_reuse_anon_folio(), copy_present_ptes()' },
        { file: 'mm/swap.c', label: 'folio_add_lru(), lru_add_drain()' },
        { file: 'include/linux/mm.h', label: 'folio_needs_cow_for_dma()' },
        { file: 'include/linux/rmap.h', label: 'folio_try_dup_anon_rmap_ptes()' },
        { file: 'include/linux/vm_event_item.h', label: 'PGREUSE', names: ['pgreuse'] },
      ],
      lines:
        'cpu 1\nspawn P\nP mmap q 4K rw\nP write q 0 1 1 1\nP fork Q\ncpu 0\nQ write q 0 1 1 2\nP write q 0 1 1 3',
      point: { kind: 'page', proc: 'P', region: 'q', page: 0 },
      question: {
        kind: 'choice',
        prompt:
          "P's 4 KiB page was written on CPU 1 and still sits in CPU 1's LRU batch. After the fork and Q's copy, P (its only mapper) writes it on CPU 0. Does P reuse it (pgreuse + 1)?",
        probe: { what: '/proc/vmstat:pgreuse', delta: true },
        choices: [
          { label: 'Yes: P is the only mapper', when: { op: '>', value: 0 } },
          { label: 'No: another reference remains, so P copies', when: { op: '==', value: 0 } },
        ],
        expected: 1,
        explain:
          "Mapcount 1, refcount 2: CPU 1's batch still holds the folio. wp_can_reuse_anon_folio() reads only the refcount, so P copies, and pgreuse does not move.",
      },
    },
    {
      title: 'The child exits',
      narration:
        "B exits. zap_pte_range() clears B's PTEs and drops each page's mapcount, but the references go through the mmu_gather: the TLB is flushed first, and only then are the pages released (tlb_finish_mmu()), so no CPU can still reach a page that is being freed. The 16 frames B still shared with A (15 pages of buf and the stack page) stay; B's own copy of page 0 reaches refcount 0 and goes back to the page allocator.",
      refs: [
        { file: 'mm/memory.c', label: 'zap_pte_range(), zap_present_ptes()' },
        { file: 'mm/mmu_gather.c', label: 'tlb_finish_mmu()' },
        { file: 'kernel/exit.c', label: 'exit_mm()' },
        { file: 'fs/proc/meminfo.c', label: 'meminfo_proc_show()', names: ['AnonPages'] },
      ],
      lines: 'B exit',
      question: {
        kind: 'number',
        prompt:
          'By how many kB does AnonPages change when B exits? (a drop is negative; B owns one 4 KiB copy)',
        probe: { what: '/proc/meminfo:AnonPages', delta: true, unit: 'kB' },
        expected: -4,
        explain:
          'Only the frame B alone mapped is freed: the copy it made of page 0. Shared frames stay with A.',
      },
    },
  ],
};
