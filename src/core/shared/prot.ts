/**
 * The protections mmap and mprotect take, by their scenario names: one list for the scenario
 * language, the core and the UI (which may import only src/core/shared). `x` alone is PROT_EXEC,
 * which x86 cannot make execute-only: such pages still read.
 */
export const PROTS = ['none', 'r', 'rw', 'x', 'rx', 'rwx'] as const;

export type Prot = (typeof PROTS)[number];

/** Whether a protection lets the process write (private writable memory faults in by writes). */
export function protWrites(p: Prot): boolean {
  return p === 'rw' || p === 'rwx';
}
