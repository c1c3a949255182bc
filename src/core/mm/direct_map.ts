/**
 * The kernel direct map (x86-64): init_mm's page tables mapping all RAM at PAGE_OFFSET
 * (arch/x86/mm/init.c init_mem_mapping(), arch/x86/mm/init_64.c kernel_physical_mapping_init()),
 * virt_to_page()/page_address() by walking them, and the CPA calls that take pages out of it and put
 * them back (arch/x86/mm/pat/set_memory.c set_direct_map_invalid_noflush() and friends).
 *
 * The tables live in emulated RAM in the real x86 layout: the PGD is init_top_pgt (swapper_pg_dir)
 * in the image's .data, the boot tables come from the brk area (alloc_low_pages()'s pgt_buf, 6
 * pages) and then memblock, tables made by a later split come from the buddy allocator
 * (split_large_page(): alloc_pages(GFP_KERNEL, 0)).
 *
 * Leaf sizes: 1 GiB (PG_LEVEL_1G) where a whole aligned gigabyte of a RAM range is covered — the
 * reference machine's CPU has gbpages (pdpe1gb; its /proc/meminfo shows DirectMap1G), and so does any
 * x86-64 CPU of the last decade — 2 MiB where a 2 MiB-aligned chunk is covered, 4 KiB at the edges
 * (split_mem_range()).
 */
import { PTE, pgtableIndex, type RawEntry } from '../arch/pgtable.ts';
import { _PAGE_PRESENT, _PAGE_RW, _PAGE_USER } from '../arch/x86_64/pgtable.ts';
import type { Machine } from '../machine.ts';
import { Owner } from '../phys/page.ts';
import { GFP_MASKS } from './gfp.ts';
import { readEntry, writeEntry } from './pgtable.ts';
import { installUnmapped } from './mermap.ts';
import { tlbFillKernel } from './tlb.ts';

/** x86-64 4-level: PGD, PUD, PMD, PTE. */
const PUD = 1;
const PMD = 2;
const PTE_LEVEL = 3;
/** Pages per leaf at each level. */
const LEAF_PAGES = [0, 1 << 18, 1 << 9, 1];
/** INIT_PGT_BUF_SIZE (arch/x86/mm/init.c): 6 pages of brk for the first tables. */
const INIT_PGT_BUF_PAGES = 6;
/** init_top_pgt (swapper_pg_dir): a page of the image's .data (head_64.S); here the first page of _sdata. */
const INIT_TOP_PGT_PHYS = 0x2800000;
/** __brk_base: pgt_buf is extend_brk()'s first allocation. */
const BRK_BASE = 0x3b34000 + 3372 * 1024;

/** PAGE_KERNEL: __PP|__RW|___A|__NX|___D|___G = 0x8000000000000163 (pgtable_types.h). */
const PAGE_KERNEL = PTE.PRESENT | PTE.WRITE | PTE.YOUNG | PTE.DIRTY | PTE.GLOBAL | PTE.NX;

/** Whether this machine builds a direct map in its page tables (x86-64 only, so far). */
export function directMapModelled(m: Machine): boolean {
  return m.arch.name === 'x86_64';
}

const E: RawEntry = { lo: 0, hi: 0 };

/** _KERNPG_TABLE (P|RW|A|D, no _PAGE_USER): what a kernel table entry holds besides the pfn. */
function mkKernTable(m: Machine, pfn: number, level: number, out: RawEntry): void {
  m.pgtableArch.mkTable(pfn, level, out);
  out.lo = (out.lo & ~_PAGE_USER) >>> 0;
}

/** alloc_low_pages(): the brk pgt_buf first, then memblock (boot) or the buddy allocator (later). */
function allocKernelTable(m: Machine, cpu: number): number {
  const dm = m.directMap;
  const ps = m.pageSize;
  if (!m.memmapReady || !m.booted) {
    if (dm.pgtBufUsed < INIT_PGT_BUF_PAGES) return BRK_BASE / ps + dm.pgtBufUsed++;
    const pa = m.memblock.alloc(ps, ps, Owner.Memblock, 'alloc_low_pages (direct map page table)');
    m.ram.clearPage(pa, ps);
    return pa / ps;
  }
  const pfn = m.alloc.allocPages(GFP_MASKS['GFP_KERNEL']!, 0, cpu);
  if (pfn < 0) return -1;
  m.pages.owner[pfn] = Owner.KernelAlloc;
  m.ram.clearPage(pfn * ps, ps);
  return pfn;
}

/** The table at `level` + 1 under entry `idx` of `table`, made if missing. */
function childTable(m: Machine, table: number, idx: number, level: number): number {
  readEntry(m, table, idx, E, level);
  if (!m.pgtableArch.isNone(E, level)) return m.pgtableArch.tablePfn(E, level);
  const child = allocKernelTable(m, 0);
  if (child < 0) throw new Error('direct map: no memory for a page table');
  mkKernTable(m, child, level, E);
  writeEntry(m, table, idx, E, level);
  return child;
}

/** Index of direct-map address of `pfn` at `level` (the VA is PAGE_OFFSET + pfn * 4096). */
function dmIndex(m: Machine, pfn: number, level: number): number {
  if (level === 0) return Number((m.arch.pageOffset >> 39n) & 511n) + Math.floor(pfn / 2 ** 27);
  return pgtableIndex(m.pgtableArch, pfn * m.pageSize, level);
}

/** Write leaves for [start, end) pfns at `level` (all aligned to that level's leaf size). */
function mapLeaves(m: Machine, start: number, end: number, level: number): void {
  const arch = m.pgtableArch;
  const n = LEAF_PAGES[level]!;
  for (let pfn = start; pfn < end; pfn += n) {
    let table = m.directMap.pgd;
    for (let l = 0; l < level; l++) table = childTable(m, table, dmIndex(m, pfn, l), l);
    arch.mkLeaf(pfn, PAGE_KERNEL | (level < PTE_LEVEL ? PTE.HUGE : 0), level, E);
    writeEntry(m, table, dmIndex(m, pfn, level), E, level);
  }
}

/**
 * init_memory_mapping() → split_mem_range() + kernel_physical_mapping_init() for [s, e) bytes:
 * 4K up to the first 2M boundary, 2M up to the first 1G boundary, 1G, then 2M and 4K tails.
 */
function initMemoryMapping(m: Machine, s: number, e: number): void {
  const ps = m.pageSize;
  const sp = Math.floor(s / ps);
  const ep = Math.ceil(e / ps);
  const P2 = LEAF_PAGES[PMD]!;
  const P1 = LEAF_PAGES[PUD]!;
  const up = (x: number, a: number) => Math.ceil(x / a) * a;
  const down = (x: number, a: number) => Math.floor(x / a) * a;
  const h2 = Math.min(up(sp, P2), ep);
  mapLeaves(m, sp, h2, PTE_LEVEL);
  const e2 = down(ep, P2);
  if (h2 >= e2) {
    mapLeaves(m, h2, ep, PTE_LEVEL);
    return;
  }
  const h1 = Math.min(up(h2, P1), e2);
  mapLeaves(m, h2, h1, PMD);
  const e1 = Math.max(h1, down(e2, P1));
  mapLeaves(m, h1, e1, PUD);
  mapLeaves(m, e1, e2, PMD);
  mapLeaves(m, e2, ep, PTE_LEVEL);
}

/**
 * init_mem_mapping(): the ISA range (first 1 MiB, holes included) with 4K pages, then every memblock
 * memory range above it.
 */
export function initMemMapping(m: Machine): void {
  const ps = m.pageSize;
  const dm = m.directMap;
  dm.pgd = INIT_TOP_PGT_PHYS / ps;
  const ISA_END = 0x100000;
  m.trace.call('init_memory_mapping', () => initMemoryMapping(m, 0, ISA_END));
  for (const r of m.memblock.memory.regions) {
    const s = Math.max(r.base, ISA_END);
    const e = r.base + r.size;
    if (e > s) m.trace.call('init_memory_mapping', () => initMemoryMapping(m, s, e));
  }
  m.alloc.onKernelAccess = (pfn, nr, cpu) => kernelMapAccess(m, pfn, nr, cpu);
  installUnmapped(m);
  const c = directMapCounts(m);
  m.note(
    `direct map at 0x${m.arch.pageOffset.toString(16)}: init_top_pgt at 0x${INIT_TOP_PGT_PHYS.toString(16)}, ${dm.pgtBufUsed} tables from brk; ${c.g1} × 1G, ${c.m2} × 2M, ${c.k4} × 4K leaves (PAGE_KERNEL | _PAGE_GLOBAL)`,
  );
}

/** The direct-map state a Machine keeps. */
export interface DirectMapState {
  /** pfn of init_top_pgt (swapper_pg_dir), -1 before init_mem_mapping() */
  pgd: number;
  /** pages of pgt_buf (brk) used */
  pgtBufUsed: number;
  /**
   * The pfn ranges [start, end) a set_direct_map_*_noflush() changed and no kernel flush has covered
   * yet: there, stale TLB entries are allowed. Per range, not one machine-wide flag: a flush of one
   * allocation's range once cleared a flag that another allocation's change still needed.
   */
  flushPending: [start: number, end: number][];
}

export function newDirectMapState(): DirectMapState {
  return { pgd: -1, pgtBufUsed: 0, flushPending: [] };
}

/** Whether a direct-map change to any page of [pfn, pfn + nr) still awaits its TLB flush. */
export function directMapFlushPending(m: Machine, pfn: number, nr = 1): boolean {
  const end = pfn + nr;
  return m.directMap.flushPending.some(([s, e]) => s < end && pfn < e);
}

/**
 * A kernel TLB flush of [pfn, pfn + nr) on every CPU (or of everything, `all`) happened: the
 * changes it covers no longer await one; the parts of ranges outside it still do.
 */
export function directMapFlushed(m: Machine, pfn: number, nr: number, all: boolean): void {
  const end = pfn + nr;
  const left: [number, number][] = [];
  if (!all)
    for (const [s, e] of m.directMap.flushPending) {
      if (e <= pfn || s >= end) left.push([s, e]);
      else {
        if (s < pfn) left.push([s, pfn]);
        if (e > end) left.push([end, e]);
      }
    }
  m.directMap.flushPending = left;
}

/** Where the direct-map walk for a pfn ends: the leaf's table, index and level. */
export interface DirectMapLeaf {
  table: number;
  index: number;
  level: number;
  entry: RawEntry;
}

/** lookup_address() on the direct map: the leaf entry covering `pfn`, or undefined (none). */
export function lookupAddress(m: Machine, pfn: number): DirectMapLeaf | undefined {
  const arch = m.pgtableArch;
  let table = m.directMap.pgd;
  if (table < 0) return undefined;
  for (let level = 0; level <= PTE_LEVEL; level++) {
    const index = dmIndex(m, pfn, level);
    const entry = { lo: 0, hi: 0 };
    readEntry(m, table, index, entry, level);
    if (arch.isNone(entry, level)) return undefined;
    if (level === PTE_LEVEL || arch.flags(entry, level) & PTE.HUGE) return { table, index, level, entry };
    table = arch.tablePfn(entry, level);
  }
  return undefined;
}

/**
 * How far the direct-map walk for `pfn` gets, for views that summarise large ranges: the level it
 * stops at, the pages an entry at that level spans (so a caller can skip the rest of the range),
 * and whether it ended at a present leaf, a non-present leaf, or an empty entry (`none`).
 */
export function directMapWalkEnd(
  m: Machine,
  pfn: number,
): { level: number; span: number; none: boolean; present: boolean } {
  const arch = m.pgtableArch;
  let table = m.directMap.pgd;
  if (table < 0) return { level: 0, span: 2 ** 27, none: true, present: false };
  for (let level = 0; level <= PTE_LEVEL; level++) {
    readEntry(m, table, dmIndex(m, pfn, level), E, level);
    // an empty PGD entry spans 512 GiB (2^27 pages); below it, the leaf sizes
    const span = level === 0 ? 2 ** 27 : LEAF_PAGES[level]!;
    if (arch.isNone(E, level)) return { level, span, none: true, present: false };
    if (level === PTE_LEVEL || arch.flags(E, level) & PTE.HUGE)
      return { level, span, none: false, present: (E.lo & _PAGE_PRESENT) !== 0 };
    table = arch.tablePfn(E, level);
  }
  return { level: PTE_LEVEL, span: 1, none: true, present: false };
}

/** kernel_page_present(): the direct-map entry of `pfn` exists and is present. */
export function kernelPagePresent(m: Machine, pfn: number): boolean {
  const l = lookupAddress(m, pfn);
  return !!l && (l.entry.lo & _PAGE_PRESENT) !== 0;
}

/** The translation of a direct-map page: the leaf's first pfn and size, or undefined if not present. */
export function directMapTranslate(
  m: Machine,
  pfn: number,
): { basePfn: number; pages: number; leafPfn: number } | undefined {
  const l = lookupAddress(m, pfn);
  if (!l || !(l.entry.lo & _PAGE_PRESENT)) return undefined;
  const pages = LEAF_PAGES[l.level]!;
  const leafPfn = m.pgtableArch.pfn(l.entry);
  const basePfn = Math.floor(pfn / pages) * pages;
  return { basePfn, pages, leafPfn };
}

/** page_address(): the direct-map virtual address of a pfn (walks the map: it must be there). */
export function pageAddress(m: Machine, pfn: number): bigint {
  const t = directMapTranslate(m, pfn);
  if (!t) throw new Error(`page_address(pfn 0x${pfn.toString(16)}): not in the direct map`);
  return m.arch.pageOffset + BigInt(t.basePfn) * BigInt(m.pageSize) + BigInt(pfn - t.basePfn) * 4096n;
}

/**
 * virt_to_page() by a page walk: the pfn a direct-map address translates to, or -1 when the address
 * is outside the direct map or its entry is not present.
 */
export function virtToPage(m: Machine, va: bigint): number {
  const off = va - m.arch.pageOffset;
  if (off < 0n || off >= BigInt(m.pages.nrPages) * BigInt(m.pageSize)) return -1;
  const pfn = Number(off / BigInt(m.pageSize));
  const t = directMapTranslate(m, pfn);
  if (!t) return -1;
  return t.leafPfn + (pfn - t.basePfn);
}

/** split_large_page(): replace the large leaf `l` by a table of 512 next-level leaves, same bits. */
function splitLargePage(m: Machine, l: DirectMapLeaf, cpu: number): number {
  const arch = m.pgtableArch;
  const child = allocKernelTable(m, cpu);
  if (child < 0) return -1;
  const level = l.level + 1;
  const f = arch.flags(l.entry, l.level);
  const base = arch.pfn(l.entry);
  const step = LEAF_PAGES[level]!;
  // A non-present large leaf keeps its PSE bit; flags() reports it as PROTNONE (G with P clear).
  let leafFlags = f & ~PTE.HUGE & ~PTE.PROTNONE;
  if (l.entry.lo & 0x100) leafFlags |= PTE.GLOBAL;
  const present = (l.entry.lo & _PAGE_PRESENT) !== 0;
  for (let i = 0; i < 512; i++) {
    arch.mkLeaf(base + i * step, leafFlags | PTE.PRESENT | (level < PTE_LEVEL ? PTE.HUGE : 0), level, E);
    if (!present) E.lo = (E.lo & ~(_PAGE_PRESENT | _PAGE_RW)) >>> 0;
    writeEntry(m, child, i, E, level);
  }
  mkKernTable(m, child, l.level, E);
  writeEntry(m, l.table, l.index, E, l.level);
  return child;
}

/**
 * __change_page_attr_set_clr() over the direct map of [pfn, pfn + nr): clear or set _PAGE_PRESENT |
 * _PAGE_RW. A large leaf wholly inside the range changes in place (should_split_large_page() keeps
 * it); one only partly inside is split first. Returns false when a split could not get a page.
 */
function changePageAttr(m: Machine, pfn: number, nr: number, valid: boolean, cpu: number): boolean {
  const end = pfn + nr;
  const mask = _PAGE_PRESENT | _PAGE_RW;
  for (let p = pfn; p < end;) {
    const l = lookupAddress(m, p);
    if (!l) throw new Error(`set_direct_map: pfn 0x${p.toString(16)} is not in the direct map`);
    const n = LEAF_PAGES[l.level]!;
    const base = Math.floor(p / n) * n;
    if (l.level < PTE_LEVEL && (base < pfn || base + n > end)) {
      if (m.trace.call('split_large_page', () => splitLargePage(m, l, cpu)) < 0) return false;
      continue; // walk again: the leaf is one level lower now
    }
    l.entry.lo = (valid ? l.entry.lo | mask : l.entry.lo & ~mask) >>> 0;
    writeEntry(m, l.table, l.index, l.entry, l.level);
    p = base + n;
  }
  m.directMap.flushPending.push([pfn, end]);
  return true;
}

/** set_direct_map_invalid_noflush(): take pages out of the direct map; the caller flushes. */
export function setDirectMapInvalidNoflush(m: Machine, pfn: number, nr = 1, cpu = 0): boolean {
  return m.trace.call('set_direct_map_invalid_noflush', () => changePageAttr(m, pfn, nr, false, cpu));
}

/** set_direct_map_default_noflush(): put pages back (PAGE_KERNEL). Split tables stay split. */
export function setDirectMapDefaultNoflush(m: Machine, pfn: number, nr = 1, cpu = 0): boolean {
  return m.trace.call('set_direct_map_default_noflush', () => changePageAttr(m, pfn, nr, true, cpu));
}

/** direct_pages_count[]: leaf entries of the direct map by size (present or not). */
export function directMapCounts(m: Machine): { k4: number; m2: number; g1: number } {
  const out = { k4: 0, m2: 0, g1: 0 };
  const pgd = m.directMap.pgd;
  if (pgd < 0) return out;
  const arch = m.pgtableArch;
  const e: RawEntry = { lo: 0, hi: 0 };
  const first = dmIndex(m, 0, 0);
  const walk = (table: number, level: number) => {
    for (let i = 0; i < 512; i++) {
      readEntry(m, table, i, e, level);
      if (arch.isNone(e, level)) continue;
      if (level === PTE_LEVEL) out.k4++;
      else if (arch.flags(e, level) & PTE.HUGE) {
        if (level === PMD) out.m2++;
        else out.g1++;
      } else walk(arch.tablePfn(e, level), level + 1);
    }
  };
  for (let i = first; i < 512; i++) {
    readEntry(m, pgd, i, e, 0);
    if (arch.isNone(e, 0)) break;
    walk(arch.tablePfn(e, 0), PUD);
  }
  return out;
}

/**
 * The kernel touches pages through the direct map (clear_page(page_address(page)) in
 * kernel_init_pages(), copies): walk it once per leaf and fill this CPU's TLB. A page that is not
 * in the direct map oopses, as "BUG: unable to handle page fault" would.
 */
export function kernelMapAccess(m: Machine, pfn: number, nr: number, cpu: number): void {
  const tlb = m.tlb.cpus[cpu]!;
  for (let p = pfn; p < pfn + nr;) {
    // A TLB hit needs no walk (only while no direct-map change awaits its flush).
    if (nr === 1 && !directMapFlushPending(m, p) && tlb.hasKernel(p)) return;
    const t = directMapTranslate(m, p);
    if (!t) {
      const va = m.arch.pageOffset + BigInt(p) * BigInt(m.pageSize);
      throw new Error(
        `BUG: unable to handle page fault for address: 0x${va.toString(16)} (#PF: supervisor write access in kernel mode; pfn 0x${p.toString(16)} is not in the direct map)`,
      );
    }
    tlbFillKernel(m, cpu, t.basePfn, t.leafPfn, t.pages);
    p = t.basePfn + t.pages;
  }
}
