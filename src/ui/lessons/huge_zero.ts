import type { Lesson } from './types.ts';

/** The huge zero folio: one PMD maps 2 MiB of zeros; refcounted per mm; freed by its shrinker. */
export const hugeZeroLesson: Lesson = {
  id: 'huge-zero',
  title: 'The huge zero folio and its shrinker',
  summary:
    'Read faults in a MADV_HUGEPAGE region map 2 MiB of zeros with one PMD; who holds the folio, and who frees it.',
  machine: {
    arch: 'x86_64',
    ram: 1024 * 1024 * 1024,
    thp: 'madvise',
    useZeroPage: true,
    hugeZero: 'dynamic',
    zeroPagePatch: 'before',
  },
  steps: [
    {
      title: 'No huge zero folio yet',
      narration:
        'Linux 6.18 (without CONFIG_PERSISTENT_HUGE_ZERO_FOLIO) allocates the huge zero folio on first use. Until then huge_zero_pfn is ~0UL and huge_zero_refcount is 0. The Huge zero folio panel follows it.',
      refs: [
        {
          file: 'mm/huge_memory.c',
          label: 'get_huge_zero_folio()',
          names: ['huge_zero_pfn', 'huge_zero_refcount', 'CONFIG_PERSISTENT_HUGE_ZERO_FOLIO'],
        },
      ],
      lines: 'print huge_zero_pfn',
      point: { kind: 'panel', heading: 'huge-title' },
      question: {
        kind: 'number',
        prompt: 'What is huge_zero_refcount right after boot?',
        probe: { what: 'huge_zero_refcount' },
        expected: 0,
        explain: 'Nothing has asked for it: the 2 MiB folio does not exist yet.',
      },
    },
    {
      title: 'Read 4 MiB with MADV_HUGEPAGE',
      narration:
        'A maps 4 MiB at a 2 MiB-aligned address, asks for huge pages with madvise(MADV_HUGEPAGE) and reads one byte of every 4 KiB page.\n\n' +
        'The first read in each 2 MiB window faults with an empty PMD, so do_huge_pmd_anonymous_page() runs: for a read, with use_zero_page=1, it maps the huge zero folio with one special PMD and deposits a spare PTE table for a later split.',
      refs: [
        { file: 'mm/huge_memory.c', label: 'do_huge_pmd_anonymous_page(), set_huge_zero_folio()' },
        { file: 'mm/madvise.c', label: 'MADV_HUGEPAGE' },
      ],
      lines: 'spawn A\nA mmap r1 4M rw at=0x100000000000\nA madvise r1 0 4M hugepage\nA read r1 0 4M 4K',
      point: { kind: 'page', proc: 'A', region: 'r1' },
      question: {
        kind: 'number',
        prompt:
          "A new process has taken one fault (writing its stack). What is A's minflt (/proc/A/stat field 10) after the 1024 reads?",
        probe: { what: '/proc/A/stat:10', unit: 'faults' },
        expected: 3,
        explain:
          'The stack fault plus one fault per 2 MiB: after it, the PMD maps all 512 pages of the window at once.',
      },
    },
    {
      title: 'Who holds it',
      narration:
        'get_huge_zero_folio() allocated the folio and set huge_zero_refcount to 2: one reference for the caller and one kept for the shrinker. mm_get_huge_zero_folio() takes one reference per mm, the first time that mm maps it, and sets MMF_HUGE_ZERO_FOLIO on the mm.\n\n' +
        "Now A forks B: copy_huge_pmd() gives B the same PMD, and a reference for B's mm.",
      refs: [
        {
          file: 'mm/huge_memory.c',
          label: 'get_huge_zero_folio(), mm_get_huge_zero_folio(), copy_huge_pmd()',
          names: ['huge_zero_refcount'],
        },
        { file: 'include/linux/mm_types.h', label: 'MMF_HUGE_ZERO_FOLIO' },
      ],
      lines: 'A fork B',
      point: { kind: 'panel', heading: 'huge-title' },
      question: {
        kind: 'number',
        prompt: 'What is huge_zero_refcount after the fork?',
        probe: { what: 'huge_zero_refcount' },
        expected: 3,
        explain:
          "One per mm that mapped it (A and B) plus the shrinker's: 3. Two PMDs in A and two in B still take only one reference per mm.",
      },
    },
    {
      title: 'Both processes exit',
      narration:
        "At exit, __mmput() calls mm_put_huge_zero_folio(), which drops the mm's reference. The count never reaches 0 this way: the shrinker's reference keeps the folio even when nobody maps it, so the next user need not allocate and zero 2 MiB again.",
      refs: [
        { file: 'mm/huge_memory.c', label: 'mm_put_huge_zero_folio()', names: ['huge_zero_refcount'] },
        { file: 'kernel/fork.c', label: '__mmput()' },
      ],
      lines: 'A exit\nB exit',
      question: {
        kind: 'number',
        prompt: 'What is huge_zero_refcount once A and B are gone?',
        probe: { what: 'huge_zero_refcount' },
        expected: 1,
        explain: 'Only the reference kept for the shrinker is left.',
      },
    },
    {
      title: 'Memory pressure: the thp-zero shrinker',
      narration:
        'echo 3 > /proc/sys/vm/drop_caches runs the shrinkers. The "thp-zero" shrinker\'s count callback reports 512 pages only when huge_zero_refcount is 1; its scan callback then atomically swaps 1 for 0 (atomic_cmpxchg), clears huge_zero_pfn and frees the folio.\n\n' +
        'With CONFIG_PERSISTENT_HUGE_ZERO_FOLIO (new in 6.18) this shrinker is not registered and the folio is never freed.',
      refs: [
        {
          file: 'mm/huge_memory.c',
          label: 'shrink_huge_zero_folio_count(), shrink_huge_zero_folio_scan()',
          names: ['huge_zero_pfn', 'huge_zero_refcount', 'CONFIG_PERSISTENT_HUGE_ZERO_FOLIO'],
        },
      ],
      lines: 'drop_caches\nprint huge_zero_pfn',
      point: { kind: 'panel', heading: 'huge-title' },
      question: {
        kind: 'choice',
        prompt: 'Does the shrinker free the huge zero folio now?',
        probe: { what: 'huge_zero_refcount' },
        choices: [
          { label: 'Yes: refcount drops to 0 and the 2 MiB go back', when: { op: '==', value: 0 } },
          { label: 'No: it stays allocated', when: { op: '>', value: 0 } },
        ],
        expected: 0,
        explain:
          'The refcount was 1 (only the shrinker held it), so the scan freed the 512 pages; the next read fault in a huge region allocates a new one.',
      },
    },
  ],
};
