/**
 * The madvise() advices the model implements, by their scenario names (MADV_<NAME> lower-cased):
 * one list for the scenario language, the core and the UI's range bar (which may import only
 * src/core/shared).
 */
export const MADVISE_ADVICES = [
  'dontneed',
  'free',
  'populate_read',
  'populate_write',
  'hugepage',
  'nohugepage',
  'cold',
  'pageout',
  'dontfork',
  'dofork',
  'wipeonfork',
  'keeponfork',
  'mergeable',
  'unmergeable',
] as const;

export type Advice = (typeof MADVISE_ADVICES)[number];
