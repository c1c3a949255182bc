import type { Lesson } from './types.ts';

/** Zeroing a block device without WRITE_ZEROES: bios of zero-page bvecs, and the 2 MiB folio. */
export const blkdevLesson: Lesson = {
  id: 'blkdev-zeroout',
  title: 'Zeroing a block device with bvecs',
  summary: 'blkdev_issue_zeroout() without WRITE_ZEROES writes the zero page over and over: how many bvecs?',
  machine: { arch: 'x86_64', ram: 1024 * 1024 * 1024, hugeZero: 'persistent', zeroPagePatch: 'before' },
  steps: [
    {
      title: 'The fallback: writing zeros',
      narration:
        'blkdev_issue_zeroout() asks the device for REQ_OP_WRITE_ZEROES; a device without it gets __blkdev_issue_zero_pages(): plain writes whose data is the zero page, added to each bio again and again.\n\n' +
        'A bio holds at most BIO_MAX_VECS = 256 bvecs, and copies of the same page never merge into one bvec (they are not physically contiguous). Before 6.18 each bvec was ZERO_PAGE(0), 4 KiB.',
      refs: [
        {
          file: 'block/blk-lib.c',
          label: 'blkdev_issue_zeroout(), __blkdev_issue_zero_pages()',
          names: ['REQ_OP_WRITE_ZEROES'],
        },
        { file: 'include/linux/bio.h', label: 'BIO_MAX_VECS', names: ['BIO_MAX_VECS'] },
        { file: 'arch/x86/include/asm/pgtable.h', label: 'ZERO_PAGE()' },
      ],
      lines: 'blkdev_zeroout 1G zero=page',
      point: { kind: 'panel', heading: 'scenario-title' },
      question: {
        kind: 'number',
        prompt: 'Zeroing 1 GiB with the 4 KiB zero page: how many bios?',
        probe: { what: 'blkdev_bios', unit: 'bios' },
        expected: 1024,
        explain: '256 bvecs of 4 KiB is 1 MiB per bio; 1 GiB takes 1024 bios and 262144 bvecs.',
      },
    },
    {
      title: 'largest_zero_folio()',
      narration:
        'Linux 6.18 uses largest_zero_folio() instead: the persistent huge zero folio (2 MiB) when CONFIG_PERSISTENT_HUGE_ZERO_FOLIO is set, which this machine has, else still the 4 KiB zero page. Each bvec now carries up to 2 MiB.',
      refs: [
        {
          file: 'include/linux/huge_mm.h',
          label: 'largest_zero_folio()',
          names: ['CONFIG_PERSISTENT_HUGE_ZERO_FOLIO'],
        },
        { file: 'block/bio.c', label: 'bio_add_folio()' },
      ],
      lines: 'blkdev_zeroout 1G zero=largest',
      question: {
        kind: 'number',
        prompt: 'The same 1 GiB with the 2 MiB folio: how many bvecs in total?',
        probe: { what: 'blkdev_bvecs', unit: 'bvecs' },
        expected: 512,
        explain:
          '1 GiB / 2 MiB = 512 bvecs; 256 per bio makes 2 bios of 512 MiB, instead of 262144 bvecs in 1024 bios.',
      },
    },
    {
      title: 'The device still has limits',
      narration:
        "The block layer later splits bios to the device's limits (bio_split_to_limits()): with a 1 MiB maximum transfer, the 2 big bios become 1024 again on their way down. The saving is in building and walking the bios, not in the number of commands the device sees.",
      refs: [
        { file: 'block/blk-merge.c', label: 'bio_split_to_limits()' },
        { file: 'block/blk-lib.c', label: '__blkdev_issue_zero_pages()' },
      ],
      lines: 'blkdev_zeroout 1G zero=largest max_transfer=1M',
      point: { kind: 'panel', heading: 'scenario-title' },
      question: {
        kind: 'number',
        prompt:
          'Zeroing the same 1 GiB with the 2 MiB folio and a 1 MiB maximum transfer: how many bios does __blkdev_issue_zero_pages() itself build (before the split)?',
        probe: { what: 'blkdev_bios', unit: 'bios' },
        expected: 2,
        explain:
          'max_transfer does not change what the function builds: 2 bios; the split afterwards makes 1024.',
      },
    },
    {
      title: 'Without the persistent folio',
      narration:
        "The machine restarts with huge_zero=dynamic, 6.18's default. The dynamic huge zero folio is refcounted per mm and may be freed by its shrinker at any time, so it cannot be lent to in-flight I/O: largest_zero_folio() falls back to the 4 KiB zero page.",
      refs: [
        { file: 'include/linux/huge_mm.h', label: 'get_persistent_huge_zero_folio(), largest_zero_folio()' },
      ],
      machine: { hugeZero: 'dynamic' },
      lines: 'blkdev_zeroout 1G zero=largest',
      question: {
        kind: 'number',
        prompt: 'Without the persistent folio, how many bvecs does zeroing 1 GiB take?',
        probe: { what: 'blkdev_bvecs', unit: 'bvecs' },
        expected: 262144,
        explain: 'Back to one 4 KiB bvec per page: 262144 bvecs in 1024 bios.',
      },
    },
  ],
};
