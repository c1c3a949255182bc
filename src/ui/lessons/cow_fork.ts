import type { Lesson } from './types.ts';

/** Copy-on-write after fork: shared until someone writes, then one copy, then reuse. */
export const cowForkLesson: Lesson = {
  id: 'cow-fork',
  title: 'Copy-on-write after fork',
  summary:
    'fork() copies page tables, not pages; the first write copies one page, the last writer reuses it.',
  machine: { arch: 'x86_64', ram: 1024 * 1024 * 1024, cpus: 2, zeroPagePatch: 'before' },
  steps: [
    {
      title: 'A parent with 64 KiB of data',
      narration:
        'Process A maps 64 KiB and writes every page, so it owns 16 anonymous frames (each first write of a page allocates one zeroed frame in do_anonymous_page()).',
      refs: [{ file: 'mm/memory.c', label: 'do_anonymous_page()' }],
      lines: 'spawn A\nA mmap buf 64K rw\nA write buf 0 64K 4K 1',
      point: { kind: 'page', proc: 'A', region: 'buf' },
      question: {
        kind: 'number',
        prompt:
          'How many kB of anonymous memory (AnonPages in /proc/meminfo) does the machine gain? (A new process starts with one written stack page.)',
        probe: { what: '/proc/meminfo:AnonPages', delta: true, unit: 'kB' },
        expected: 68,
        explain: '16 pages of 4 KiB, one new frame per page A wrote, plus the stack page of the new process.',
      },
    },
    {
      title: 'fork()',
      narration:
        'A forks B. copy_present_ptes() does not copy the pages: it gives B a PTE to the same frame, takes a reference and a mapcount on it, clears PageAnonExclusive, and write-protects the PTE in both parent and child (is_cow_mapping()).',
      refs: [
        { file: 'mm/memory.c', label: 'copy_present_ptes()' },
        { file: 'kernel/fork.c', label: 'dup_mmap()' },
      ],
      lines: 'A fork B',
      point: { kind: 'page', proc: 'B', region: 'buf' },
      question: {
        kind: 'choice',
        prompt: 'How many kB does AnonPages (frames, system-wide) grow by at fork?',
        probe: { what: '/proc/meminfo:AnonPages', delta: true, unit: 'kB' },
        choices: [
          { label: 'None: the frames are shared', when: { op: '==', value: 0 } },
          { label: 'About 64 kB: B gets a copy of buf', when: { op: '>=', value: 64 } },
        ],
        expected: 0,
        explain:
          "No frame is copied. B's RSS still counts the 16 shared pages (RSS counts mappings), which is why summing RSS over processes overstates memory use.",
      },
    },
    {
      title: 'The child writes',
      narration:
        'B writes one byte of page 0. Its PTE is read-only, so do_wp_page() runs. The page is mapped twice and not exclusive, so it cannot be reused: wp_page_copy() allocates a frame, copies the 4 KiB and maps the copy writable in B only.',
      refs: [{ file: 'mm/memory.c', label: 'do_wp_page(), wp_page_copy()' }],
      lines: 'B write buf 0 1 1 2',
      point: { kind: 'page', proc: 'B', region: 'buf', page: 0 },
      question: {
        kind: 'number',
        prompt: 'By how many kB does AnonPages grow?',
        probe: { what: '/proc/meminfo:AnonPages', delta: true, unit: 'kB' },
        expected: 4,
        explain: 'Exactly one page was copied: the one B wrote. The other 15 stay shared.',
      },
    },
    {
      title: 'The parent writes the same page',
      narration:
        'Now A writes page 0. Its PTE is still read-only from the fork, so it faults too. But the old frame is now mapped only by A: wp_can_reuse_anon_folio() sees a reference count of 1, so the kernel reuses the frame in place (wp_page_reuse()): no allocation, no copy.',
      refs: [{ file: 'mm/memory.c', label: 'wp_can_reuse_anon_folio(), wp_page_reuse()' }],
      lines: 'A write buf 0 1 1 3',
      point: { kind: 'page', proc: 'A', region: 'buf', page: 0 },
      question: {
        kind: 'choice',
        prompt: 'Does the parent get a copy too?',
        probe: { what: '/proc/meminfo:AnonPages', delta: true, unit: 'kB' },
        choices: [
          { label: 'Yes, another 4 kB frame', when: { op: '==', value: 4 } },
          { label: 'No, it reuses its frame (0 kB)', when: { op: '==', value: 0 } },
        ],
        expected: 1,
        explain: 'The last writer of a COW page reuses it: one fault, but no new frame.',
      },
    },
    {
      title: 'The child exits',
      narration:
        "B exits. zap_present_ptes() drops B's mapping of every page: the 15 shared frames lose a mapcount and a reference but stay (A still maps them); B's private copies reach refcount 0 and go back to the page allocator.",
      refs: [
        { file: 'mm/memory.c', label: 'zap_present_ptes()' },
        { file: 'kernel/exit.c', label: 'exit_mm()' },
      ],
      lines: 'B exit',
      question: {
        kind: 'number',
        prompt: 'By how many kB does AnonPages change when B exits? (a drop is negative)',
        probe: { what: '/proc/meminfo:AnonPages', delta: true, unit: 'kB' },
        expected: -4,
        explain:
          'Only the frames B alone mapped are freed: the copy it made of page 0. Shared frames stay with A.',
      },
    },
  ],
};
