/**
 * Read-only descriptions of kernel objects for views (tooltips, inspector panels): plain data, safe
 * to post from the worker.
 */
import type { Machine } from './machine.ts';
import { MIGRATETYPE_NAMES } from './mm/mmzone.ts';
import { OWNER_NAMES, PAGE_FLAG_NAMES, PG } from './phys/page.ts';
import { frameStateName } from './shared/frame_state.ts';

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
