/**
 * The invariant checker (DESIGN.md "Checks that keep it honest"). The tests call it after every
 * operation; it returns the list of violations (empty when the machine is consistent).
 */
import type { Machine } from './machine.ts';
import { MIGRATE_PCPTYPES, NR_FREETYPE_IDXS, NR_PCP_LISTS } from './mm/mmzone.ts';
import { NIL, PG } from './phys/page.ts';

export class InvariantError extends Error {}

export function checkInvariants(m: Machine): string[] {
  const errs: string[] = [];
  if (!m.memmapReady) return errs;
  const p = m.pages;
  const a = m.alloc;
  const nr = p.nrPages;
  const maxOrder = a.cfg.maxOrder;
  /** which free structure claims each pfn: 0 none, 1 buddy, 2 pcp */
  const claimed = new Uint8Array(nr);

  for (const z of a.zones) {
    let freePages = 0;
    let freeBlocksPages = 0;
    for (let o = 0; o <= maxOrder; o++) {
      let blocks = 0;
      for (let ft = 0; ft < NR_FREETYPE_IDXS; ft++) {
        const head = z.freeList(o, ft);
        let prev = head;
        for (let e = p.next[head]!; e !== head; e = p.next[e]!) {
          if (e < 0 || e >= nr) {
            errs.push(`${z.name} free_area[${o}].free_list[${ft}]: bad link ${e}`);
            break;
          }
          if (p.prev[e] !== prev) errs.push(`${z.name} order ${o}: pfn ${e} prev link broken`);
          prev = e;
          blocks++;
          if (!(p.flags[e]! & PG.buddy)) errs.push(`pfn ${e} on ${z.name} free_area[${o}] is not PageBuddy`);
          if (p.order[e] !== o) errs.push(`pfn ${e} on free_area[${o}] has buddy order ${p.order[e]}`);
          if (e & ((1 << o) - 1)) errs.push(`pfn ${e} on free_area[${o}] is not aligned to its order`);
          if (!z.contains(e) || e + (1 << o) > z.endPfn)
            errs.push(`free block ${e}/${o} is outside zone ${z.name}`);
          for (let i = 0; i < 1 << o; i++) {
            const q = e + i;
            if (claimed[q]) errs.push(`pfn ${q} is in two free blocks`);
            claimed[q] = 1;
            if (p.flags[q]! & PG.reserved) errs.push(`free pfn ${q} is PG_reserved`);
            if (p.refcount[q] !== 0) errs.push(`free pfn ${q} has refcount ${p.refcount[q]}`);
            if (i > 0 && p.flags[q]! & PG.buddy)
              errs.push(`pfn ${q} inside free block ${e}/${o} is PageBuddy`);
          }
          // No two free buddies of one order could have merged.
          if (o < maxOrder) {
            const b = e ^ (1 << o);
            if (z.contains(b) && p.flags[b]! & PG.buddy && p.order[b] === o) {
              const mergeable =
                o < m.arch.pageblockOrder ||
                m.pageblocks.migratetype(b) === m.pageblocks.migratetype(e) ||
                (m.pageblocks.migratetype(b) < MIGRATE_PCPTYPES &&
                  m.pageblocks.migratetype(e) < MIGRATE_PCPTYPES);
              if (mergeable) errs.push(`free buddies ${e} and ${b} of order ${o} were not merged`);
            }
          }
        }
      }
      if (blocks !== z.nrFree[o])
        errs.push(`${z.name} free_area[${o}].nr_free = ${z.nrFree[o]} but the lists hold ${blocks} blocks`);
      freePages += blocks << o;
      if (o >= m.arch.pageblockOrder) freeBlocksPages += blocks << o;
    }
    if (freePages !== z.nrFreePages)
      errs.push(`${z.name} NR_FREE_PAGES = ${z.nrFreePages} but the lists hold ${freePages} pages`);
    if (freeBlocksPages !== z.nrFreePagesBlocks)
      errs.push(`${z.name} NR_FREE_PAGES_BLOCKS = ${z.nrFreePagesBlocks}, lists say ${freeBlocksPages}`);

    for (const pcp of z.pcp) {
      let count = 0;
      for (let i = 0; i < NR_PCP_LISTS; i++) {
        const head = pcp.listBase + i;
        for (let e = p.next[head]!; e !== head; e = p.next[e]!) {
          if (e < 0 || e >= nr) {
            errs.push(`pcp list bad link ${e}`);
            break;
          }
          const o = p.order[e]!;
          count += 1 << o;
          if (!(p.flags[e]! & PG.pcp)) errs.push(`pfn ${e} on cpu ${pcp.cpu} pcp list is not marked pcp`);
          if (!z.contains(e)) errs.push(`pcp pfn ${e} is outside zone ${z.name}`);
          for (let k = 0; k < 1 << o; k++) {
            if (claimed[e + k]) errs.push(`pfn ${e + k} is both in a free block and on a pcp list`);
            claimed[e + k] = 2;
          }
        }
      }
      if (count !== pcp.count)
        errs.push(`${z.name} cpu ${pcp.cpu} pcp->count = ${pcp.count} but its lists hold ${count} pages`);
    }
  }

  // Every frame is in exactly one state: a free page carries no other use; a used page is on no list.
  for (let pfn = 0; pfn < nr; pfn++) {
    const f = p.flags[pfn]!;
    if (!claimed[pfn]) {
      if (f & (PG.buddy | PG.pcp)) errs.push(`pfn ${pfn} is marked free but is on no list`);
      if (p.next[pfn] !== NIL && !(f & PG.lru)) errs.push(`pfn ${pfn} is in use but still linked on a list`);
    } else if (f & (PG.anon | PG.pgtable | PG.head | PG.tail | PG.reserved)) {
      errs.push(`free pfn ${pfn} has in-use flags 0x${f.toString(16)}`);
    }
    if (errs.length > 50) break;
  }

  // Per zone: free (buddy + pcp) + allocated + reserved = present (holes are neither).
  if (m.booted) {
    for (const z of a.zones) {
      if (!z.populated()) continue;
      if (z.managedPages > z.presentPages)
        errs.push(`${z.name}: managed ${z.managedPages} > present ${z.presentPages}`);
      let reserved = 0;
      for (let pfn = z.zoneStartPfn; pfn < z.endPfn; pfn++) {
        if (
          p.flags[pfn]! & PG.reserved &&
          m.memblock.isMemory(pfn * m.pageSize) &&
          m.memblock.isMemory(pfn * m.pageSize + m.pageSize - 1)
        )
          reserved++;
      }
      if (reserved + z.managedPages !== z.presentPages)
        errs.push(`${z.name}: reserved ${reserved} + managed ${z.managedPages} != present ${z.presentPages}`);
    }
  }

  // The zero page is never written.
  const zp = Number(m.vars.get('zero_page_pfn') ?? 0n);
  if (zp && !m.ram.isZero(zp * m.pageSize, m.pageSize))
    errs.push(`the zero page (pfn ${zp}) is not all zeros`);
  return errs;
}

/** Throw with every violation listed (for tests). */
export function assertInvariants(m: Machine): void {
  const errs = checkInvariants(m);
  if (errs.length)
    throw new InvariantError(`${errs.length} invariant violation(s):\n  ${errs.slice(0, 20).join('\n  ')}`);
}
