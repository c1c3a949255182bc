/**
 * Page tables in emulated RAM: reading and writing entries, walking, allocating and freeing table
 * pages (mm/pgtable-generic.c, mm/memory.c __pte_alloc and friends, include/asm-generic/pgalloc.h).
 */
import type { RawEntry } from '../arch/pgtable.ts';
import { PTE, pgtableIndex } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { Owner, PG } from '../phys/page.ts';
import { CHUNK_SIZE, PhysicalRam } from '../phys/ram.ts';
import { GFP, GFP_MASKS } from './gfp.ts';
import type { MmStruct } from './mm_types.ts';
import { walkCacheInvalidate, walkCacheTable } from './walk_cache.ts';

/** GFP_PGTABLE_USER: GFP_KERNEL_ACCOUNT | __GFP_ZERO (page tables start empty). */
export const GFP_PGTABLE_USER = GFP_MASKS['GFP_KERNEL_ACCOUNT']! | GFP.__GFP_ZERO;

/** Physical address of entry `idx` of a table at `level` (entries are 4 or 8 bytes). */
export function entryAddr(m: Machine, tablePfn: number, idx: number, level: number): number {
  return tablePfn * m.pageSize + idx * m.entrySize[level]!;
}

export function readEntry(m: Machine, tablePfn: number, idx: number, out: RawEntry, level: number): void {
  const size = m.entrySize[level]!;
  const a = tablePfn * m.pageSize + idx * size;
  out.lo = m.ram.readU32(a);
  out.hi = size === 8 ? m.ram.readU32(a + 4) : 0;
}

export function writeEntry(m: Machine, tablePfn: number, idx: number, e: RawEntry, level: number): void {
  const size = m.entrySize[level]!;
  const a = tablePfn * m.pageSize + idx * size;
  m.ram.writeU32(a, e.lo);
  if (size === 8) m.ram.writeU32(a + 4, e.hi);
  // an upper-level entry may be on the walk cache's path (a PTE never is: it is the leaf)
  if (level < m.pgtableArch.levels - 1) walkCacheInvalidate();
  if (m.trace.on)
    m.trace.emit({ type: 'pte_set', tablePfn, index: idx, lo: e.lo >>> 0, hi: e.hi >>> 0, level });
}

/** What a TableWords stores may take at once: PhysicalRam.writableWords() marks one 4 KiB block. */
const WORDS_BLOCK = 4096;
/** What an unbacked chunk reads as (never written: stores take writableWords()). */
const ZERO_WORDS = new Uint32Array(CHUNK_SIZE / 4);

/**
 * One page table's entries for a loop over many of them (fork's copy_pte_range, the zap): the
 * table's RAM is read as the Uint32Array words of its chunk (PhysicalRam.words), taken once per
 * 4 KiB block, instead of a bounds-checked DataView access per half entry, which was most of
 * fork's time. Reads and writes leave RAM, the `written` bits and the events exactly as
 * readEntry()/writeEntry() would: a store takes the block writable (copied first if a snapshot
 * shares it) at the first store into it, and with a trace sink attached (or above the PTE level,
 * where the walk cache must hear of it) every store goes through writeEntry().
 * Anything else that may write the table (reclaim in an allocation, the swap-entry copy) makes the
 * view stale: call reset() after it.
 */
export class TableWords {
  private w: Uint32Array = ZERO_WORDS;
  /** the entries the view is good for: [first, limit) (empty: the next access takes it) */
  private first = 0;
  private limit = 0;
  /** the word of entry `first` in `w` */
  private word0 = 0;
  private writable = false;
  private readonly e: RawEntry = { lo: 0, hi: 0 };
  private readonly base: number;
  private readonly blockBytes: number;
  private readonly perBlock: number;
  private readonly wide: boolean;
  /** stores may go straight to RAM: a PTE table (no walk cache to drop) and no sink for pte_set */
  private readonly direct: boolean;

  constructor(
    private readonly m: Machine,
    readonly table: number,
    private readonly level: number,
  ) {
    const size = m.entrySize[level]!;
    this.base = table * m.pageSize;
    this.blockBytes = Math.min(tableBytes(m, level), WORDS_BLOCK);
    this.perBlock = this.blockBytes / size;
    this.wide = size === 8;
    this.direct = !m.trace.on && level === m.pgtableArch.levels - 1;
  }

  /** readEntry() of entry idx. */
  read(idx: number, out: RawEntry): void {
    if (idx < this.first || idx >= this.limit) this.view(idx, false);
    if (this.wide) {
      const o = this.word0 + (idx - this.first) * 2;
      out.lo = this.w[o]!;
      out.hi = this.w[o + 1]!;
    } else {
      out.lo = this.w[this.word0 + idx - this.first]!;
      out.hi = 0;
    }
  }

  /** writeEntry() of entry idx. */
  write(idx: number, e: RawEntry): void {
    if (!this.direct) {
      writeEntry(this.m, this.table, idx, e, this.level);
      this.reset();
      return;
    }
    if (!this.writable || idx < this.first || idx >= this.limit) this.view(idx, true);
    if (this.wide) {
      const o = this.word0 + (idx - this.first) * 2;
      this.w[o] = e.lo;
      this.w[o + 1] = e.hi;
    } else this.w[this.word0 + idx - this.first] = e.lo;
  }

  /** Entries [0, n) are all pte_none(): free_pgtables' test of a PTE table the zap emptied. */
  allNone(n: number): boolean {
    const arch = this.m.pgtableArch;
    if (arch.nonZeroEmpty(this.level)) {
      for (let i = 0; i < n; i++) {
        this.read(i, this.e);
        if (!arch.isNone(this.e, this.level)) return false;
      }
      return true;
    }
    // an empty entry is all-zero bytes here: look at the words, a block at a time
    const wordsPerEntry = this.wide ? 2 : 1;
    for (let i = 0; i < n; i += this.perBlock) {
      this.view(i, false);
      const end = this.word0 + Math.min(this.perBlock, n - i) * wordsPerEntry;
      for (let o = this.word0; o < end; o++) if (this.w[o] !== 0) return false;
    }
    return true;
  }

  /** The table may have been written by other code: take the view again at the next access. */
  reset(): void {
    this.first = 0;
    this.limit = 0;
    this.writable = false;
  }

  /** Take the view of entry idx's block, writable when asked (kept out of read/write: inlining). */
  private view(idx: number, write: boolean): void {
    const b = Math.floor(idx / this.perBlock);
    const addr = this.base + b * this.blockBytes;
    const ram = this.m.ram;
    this.w = write ? ram.writableWords(addr) : (ram.words(addr) ?? ZERO_WORDS);
    this.word0 = PhysicalRam.wordIndex(addr);
    this.first = b * this.perBlock;
    this.limit = this.first + this.perBlock;
    this.writable = write;
  }
}

/** pte_clear(): write the level's empty entry. */
export function clearEntry(m: Machine, tablePfn: number, idx: number, level: number): void {
  m.pgtableArch.mkNone(level, scratch);
  writeEntry(m, tablePfn, idx, scratch, level);
}

/** Bytes of table entries a table at `level` holds: what mm_inc_nr_ptes()/pmds() add to VmPTE. */
export function tableBytes(m: Machine, level: number): number {
  const arch = m.pgtableArch;
  return (1 << arch.levelBits[level]!) << arch.entryShift(level);
}

/**
 * pagetable_alloc(): a zeroed page for a page table, typed PageTable. Counted in
 * nr_page_table_pages; `level` 0 is the PGD (not part of VmPTE), the rest add to mm->pgtables_bytes.
 */
export function pgtableAlloc(m: Machine, mm: MmStruct | null, level: number, cpu: number): number {
  const arch = m.pgtableArch;
  const order = arch.tableOrder(level);
  const pfn = m.alloc.allocPages(GFP_PGTABLE_USER, order, cpu);
  if (pfn < 0) return -1;
  walkCacheInvalidate();
  for (let i = 0; i < 1 << order; i++) {
    m.pages.flags[pfn + i] = m.pages.flags[pfn + i]! | PG.pgtable;
    m.pages.owner[pfn + i] = Owner.PageTable;
  }
  m.pages.order[pfn] = order;
  m.vmstat.add('nr_page_table_pages', 1 << order);
  if (mm && level > 0) mm.pgtablesBytes += tableBytes(m, level);
  if (arch.nonZeroEmpty(level)) {
    // pgd_init() / crst_table_init(): an empty entry is not all-zero on this architecture.
    const n = 1 << arch.levelBits[level]!;
    arch.mkNone(level, scratch);
    const e = { lo: scratch.lo, hi: scratch.hi };
    for (let i = 0; i < n; i++) {
      const a = entryAddr(m, pfn, i, level);
      m.ram.writeU32(a, e.lo);
      if (arch.entryShift(level) === 3) m.ram.writeU32(a + 4, e.hi);
    }
  }
  return pfn;
}

/**
 * Free a page table. VmPTE drops at once (mm_dec_nr_ptes), but a table unhooked by munmap, exit or
 * MADV_DONTNEED goes through the mmu_gather's RCU batch (tlb_remove_table): other CPUs may still be
 * walking it, so the page — and nr_page_table_pages — are released only after a grace period
 * (see Machine.synchronizeRcu, the `sleep` statement).
 */
export function pgtableFree(
  m: Machine,
  mm: MmStruct | null,
  pfn: number,
  level: number,
  cpu: number,
  rcu = true,
): void {
  if (mm && level > 0) mm.pgtablesBytes -= tableBytes(m, level);
  // unhooked already, but a PGD is freed without touching an entry and its pfn may come back
  walkCacheInvalidate();
  const order = m.pgtableArch.tableOrder(level);
  if (rcu) m.rcuPending.push([pfn, order]);
  else pgtableFreeNow(m, pfn, order, cpu);
}

export function pgtableFreeNow(m: Machine, pfn: number, order: number, cpu: number): void {
  walkCacheInvalidate();
  m.vmstat.add('nr_page_table_pages', -(1 << order));
  // The table must be empty by now; freeing clears the PageTable type.
  m.alloc.freePages(pfn, order, cpu);
}

const scratch: RawEntry = { lo: 0, hi: 0 };

/** walkTable()/walkAlloc() result: a huge (PMD) leaf sits where a table was expected. */
export const WALK_HUGE = -2;

/**
 * Walk to the table at `stopLevel` (default: the last-level PTE table) for `va`, allocating missing
 * tables on the way (__pte_alloc, __pmd_alloc, ...). Returns its pfn, -1 when a table could not be
 * allocated (VM_FAULT_OOM), or WALK_HUGE when a huge leaf is in the way.
 */
export function walkAlloc(
  m: Machine,
  mm: MmStruct,
  va: number,
  cpu: number,
  stopLevel = m.pgtableArch.levels - 1,
): number {
  // A cached path (mm/walk_cache.ts) has every table up to the last level: nothing to allocate.
  const cached = walkCacheTable(m, mm.pgd, va, stopLevel);
  if (cached >= 0) return cached;
  const arch = m.pgtableArch;
  let table = mm.pgd;
  for (let level = 0; level < stopLevel; level++) {
    const idx = pgtableIndex(arch, va, level);
    readEntry(m, table, idx, scratch, level);
    // A table entry is empty or points at a table: no need to decode all its flags.
    if (arch.isNone(scratch, level)) {
      const child = m.trace.call(
        level === arch.levels - 2 ? '__pte_alloc' : level === arch.levels - 3 ? '__pmd_alloc' : '__pud_alloc',
        () => pgtableAlloc(m, mm, level + 1, cpu),
      );
      if (child < 0) return -1;
      arch.mkTable(child, level, scratch);
      writeEntry(m, table, idx, scratch, level);
      table = child;
    } else {
      if (m.hugeMapped && arch.flags(scratch, level) & PTE.HUGE) return WALK_HUGE;
      table = arch.tablePfn(scratch, level);
    }
  }
  return table;
}

/** Walk without allocating: the table at `stopLevel` for `va`, -1 if a level is missing, WALK_HUGE. */
export function walkTable(
  m: Machine,
  mm: MmStruct,
  va: number,
  stopLevel = m.pgtableArch.levels - 1,
): number {
  const cached = walkCacheTable(m, mm.pgd, va, stopLevel);
  if (cached >= 0) return cached;
  const arch = m.pgtableArch;
  let table = mm.pgd;
  for (let level = 0; level < stopLevel; level++) {
    readEntry(m, table, pgtableIndex(arch, va, level), scratch, level);
    if (arch.isNone(scratch, level)) return -1;
    if (m.hugeMapped && arch.flags(scratch, level) & PTE.HUGE) return WALK_HUGE;
    table = arch.tablePfn(scratch, level);
  }
  return table;
}

/** One level of a walk, for the inspector: the table, the index and the entry found there. */
export interface WalkStep {
  level: string;
  tablePfn: number;
  index: number;
  entry: RawEntry;
}

export function walkSteps(m: Machine, mm: MmStruct, va: number): WalkStep[] {
  const arch = m.pgtableArch;
  const out: WalkStep[] = [];
  let table = mm.pgd;
  for (let level = 0; level < arch.levels; level++) {
    const index = pgtableIndex(arch, va, level);
    const entry = { lo: 0, hi: 0 };
    readEntry(m, table, index, entry, level);
    out.push({ level: arch.levelNames[level]!, tablePfn: table, index, entry });
    const f = arch.flags(entry, level);
    if (level === arch.levels - 1 || !(f & PTE.PRESENT) || f & PTE.HUGE) break;
    table = arch.tablePfn(entry, level);
  }
  return out;
}

/**
 * The PTE level of walk_page_range() as the pte_range callbacks of madvise and mlock see it:
 * `fn(table, idx, va, entry)` for every PTE slot of [start, end) whose PTE table exists (none
 * entries included, the callback decides); PMD ranges with no table are skipped, and a huge PMD
 * goes to `onHuge(pmdEntry, va)` once (pmd_trans_huge_lock's branch) or is skipped without it.
 * `entry` is one reused object, valid during the call.
 */
export function walkPteRange(
  m: Machine,
  mm: MmStruct,
  start: number,
  end: number,
  fn: (table: number, idx: number, va: number, e: RawEntry) => void,
  onHuge?: (pmdEntry: RawEntry, va: number) => void,
): void {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const ps = m.pageSize;
  const span = 2 ** arch.levelShift[last - 1]!;
  const e: RawEntry = { lo: 0, hi: 0 };
  for (let a = start; a < end;) {
    const table = walkTable(m, mm, a);
    const tableEnd = Math.min(end, (Math.floor(a / span) + 1) * span);
    if (table === WALK_HUGE && onHuge) {
      const pmdTable = walkTable(m, mm, a, last - 1);
      readEntry(m, pmdTable, pgtableIndex(arch, a, last - 1), e, last - 1);
      onHuge(e, Math.floor(a / span) * span);
    }
    if (table < 0 || table === WALK_HUGE) {
      a = tableEnd;
      continue;
    }
    for (; a < tableEnd; a += ps) {
      const idx = pgtableIndex(arch, a, last);
      readEntry(m, table, idx, e, last);
      fn(table, idx, a, e);
    }
  }
}
