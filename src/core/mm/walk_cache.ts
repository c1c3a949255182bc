/**
 * The emulator's walk cache: the table pfns along the last user page walk that reached a last-level
 * table, so the next walk into the same table (the common case: sequential accesses, and a fault's
 * own walks — the MMU's miss, handle_mm_fault's walk, the retry) reads one entry instead of every
 * level.
 *
 * This is a cost of the emulator, not a model of the CPU's paging-structure caches: those may hold
 * stale entries until an INVLPG or CR3 write, this one can never be stale. Every upper-level entry
 * write (writeEntry below the last level, the MMU's A/D update of a huge leaf) and every table
 * allocation or free bumps `generation`, and an entry is used only while its generation is current,
 * so a cached walk gives exactly what a full walk would: same tables, no events either way.
 *
 * Only mmuTranslate() fills it, after it checked every upper entry the way the hardware does (present,
 * user, not a huge leaf). Such an entry is also what walkAlloc()/walkTable() would descend through
 * without allocating or stopping (present is never pte_none on any arch here), so they may use it.
 */

/** Bumped whenever a cached path could have changed: compared, never interpreted. */
let generation = 0;
/** The cached path: valid while cGen === generation. */
let cGen = -1;
let cMachine: object | null = null;
let cPgd = -1;
/** VA range covered by the cached last-level table: [cLo, cHi) */
let cLo = 0;
let cHi = 0;
/** table pfn at each level along the path (cTables[0] is the PGD) */
const cTables = new Float64Array(8);
/** off: every walk starts at the PGD (tests compare both ways) */
let enabled = true;

/** An upper-level entry was written, or a table allocated or freed: forget the cached path. */
export function walkCacheInvalidate(): void {
  generation++;
}

/**
 * The table at `level` on the cached path to `va` in the page tables rooted at `pgd`, or -1 when
 * the cache does not cover it.
 */
export function walkCacheTable(m: object, pgd: number, va: number, level: number): number {
  if (cGen !== generation || cMachine !== m || cPgd !== pgd || va < cLo || va >= cHi) return -1;
  return cTables[level]!;
}

/** Start recording a walk from the PGD: the previous path is forgotten until walkCacheCommit(). */
export function walkCacheBegin(pgd: number): void {
  cGen = -1;
  cTables[0] = pgd;
}

/** The walk descended from `level` to the table `pfn` at `level + 1`. */
export function walkCacheStep(level: number, pfn: number): void {
  cTables[level + 1] = pfn;
}

/**
 * The walk reached the last-level table; `lo`/`hi` bound the VAs that table maps. Valid until the
 * next invalidation.
 */
export function walkCacheCommit(m: object, pgd: number, lo: number, hi: number): void {
  if (!enabled) return;
  cMachine = m;
  cPgd = pgd;
  cLo = lo;
  cHi = hi;
  cGen = generation;
}

/**
 * Turn the cache off (every walk from the PGD) or back on: for the test that proves a cached walk
 * changes nothing. Returns the previous setting.
 */
export function setWalkCache(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  cGen = -1;
  return was;
}
