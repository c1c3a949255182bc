/**
 * What the process grid shows for one virtual page: a byte per page, computed by the core and drawn
 * by the renderer. Shared by the core and the UI (no dependencies).
 */
export const VPageState = {
  /** no VMA here */
  Unmapped: 0,
  /** inside a VMA, never touched: no PTE */
  Untouched: 1,
  /** mapped to the shared zero page (read-only, special) */
  Zero: 2,
  /** an anonymous page mapped only here */
  Private: 3,
  /** a page mapped by more than one process (after fork, or shmem) */
  Shared: 4,
  /** part of a huge (PMD) mapping */
  Huge: 5,
  /** PROT_NONE: the kernel keeps the page, the MMU refuses access */
  ProtNone: 6,
  // 7 is the worker's split of Huge (protocol.ts VPAGE_HUGE_ZERO)
  /** the PTE holds a swap entry: the page is on a swap device (or in the swap cache), not mapped */
  Swapped: 8,
  /**
   * a page-cache page of a named file (the `file` statement: tmpfs or disk) mapped here, read-only
   * in a private mapping until a write copies it
   */
  File: 9,
} as const;

/** The names of states 0..6 (the palette adds 7, the huge zero folio, 8, Swapped, and 9, File). */
export const VPAGE_STATE_NAMES = [
  'not mapped',
  'untouched (no PTE)',
  'zero page',
  'private',
  'shared',
  'huge',
  'PROT_NONE',
] as const;
