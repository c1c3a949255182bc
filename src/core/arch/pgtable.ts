/**
 * The page-table interface between generic mm code and an architecture.
 *
 * Page tables live in emulated RAM in the architecture's real bit layout. Entries are 64-bit, but
 * JavaScript's bit operators are 32-bit and BigInt is ~30x slower on the fault path, so an entry is
 * handled as two 32-bit halves (lo, hi) and generic code speaks in "semantic" flags (the PTE_*
 * below) that each arch encodes into its own bits: x86's _PAGE_RW, arm64's AP[2] and DBM, ...
 */

/** Semantic entry flags used by mm/ (not the hardware bits: see arch/<arch>/pgtable.ts). */
export const PTE = {
  /** the entry maps something the MMU will use (x86 _PAGE_PRESENT) */
  PRESENT: 1 << 0,
  WRITE: 1 << 1,
  USER: 1 << 2,
  /** accessed (x86 _PAGE_ACCESSED, arm64 AF) */
  YOUNG: 1 << 3,
  DIRTY: 1 << 4,
  /** pte_special(): no struct page refcounting (the zero page) */
  SPECIAL: 1 << 5,
  /** no-execute */
  NX: 1 << 6,
  /** global: survives an address-space switch */
  GLOBAL: 1 << 7,
  /** a leaf above the last level (x86 _PAGE_PSE) */
  HUGE: 1 << 8,
  /** PROT_NONE: kept by the kernel, not present to the MMU */
  PROTNONE: 1 << 9,
  SOFT_DIRTY: 1 << 10,
} as const;

/** An entry as two 32-bit halves. Reused scratch objects keep the fault path allocation-free. */
export interface RawEntry {
  lo: number;
  hi: number;
}

export interface PgtableArch {
  /** Number of levels (x86-64: 4 = PGD, PUD, PMD, PTE). */
  levels: number;
  /** Level names, top first: ['PGD', 'PUD', 'PMD', 'PTE'] */
  levelNames: readonly string[];
  /** VA bit where each level's index starts, top first: [39, 30, 21, 12]. */
  levelShift: readonly number[];
  /** Index bits per level, top first. */
  levelBits: readonly number[];
  /** Highest user address + 1 (TASK_SIZE). */
  taskSize: number;
  /** log2 of the entry size at a level: 3 for 64-bit entries, 2 for 32-bit (MIPS32, arm PTEs). */
  entryShift(level: number): number;
  /** Allocation order of a table at a level (s390 region tables are 16 KiB: order 2). */
  tableOrder(level: number): number;
  /** pte_none()/pmd_none(): an empty entry (not always 0: s390 PTEs, MIPS PGD slots). */
  isNone(e: RawEntry, level: number): boolean;
  /** The empty entry of a level (what pte_clear() writes). */
  mkNone(level: number, out: RawEntry): void;
  /** Entries of a fresh table are all empty; true when that is not all-zero bytes (pgd_init, s390). */
  nonZeroEmpty(level: number): boolean;

  /** Decode the semantic flags of an entry at `level` (0 = top). */
  flags(e: RawEntry, level: number): number;
  /** The pfn a leaf entry maps. */
  pfn(e: RawEntry): number;
  /** The pfn of the next-level table a table entry at `level` points at. */
  tablePfn(e: RawEntry, level: number): number;
  /** Encode a leaf entry (level = last for a PTE; a higher level with PTE.HUGE for a huge leaf). */
  mkLeaf(pfn: number, flags: number, level: number, out: RawEntry): void;
  /** Encode a table entry pointing at the next-level table `pfn` (x86 _PAGE_TABLE). */
  mkTable(pfn: number, level: number, out: RawEntry): void;
  /** Names of the hardware bits set in an entry, for decoders: ['P', 'RW', 'US', 'A', ...]. */
  bitNames(e: RawEntry, level: number): string[];
}

/**
 * Index of `va` in the table of `level`. User addresses reach 2^57, beyond 32-bit operators, so the
 * address is split into 32-bit halves first (ToUint32 keeps the low half exactly).
 */
export function pgtableIndex(arch: PgtableArch, va: number, level: number): number {
  return vaIndex(va, arch.levelShift[level]!, (1 << arch.levelBits[level]!) - 1);
}

export function vaIndex(va: number, shift: number, mask: number): number {
  const lo = va >>> 0;
  const hi = (va - lo) / 4294967296;
  if (shift >= 32) return (hi >>> (shift - 32)) & mask;
  return ((lo >>> shift) | (hi << (32 - shift))) & mask;
}

/**
 * `x % size` for a non-negative integer x and a power-of-two size. Addresses pass 2^32, where `%`
 * is a floating-point modulus (an fmod call in V8: ~30-90 ns, more than a whole cached page walk);
 * for size up to 2^31 the low 32 bits decide the remainder, and above that floor() is exact.
 */
export function modPow2(x: number, size: number): number {
  return size <= 0x80000000 ? (x >>> 0) & (size - 1) : x - Math.floor(x / size) * size;
}
