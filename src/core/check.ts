/**
 * The invariant checker (DESIGN.md "Checks that keep it honest"). The tests call it after every
 * operation; it returns the list of violations (empty when the machine is consistent).
 */
import type { Machine } from './machine.ts';
import { MIGRATE_PCPTYPES, NR_FREETYPE_IDXS, NR_PCP_LISTS } from './mm/mmzone.ts';
import { NIL, PG } from './phys/page.ts';
import { pgtableIndex, PTE } from './arch/pgtable.ts';
import type { MmStruct } from './mm/mm_types.ts';
import { readEntry, tableBytes, walkPteRange } from './mm/pgtable.ts';
import { isKsmZeroPte } from './mm/ksm.ts';
import { compoundHead, isHugeZeroPfn } from './mm/huge_memory.ts';
import { directMapFlushPending, directMapTranslate } from './mm/direct_map.ts';
import { mermapCheckTables } from './mm/mermap.ts';
import { MM_LOCAL_PGD_INDEX } from './mm/mm_local.ts';
import { SWAP_HAS_CACHE, swapCount, swpKey, zeromapTest } from './mm/swapfile.ts';
import { isSwapPte, pteToSwpEntry } from './mm/swapops.ts';
import { folioLruList, folioNrPages, LRU_LISTS, lruHead } from './mm/mm_inline.ts';

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

  checkMappings(m, errs);
  checkLru(m, errs);

  // The zero page is never written.
  const zp = Number(m.vars.get('zero_page_pfn') ?? 0n);
  if (zp && !m.ram.isZero(zp * m.pageSize, m.pageSize))
    errs.push(`the zero page (pfn ${zp}) is not all zeros`);
  // Direct-map TLB entries agree with init_top_pgt, except for pages between a
  // set_direct_map_*_noflush() and its flush (the window the kernel's callers must close with
  // flush_tlb_kernel_range()).
  {
    m.tlb.cpus.forEach((t, cpu) => {
      for (const e of t.entries) {
        if (!e || !e.kernel || directMapFlushPending(m, e.vpn, e.pages)) continue;
        const tr = directMapTranslate(m, e.vpn);
        if (!tr || tr.basePfn !== e.vpn || tr.pages !== e.pages || tr.leafPfn !== e.pfn)
          errs.push(
            `cpu ${cpu}: TLB entry for direct-map pfn 0x${e.vpn.toString(16)} disagrees with the page tables`,
          );
      }
    });
  }
  checkUserTlb(m, errs);
  // CONFIG_PAGE_ALLOC_UNMAPPED: unmapped pageblocks have no present direct-map entry.
  if (m.alloc.unmappedHooks) {
    const pbn = 1 << m.arch.pageblockOrder;
    for (const z of a.zones) {
      for (let pfn = z.zoneStartPfn; pfn < z.endPfn; pfn += pbn) {
        if (!m.pageblocks.unmapped(pfn)) continue;
        for (let q = pfn; q < Math.min(pfn + pbn, z.endPfn); q++)
          if (directMapTranslate(m, q)) {
            errs.push(
              `unmapped pageblock 0x${pfn.toString(16)}: pfn 0x${q.toString(16)} is in the direct map`,
            );
            break;
          }
      }
    }
  }
  // A free block sits on the list of its pageblock's freetype (6.18's __add_to_free_list warns
  // otherwise), and a merged block larger than a pageblock has that freetype in every pageblock
  // it covers: __free_one_page() retypes a buddy's pageblock when it merges it, or a later split
  // (expand) would hand out pages of one type from a pageblock marked another.
  {
    const pbo = m.arch.pageblockOrder;
    for (const z of a.zones)
      for (let o = 0; o <= maxOrder; o++)
        for (let ft = 0; ft < NR_FREETYPE_IDXS; ft++) {
          const head = z.freeList(o, ft);
          for (let e = p.next[head]!; e !== head && e >= 0 && e < nr; e = p.next[e]!) {
            const blocks = o > pbo ? 1 << (o - pbo) : 1;
            for (let b = 0; b < blocks; b++) {
              const pb = e + (b << pbo);
              if (a.pageblockFreetype(pb) !== ft)
                errs.push(
                  `free block 0x${e.toString(16)}/${o} on free_list[${ft}] but the pageblock at 0x${pb.toString(16)} has freetype ${a.pageblockFreetype(pb)}`,
                );
            }
          }
        }
  }
  return errs;
}

/**
 * User TLB entries agree with the page tables: an entry maps the page the PTE (or huge PMD) maps
 * now, and is writable only if the entry is. Every path that changes a present entry in a way the
 * hardware must not keep using (a new pfn, write permission taken away, the entry cleared) flushes
 * before it returns — ptep_clear_flush in wp_page_copy, the mmu_gather flush of a zap, flush_tlb_mm
 * at the end of dup_mmap, change_protection's flush_tlb_range. The checker runs between
 * operations, and an operation here runs to its end, so no flush window (the kernel's
 * mm->tlb_flush_pending) is open then: a stale entry is a missing flush. A read-only entry
 * for a PTE made writable since is fine: x86 takes a spurious fault and refills it
 * (flush_tlb_fix_spurious_fault). Entries of an mm that no longer owns the PCID (exited; the slot
 * is flushed when it is taken again) are unreachable and not checked.
 */
function checkUserTlb(m: Machine, errs: string[]): void {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const ps = m.pageSize;
  const byCtx = new Map<number, MmStruct>();
  for (const t of m.tasks.values()) if (t.mm) byCtx.set(t.mm.ctxId, t.mm);
  const e = { lo: 0, hi: 0 };
  // at most about 50 reports: the `return` inside the loop leaves one CPU, so each CPU checks too
  m.tlb.cpus.forEach((t, cpu) => {
    if (errs.length > 50) return;
    for (const x of t.entries) {
      if (!x || x.kernel) continue;
      const mm = m.tlb.usePcid ? byCtx.get(t.asidCtx[x.pcid - 1] ?? 0) : t.loadedMm;
      if (!mm) continue;
      const va = x.vpn * ps;
      // Only user addresses: the mm-local mermap slots above TASK_SIZE are non-global kernel
      // entries whose flush is deferred on purpose (mermap_put leaves them until the slice's
      // pending flush), checked with the mermap's own invariants.
      if (va >= arch.taskSize) continue;
      let table = mm.pgd;
      let found = 'no present entry';
      for (let level = 0; level <= last; level++) {
        readEntry(m, table, pgtableIndex(arch, va, level), e, level);
        const f = arch.flags(e, level);
        if (!(f & PTE.PRESENT)) break;
        if (level < last && !(f & PTE.HUGE)) {
          table = arch.tablePfn(e, level);
          continue;
        }
        const pages = 2 ** (arch.levelShift[level]! - m.arch.pageShift);
        if (pages !== x.pages) found = `a ${pages}-page entry`;
        else if (arch.pfn(e) !== x.pfn) found = `pfn 0x${arch.pfn(e).toString(16)}`;
        else if (x.writable && !(f & PTE.WRITE)) found = 'a read-only entry';
        else found = '';
        break;
      }
      if (found)
        errs.push(
          `cpu ${cpu}: TLB entry for user 0x${va.toString(16)} (pfn 0x${x.pfn.toString(16)} ${x.writable ? 'rw' : 'ro'}) but the page tables have ${found}: a missing TLB flush`,
        );
      if (errs.length > 50) return;
    }
  });
}

/** Throw with every violation listed (for tests). */
export function assertInvariants(m: Machine): void {
  const errs = checkInvariants(m);
  if (errs.length)
    throw new InvariantError(`${errs.length} invariant violation(s):\n  ${errs.slice(0, 20).join('\n  ')}`);
}

/**
 * refcount/mapcount match the page tables: walk every process's tables, count the mappings of
 * each page, and compare with _mapcount; references are mappings + the page cache (shmem) + the
 * LRU batch. RSS and VmPTE must equal what the tables hold; the zero page is never writable.
 */
function checkMappings(m: Machine, errs: string[]): void {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const hpnr = 1 << m.arch.pmdOrder;
  /** PTE mappings per page */
  const maps = new Map<number, number>();
  /** PMD mappings per large folio head */
  const pmdMaps = new Map<number, number>();
  let hugeZeroMms = 0;
  /** swap PTEs per swap entry */
  const swapRefs = new Map<number, number>();
  const e = { lo: 0, hi: 0 };
  const walked = new Set<MmStruct>();
  for (const t of m.tasks.values()) {
    const mm = t.mm;
    // each address space once: the threads of a process share theirs
    if (!mm || walked.has(mm)) continue;
    walked.add(mm);
    if (mm.hugeZeroFolio) hugeZeroMms++;
    const rss = [0, 0, 0, 0];
    let tables = 0;
    let hugePmds = 0;
    const mmLocal = m.cfg.pageAllocUnmapped === true;
    const walk = (table: number, level: number, base: number) => {
      const n = 2 ** arch.levelBits[level]!;
      const step = 2 ** arch.levelShift[level]!;
      for (let i = 0; i < n; i++) {
        readEntry(m, table, i, e, level);
        if (arch.isNone(e, level)) continue;
        if (level === 0 && mmLocal && i === MM_LOCAL_PGD_INDEX) {
          // the mm-local slot (kernel half): the mermap's tables, checked against its state
          tables += mermapCheckTables(m, mm, `pid ${t.pid}`, errs);
          continue;
        }
        const va = base + i * step;
        const f = arch.flags(e, level);
        if (level < last && f & PTE.HUGE) {
          // a huge leaf: the huge zero folio or a THP, with a page table deposited under it
          hugePmds++;
          tables += tableBytes(m, last);
          const pfn = arch.pfn(e);
          if (!mm.vmas.some((v) => va >= v.start && va + step <= v.end))
            errs.push(`pid ${t.pid}: huge PMD at 0x${va.toString(16)} outside a VMA`);
          if (isHugeZeroPfn(m, pfn)) {
            if (f & PTE.WRITE)
              errs.push(`pid ${t.pid}: the huge zero folio is mapped writable at 0x${va.toString(16)}`);
            continue;
          }
          pmdMaps.set(pfn, (pmdMaps.get(pfn) ?? 0) + 1);
          rss[1]! += hpnr;
          if (!(m.pages.flags[pfn]! & PG.head))
            errs.push(`pid ${t.pid}: huge PMD maps pfn ${pfn}, not a large folio head`);
          if (f & PTE.WRITE && !(m.pages.flags[pfn]! & PG.anonExclusive))
            errs.push(`pid ${t.pid}: writable huge PMD on a shared THP ${pfn}`);
          continue;
        }
        const pfn = level < last ? arch.tablePfn(e, level) : arch.pfn(e);
        if (level < last) {
          if (!(f & PTE.PRESENT)) {
            errs.push(`pid ${t.pid}: non-present table entry at level ${level} for 0x${va.toString(16)}`);
            continue;
          }
          if (!(m.pages.flags[pfn]! & PG.pgtable))
            errs.push(`pid ${t.pid}: table entry points at pfn ${pfn}, which is not a page table`);
          tables += tableBytes(m, level + 1);
          walk(pfn, level + 1, va);
          continue;
        }
        if (!mm.vmas.some((v) => va >= v.start && va < v.end))
          errs.push(`pid ${t.pid}: PTE for 0x${va.toString(16)} outside every VMA`);
        if (m.swap.totalSwapPages && isSwapPte(m, e)) {
          const key = pteToSwpEntry(m, e);
          swapRefs.set(key, (swapRefs.get(key) ?? 0) + 1);
          rss[2]!++;
          continue;
        }
        if (f & PTE.SPECIAL || m.isZeroPfn(pfn)) {
          if (f & PTE.WRITE)
            errs.push(`pid ${t.pid}: the zero page is mapped writable at 0x${va.toString(16)}`);
          continue;
        }
        maps.set(pfn, (maps.get(pfn) ?? 0) + 1);
        const pf = m.pages.flags[pfn]!;
        const head = compoundHead(m, pfn);
        if (m.pages.flags[head]! & (PG.buddy | PG.pcp) || m.pages.refcount[head]! <= 0)
          errs.push(`pid ${t.pid}: 0x${va.toString(16)} maps free pfn ${pfn}`);
        // mm_counter(): anon, shmem (swap-backed page cache) or file
        rss[pf & PG.anon ? 1 : pf & PG.swapbacked ? 3 : 0]!++;
        if (f & PTE.WRITE && pf & PG.anon && !(pf & PG.anonExclusive))
          errs.push(`pid ${t.pid}: writable PTE on a shared anon page ${pfn} at 0x${va.toString(16)}`);
      }
    };
    walk(mm.pgd, 0, 0);
    if (hugePmds !== mm.deposited.size)
      errs.push(`pid ${t.pid}: ${hugePmds} huge PMDs but ${mm.deposited.size} deposited page tables`);
    if (tables !== mm.pgtablesBytes)
      errs.push(`pid ${t.pid}: VmPTE says ${mm.pgtablesBytes} bytes, the tables hold ${tables}`);
    if (rss[2] !== mm.rss[2])
      errs.push(`pid ${t.pid}: MM_SWAPENTS ${mm.rss[2]} but the tables hold ${rss[2]} swap entries`);
    if (rss[1] !== mm.rss[1] || rss[3] !== mm.rss[3] || rss[0] !== mm.rss[0])
      errs.push(
        `pid ${t.pid}: RSS anon/shmem/file ${mm.rss[1]}/${mm.rss[3]}/${mm.rss[0]} but the tables map ${rss[1]}/${rss[3]}/${rss[0]}`,
      );
  }
  const cached = new Set<number>();
  for (const t of m.tasks.values())
    for (const v of t.mm?.vmas ?? []) if (v.shmem) for (const pfn of v.shmem.pages.values()) cached.add(pfn);
  // named files keep their page cache with no mapping at all
  for (const f of m.files.values()) for (const pfn of f.pages.values()) cached.add(pfn);
  const batched = new Map<number, number>();
  for (const b of m.lruBatch) for (const pfn of b) batched.set(pfn, (batched.get(pfn) ?? 0) + 1);
  // the lazyfree batches (MADV_FREE) hold a reference each too
  for (const b of m.lazyfreeBatch) for (const pfn of b) batched.set(pfn, (batched.get(pfn) ?? 0) + 1);
  // and so do the mlock batches (entries are pfn * 4 + their tag)
  for (const b of m.mlockBatch)
    for (const e of b) batched.set(Math.floor(e / 4), (batched.get(Math.floor(e / 4)) ?? 0) + 1);
  // _mapcount per page against PTE mappings; _entire_mapcount against PMD mappings
  for (const [pfn, n] of maps) {
    if (m.pages.mapcount[pfn]! + 1 !== n)
      errs.push(
        `pfn ${pfn}: _mapcount says ${m.pages.mapcount[pfn]! + 1} mappings, the page tables have ${n}`,
      );
  }
  checkSwap(m, swapRefs, errs);
  const swapCached = new Set<number>(m.swap.cache.values());
  const heads = new Set<number>([
    ...pmdMaps.keys(),
    ...[...maps.keys()].map((p) => compoundHead(m, p)),
    ...swapCached,
    ...cached,
  ]);
  for (const [head, entire] of m.entireMapcount) {
    if (entire + 1 !== (pmdMaps.get(head) ?? 0))
      errs.push(
        `folio ${head}: _entire_mapcount says ${entire + 1}, the page tables have ${pmdMaps.get(head) ?? 0} PMD mappings`,
      );
  }
  // _refcount: one per mapping (PMD or PTE), the page cache's, the LRU batch's
  for (const head of heads) {
    const nr = m.pages.flags[head]! & PG.head ? 1 << m.pages.order[head]! : 1;
    let refs =
      (pmdMaps.get(head) ?? 0) +
      (cached.has(head) ? 1 : 0) +
      (batched.get(head) ?? 0) +
      (swapCached.has(head) ? 1 : 0);
    for (let i = 0; i < nr; i++) refs += maps.get(head + i) ?? 0;
    if (m.pages.refcount[head] !== refs)
      errs.push(
        `pfn ${head}: _refcount ${m.pages.refcount[head]} but ${refs} references (mappings, page cache, LRU batch)`,
      );
  }
  // Anon folios nobody maps must be gone; shmem pages live on in the page cache. A folio still in
  // a CPU's LRU add batch (another CPU than the one that unmapped it: exit drains only its own)
  // lives until that batch drains, as in the kernel, held by the batch's references alone.
  for (const [pfn, n] of batched)
    if (!heads.has(pfn) && !cached.has(pfn) && m.pages.refcount[pfn] !== n)
      errs.push(`pfn ${pfn}: _refcount ${m.pages.refcount[pfn]} but ${n} references (LRU batch only)`);
  for (let pfn = 0; pfn < m.pages.nrPages; pfn++) {
    if (!(m.pages.flags[pfn]! & PG.anon) || m.pages.flags[pfn]! & PG.tail) continue;
    if (!heads.has(pfn) && !batched.has(pfn)) {
      errs.push(`anon pfn ${pfn} is mapped by no process but not freed (refcount ${m.pages.refcount[pfn]})`);
      if (errs.length > 50) return;
    }
  }
  // NR_ANON_MAPPED: anon pages mapped by a PTE somewhere, or inside a folio a PMD maps whole.
  let anonMapped = 0;
  for (const head of heads) {
    if (!(m.pages.flags[head]! & PG.anon)) continue;
    const nr = m.pages.flags[head]! & PG.head ? 1 << m.pages.order[head]! : 1;
    if (pmdMaps.has(head)) anonMapped += nr;
    else for (let i = 0; i < nr; i++) if (maps.has(head + i)) anonMapped++;
  }
  if (m.vmstat.get('nr_anon_pages') !== anonMapped)
    errs.push(
      `nr_anon_pages ${m.vmstat.get('nr_anon_pages')}, but the page tables map ${anonMapped} anon pages`,
    );
  checkMlock(m, errs);
  checkKsm(m, errs);
  // huge_zero_refcount: one per mm that took it, plus the shrinker's
  if (m.cfg.hugeZero === 'dynamic' && m.hugeZeroPfn >= 0 && m.hugeZeroRefcount !== hugeZeroMms + 1)
    errs.push(
      `huge_zero_refcount ${m.hugeZeroRefcount}, but ${hugeZeroMms} mm(s) hold it (+1 for the shrinker)`,
    );
}

/**
 * KSM: each mm's ksm_zero_pages equals the KSM zero PTEs (the zero page, dirty) its tables hold,
 * and the global counter is their sum.
 */
function checkKsm(m: Machine, errs: string[]): void {
  const mms = new Set<MmStruct>();
  for (const t of m.tasks.values()) if (t.mm) mms.add(t.mm);
  let total = 0;
  const last = m.pgtableArch.levels - 1;
  for (const mm of mms) {
    let n = 0;
    if (m.ksm.zeroPages || mm.ksmZeroPages)
      for (const v of mm.vmas)
        walkPteRange(m, mm, v.start, v.end, (_t, _i, _va, e) => {
          if (isKsmZeroPte(m, e, last)) n++;
        });
    if (n !== mm.ksmZeroPages)
      errs.push(`mm ksm_zero_pages ${mm.ksmZeroPages}, but its tables hold ${n} KSM zero PTEs`);
    total += mm.ksmZeroPages;
  }
  if (total !== m.ksm.zeroPages) errs.push(`ksm_zero_pages ${m.ksm.zeroPages}, but the mms count ${total}`);
  // The stable tree: every live KSM page (PageKsm, allocated) has exactly one live node, and a
  // node's item count is the rmap items that name it.
  const named = new Map<number, number>();
  for (const items of m.ksm.items.values())
    for (const it of items.values())
      if (it.tree === 'stable') named.set(it.node, (named.get(it.node) ?? 0) + 1);
  for (const [id, node] of m.ksm.stable) {
    if ((named.get(id) ?? 0) !== node.items)
      errs.push(`KSM stable node ${id}: ${node.items} items, but ${named.get(id) ?? 0} rmap items name it`);
    if (!node.stale && (m.ksm.kpfnNode.get(node.kpfn) !== id || !(m.pages.flags[node.kpfn]! & PG.ksm)))
      errs.push(`KSM stable node ${id}: pfn ${node.kpfn} is not its live KSM page`);
    if (node.stale && !node.items) errs.push(`KSM stable node ${id}: stale with no items, yet kept`);
  }
  for (const [pfn, id] of m.ksm.kpfnNode)
    if (m.pages.refcount[pfn]! <= 0 || m.ksm.stable.get(id)?.kpfn !== pfn)
      errs.push(`KSM page pfn ${pfn}: freed, or not its node's page`);
}

/**
 * The unevictable LRU: NR_MLOCK (Mlocked) counts exactly the pages of PG_mlocked folios, and a
 * PG_unevictable folio is on the LRU and mlocked. (That a VM_LOCKED VMA maps only mlocked folios
 * is not a kernel invariant: a page swapped back in fresh is not mlocked until reclaim finds it.)
 */
function checkMlock(m: Machine, errs: string[]): void {
  const p = m.pages;
  let mlocked = 0;
  for (let pfn = 0; pfn < p.nrPages; pfn++) {
    const f = p.flags[pfn]!;
    if (f & PG.tail) continue;
    if (f & PG.mlocked) mlocked += f & PG.head ? 1 << p.order[pfn]! : 1;
    if (f & PG.unevictable && (!(f & PG.lru) || !(f & PG.mlocked)))
      errs.push(`pfn ${pfn}: PG_unevictable but ${f & PG.lru ? 'not mlocked' : 'not on the LRU'}`);
  }
  const nrMlock = m.alloc.zones.reduce((s, z) => s + (z.stat.get('nr_mlock') ?? 0), 0);
  if (nrMlock !== mlocked) errs.push(`nr_mlock ${nrMlock}, but ${mlocked} pages are PG_mlocked`);
}

/**
 * Swap: each slot's count equals the swap PTEs that hold it; SWAP_HAS_CACHE exactly when the swap
 * cache has a folio for it (and that folio is an anon page that has not been freed); a zeromap bit
 * or written bytes only on a used slot, never both; inuse_pages and nr_swap_pages agree with the maps.
 */
/**
 * The LRU lists: each well linked, holding only folio heads with PG_lru whose flags pick that
 * list; every PG_lru folio on one; the node and zone counters equal to the pages the lists hold.
 */
function checkLru(m: Machine, errs: string[]): void {
  const p = m.pages;
  const nr = p.nrPages;
  const onList = new Set<number>();
  const zonePages = new Map<string, number>();
  for (const lru of LRU_LISTS) {
    const h = lruHead(m, lru);
    let pages = 0;
    let prev = h;
    for (let e = p.next[h]!; e !== h; e = p.next[e]!) {
      if (e < 0 || e >= nr || onList.has(e)) {
        errs.push(`${lru} LRU list: bad or repeated link ${e}`);
        return;
      }
      if (p.prev[e] !== prev) errs.push(`${lru} LRU list: pfn ${e}'s prev link is ${p.prev[e]}, not ${prev}`);
      const f = p.flags[e]!;
      if (!(f & PG.lru) || f & PG.tail) errs.push(`pfn ${e} on the ${lru} list is not an LRU folio head`);
      else if (folioLruList(m, e) !== lru)
        errs.push(`pfn ${e} is on the ${lru} list but its flags say ${folioLruList(m, e)}`);
      onList.add(e);
      const n = folioNrPages(m, e);
      pages += n;
      const z = m.alloc.zoneOf(e).name;
      zonePages.set(`${z} ${lru}`, (zonePages.get(`${z} ${lru}`) ?? 0) + n);
      prev = e;
    }
    if (pages !== m.vmstat.get(`nr_${lru}`))
      errs.push(`nr_${lru} = ${m.vmstat.get(`nr_${lru}`)} but the ${lru} list holds ${pages} pages`);
    for (const z of m.alloc.zones) {
      if (!z.managedPages) continue;
      const want = zonePages.get(`${z.name} ${lru}`) ?? 0;
      if ((z.stat.get(`nr_zone_${lru}`) ?? 0) !== want)
        errs.push(
          `${z.name} nr_zone_${lru} = ${z.stat.get(`nr_zone_${lru}`) ?? 0} but its folios on the list hold ${want} pages`,
        );
    }
  }
  for (let pfn = 0; pfn < nr; pfn++)
    if (p.flags[pfn]! & PG.lru && !onList.has(pfn)) errs.push(`pfn ${pfn} has PG_lru but is on no LRU list`);
}

function checkSwap(m: Machine, swapRefs: Map<number, number>, errs: string[]): void {
  let free = 0;
  let total = 0;
  for (const si of m.swap.devices) {
    if (!si) continue;
    let inuse = 0;
    total += si.pages;
    for (let off = 1; off < si.max; off++) {
      const v = si.swapMap[off]!;
      const key = swpKey(si.type, off);
      const refs = swapRefs.get(key) ?? 0;
      if (swapCount(v) !== refs)
        errs.push(`swap ${si.type}:${off}: swap_map count ${swapCount(v)} but ${refs} swap PTEs`);
      if (!!(v & SWAP_HAS_CACHE) !== m.swap.cache.has(key))
        errs.push(
          `swap ${si.type}:${off}: SWAP_HAS_CACHE ${!!(v & SWAP_HAS_CACHE)} but swap cache ${m.swap.cache.has(key)}`,
        );
      const inZswap = m.zswap.tree.has(key);
      if (v) inuse++;
      else if (zeromapTest(si, off) || si.data.has(off) || inZswap)
        errs.push(`swap ${si.type}:${off}: a free slot with a zeromap bit, data or a zswap entry`);
      if (zeromapTest(si, off) && (si.data.has(off) || inZswap))
        errs.push(`swap ${si.type}:${off}: both in the zeromap and written`);
      if (inZswap && si.data.has(off)) errs.push(`swap ${si.type}:${off}: both in zswap and on the device`);
      if (swapCount(v) && !zeromapTest(si, off) && !si.data.has(off) && !inZswap && !(v & SWAP_HAS_CACHE))
        errs.push(`swap ${si.type}:${off}: swap PTEs refer to a slot that was never written`);
    }
    if (inuse !== si.inusePages)
      errs.push(`swap ${si.type}: inuse_pages ${si.inusePages} but ${inuse} used slots`);
    free += si.pages - inuse;
  }
  if (free !== m.swap.nrSwapPages) errs.push(`nr_swap_pages ${m.swap.nrSwapPages} but ${free} free slots`);
  if (total !== m.swap.totalSwapPages)
    errs.push(`total_swap_pages ${m.swap.totalSwapPages} but ${total} slots`);
  for (const [key, pfn] of m.swap.cache) {
    if (m.swap.folioSwap.get(pfn) !== key)
      errs.push(`swap cache: folio ${pfn} does not point back at its entry`);
    const f = m.pages.flags[pfn]!;
    if (!(f & PG.anon) || f & (PG.buddy | PG.pcp))
      errs.push(`swap cache: folio ${pfn} is not a live anon page`);
  }
}
