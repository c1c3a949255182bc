/**
 * Read-only descriptions of kernel objects for views (tooltips, inspector panels): plain data, safe
 * to post from the worker.
 */
import { vmaName } from './proc/pid.ts';
import { directMapModelled } from './mm/direct_map.ts';
import type { Machine } from './machine.ts';
import { MIGRATETYPE_NAMES } from './mm/mmzone.ts';
import { OWNER_NAMES, PAGE_FLAG_NAMES, PG } from './phys/page.ts';
import { frameStateName } from './shared/frame_state.ts';
import { VPageState } from './shared/page_state.ts';
import { PTE } from './arch/pgtable.ts';
import { entryValue } from './arch/x86_64/pgtable.ts';
import { forEachPte } from './mm/memory.ts';
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, VM, type Task } from './mm/mm_types.ts';
import { walkSteps } from './mm/pgtable.ts';
import { isSwapPte } from './mm/swapops.ts';

export interface PageInfo {
  pfn: number;
  /** physical address, hex */
  phys: string;
  state: string;
  zone: string | null;
  flags: string[];
  refcount: number;
  /** _mapcount as stored (-1 = unmapped) */
  mapcount: number;
  order: number | null;
  owner: string;
  pageblock: { pfn: number; migratetype: string };
  /** head pfn and order of the free block this pfn is part of, if free */
  freeBlock: { pfn: number; order: number; where: 'buddy' | 'pcp' } | null;
}

export function describePfn(m: Machine, pfn: number): PageInfo {
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= m.pages.nrPages)
    throw new RangeError(`pfn ${pfn} is outside the memmap (0..${m.pages.nrPages - 1})`);
  const p = m.pages;
  const f = p.flags[pfn]!;
  const state = new Uint8Array(1);
  m.frameStates(state, pfn, pfn + 1);
  let zone: string | null = null;
  for (const z of m.alloc.zones) if (z.spannedPages && z.contains(pfn)) zone = z.name;
  const pbPfn = pfn & ~((1 << m.arch.pageblockOrder) - 1);
  return {
    pfn,
    phys: '0x' + (pfn * m.pageSize).toString(16),
    state: frameStateName(state[0]!),
    zone,
    flags: PAGE_FLAG_NAMES.filter((n) => f & PG[n]),
    refcount: p.refcount[pfn]!,
    mapcount: p.mapcount[pfn]!,
    order: f & (PG.buddy | PG.pcp | PG.head) ? p.order[pfn]! : null,
    owner: OWNER_NAMES[p.owner[pfn]!] ?? 'unknown',
    pageblock: { pfn: pbPfn, migratetype: MIGRATETYPE_NAMES[m.pageblocks.migratetype(pfn)] ?? '?' },
    freeBlock: findFreeBlock(m, pfn),
  };
}

/** The free block covering pfn: walk up the orders looking for a PageBuddy/pcp head that spans it. */
export function findFreeBlock(m: Machine, pfn: number): PageInfo['freeBlock'] {
  const p = m.pages;
  for (let o = 0; o <= m.arch.maxPageOrder; o++) {
    const head = pfn & ~((1 << o) - 1);
    const f = p.flags[head]!;
    if (f & PG.buddy && p.order[head]! >= o && head + (1 << p.order[head]!) > pfn)
      return { pfn: head, order: p.order[head]!, where: 'buddy' };
    if (f & PG.pcp && p.order[head]! >= o && head + (1 << p.order[head]!) > pfn)
      return { pfn: head, order: p.order[head]!, where: 'pcp' };
  }
  return null;
}

/** One process's view for the UI: its VMAs and counters. */
export interface ProcessInfo {
  pid: number;
  name: string;
  state: string;
  exit: string | null;
  /** `shared`: shared anonymous memory (shmem); `file`: the path of a named file it maps */
  vmas: {
    start: number;
    end: number;
    perms: string;
    shared: boolean;
    file: string | null;
    name: string | null;
  }[];
  rssAnonKb: number;
  rssShmemKb: number;
  rssFileKb: number;
  vmPteKb: number;
  minflt: number;
}

export function describeProcess(m: Machine, t: Task): ProcessInfo {
  const mm = t.mm;
  const kb = (pages: number) => (pages * m.pageSize) / 1024;
  return {
    pid: t.pid,
    name: t.comm,
    state: t.state,
    exit: t.exit ?? null,
    vmas: (mm?.vmas ?? []).map((v) => ({
      start: v.start,
      end: v.end,
      perms:
        (v.flags & VM.READ ? 'r' : '-') +
        (v.flags & VM.WRITE ? 'w' : '-') +
        (v.flags & VM.EXEC ? 'x' : '-') +
        (v.flags & VM.MAYSHARE ? 's' : 'p'),
      shared: !!v.shmem && !v.shmem.path,
      file: v.shmem?.path ?? null,
      name: vmaName(mm!, v) ?? null,
    })),
    rssAnonKb: mm ? kb(mm.rss[MM_ANONPAGES]!) : 0,
    rssShmemKb: mm ? kb(mm.rss[MM_SHMEMPAGES]!) : 0,
    rssFileKb: mm ? kb(mm.rss[MM_FILEPAGES]!) : 0,
    vmPteKb: mm ? mm.pgtablesBytes / 1024 : 0,
    minflt: t.minflt,
  };
}

/**
 * The state of each virtual page in [start, start + n pages): a byte per page (shared/page_state.ts),
 * and for mapped pages the pfn (or -1) in `pfns`.
 */
export function processPageStates(
  m: Machine,
  t: Task,
  start: number,
  n: number,
  pfns?: Float64Array,
): Uint8Array {
  const out = new Uint8Array(n);
  const mm = t.mm;
  if (pfns) pfns.fill(-1);
  if (!mm) return out;
  const ps = m.pageSize;
  const end = start + n * ps;
  for (const v of mm.vmas) {
    const s = Math.max(v.start, start);
    const e = Math.min(v.end, end);
    if (s < e) out.fill(VPageState.Untouched, (s - start) / ps, (e - start) / ps);
  }
  const last = m.pgtableArch.levels - 1;
  // the VMAs that map a named file's page cache: their page-cache pages are VPageState.File
  const fileVmas = mm.vmas.filter((v) => v.shmem?.path && v.start < end && v.end > start);
  const inFile = (va: number) => fileVmas.length > 0 && fileVmas.some((v) => va >= v.start && va < v.end);
  forEachPte(m, mm, start, end, (va, e, page, level) => {
    const i = (va - start) / ps;
    const f = m.pgtableArch.flags(e, level);
    if (level < last) {
      if (pfns)
        pfns[i] = m.pgtableArch.pfn(e) + Math.floor((va % 2 ** m.pgtableArch.levelShift[level]!) / ps);
      out[i] = VPageState.Huge;
      return;
    }
    // a swap PTE (not present, not PROT_NONE) maps no frame: its pfn stays -1
    if (m.swap.totalSwapPages && isSwapPte(m, e)) {
      out[i] = VPageState.Swapped;
      return;
    }
    const pfn = m.pgtableArch.pfn(e);
    if (pfns) pfns[i] = pfn;
    if (f & PTE.PROTNONE) out[i] = VPageState.ProtNone;
    else if (m.isZeroPfn(pfn)) out[i] = VPageState.Zero;
    else if (page >= 0 && !(m.pages.flags[page]! & PG.anon) && inFile(va)) out[i] = VPageState.File;
    else if (page >= 0 && (m.pages.mapcount[page]! > 0 || !(m.pages.flags[page]! & PG.anon)))
      out[i] = VPageState.Shared;
    else out[i] = VPageState.Private;
  });
  return out;
}

/** A page-table walk for the inspector: each level's table, index, raw entry and decoded bits. */
export interface WalkLevel {
  level: string;
  tablePfn: number;
  index: number;
  /** the 64-bit entry, hex */
  entry: string;
  bits: string[];
  present: boolean;
  /**
   * The frame the entry points at: the next level's table, or for a leaf (a PTE, a huge PMD) the
   * mapped frame; null when the entry is not present.
   */
  target: number | null;
}

export function describeWalk(m: Machine, t: Task, va: number): WalkLevel[] {
  if (!t.mm) return [];
  const arch = m.pgtableArch;
  return walkSteps(m, t.mm, va).map((s, i) => {
    const f = arch.flags(s.entry, i);
    const present = (f & PTE.PRESENT) !== 0;
    const leaf = i === arch.levels - 1 || (f & PTE.HUGE) !== 0;
    return {
      level: s.level,
      tablePfn: s.tablePfn,
      index: s.index,
      entry: '0x' + entryValue(s.entry).toString(16).padStart(16, '0'),
      bits: arch.bitNames(s.entry, i),
      present,
      target:
        !present && !(leaf && f & PTE.PROTNONE) ? null : leaf ? arch.pfn(s.entry) : arch.tablePfn(s.entry, i),
    };
  });
}

/** memblock's lists for the memblock view: physical ranges, with who reserved what. */
export interface MemblockInfo {
  memory: { base: number; size: number }[];
  reserved: { base: number; size: number }[];
  labels: { base: number; size: number; owner: string; caller: string }[];
  /** the physical address range to draw: first RAM byte .. end of the last region */
  span: { start: number; end: number };
}

export function describeMemblock(m: Machine): MemblockInfo {
  const mb = m.memblock;
  const all = [...mb.memory.regions, ...mb.reserved.regions];
  const fw = m.arch.firmwareMap(m.cfg.ram);
  const start = Math.min(...fw.map((r) => r.base), ...all.map((r) => r.base));
  const end = Math.max(...fw.map((r) => r.base + r.size), ...all.map((r) => r.base + r.size));
  return {
    memory: mb.memory.regions.map((r) => ({ base: r.base, size: r.size })),
    reserved: mb.reserved.regions.map((r) => ({ base: r.base, size: r.size })),
    labels: mb.labels.map((l) => ({
      base: l.base,
      size: l.size,
      owner: OWNER_NAMES[l.owner] ?? '?',
      caller: l.caller,
    })),
    span: { start, end },
  };
}

/** The architecture as the page presents it. */
export interface ArchInfo {
  name: string;
  label: string;
  pageSize: number;
  levels: string[];
  /** VA bit ranges per level, e.g. "[47:39]" */
  indexBits: string[];
  maxPageOrder: number;
  pageblockOrder: number;
  /** where the zero page(s) are, once they exist */
  zeroPages: { basePfn: number; count: number } | null;
  zeroPagePfn: string;
  zeroPageMask: string;
  /** __zero_page (after the patch, one zero page) */
  zeroPageStruct: string;
  /** what virt_to_page(empty_zero_page) computes on arches where it is wrong */
  naiveZeroPage: { ptr: string; why: string } | null;
  zeroPageCalls: number;
  /** the kernel direct map: how it is modelled, or 'not modelled on this arch' */
  directMap: string;
  simplifications: readonly string[];
}

export function describeArch(m: Machine): ArchInfo {
  const a = m.arch;
  const pg = a.pgtable;
  const hex = (v: bigint | undefined) => '0x' + (v ?? 0n).toString(16);
  const naive = a.naiveZeroPage?.(m);
  return {
    name: a.name,
    label: a.label,
    pageSize: m.pageSize,
    levels: [...pg.levelNames],
    indexBits: pg.levelShift.map((s, i) => `[${s + pg.levelBits[i]! - 1}:${s}]`),
    maxPageOrder: a.maxPageOrder,
    pageblockOrder: a.pageblockOrder,
    zeroPages: m.zeroPages ? { basePfn: m.zeroPages.basePfn, count: 1 << m.zeroPages.order } : null,
    zeroPagePfn: hex(m.vars.get('zero_page_pfn')),
    zeroPageMask: hex(m.vars.get('zero_page_mask')),
    zeroPageStruct: hex(m.vars.get('__zero_page')),
    naiveZeroPage: naive ? { ptr: hex(naive.ptr), why: naive.why } : null,
    zeroPageCalls: m.zeroPageCalls,
    directMap: directMapModelled(m)
      ? `page tables in RAM at PAGE_OFFSET 0x${a.pageOffset.toString(16)} (init_top_pgt; 1G/2M/4K leaves, PAGE_KERNEL | _PAGE_GLOBAL)`
      : 'not modelled on this arch (page_address() is arithmetic on PAGE_OFFSET; no kernel page tables, no TLB entries for it)',
    simplifications: a.simplifications,
  };
}
