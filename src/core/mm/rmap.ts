/**
 * Reverse-map counters (mm/rmap.c) and the per-CPU LRU batch (mm/swap.c). The model keeps the
 * counts rmap maintains — _mapcount, PageAnonExclusive, NR_ANON_MAPPED — without the anon_vma
 * chains themselves.
 */
import type { Machine } from '../machine.ts';
import { Owner, PG } from '../phys/page.ts';
import {
  folioNrPages,
  lruAddCheckEvictable,
  lruLazyfree,
  lruvecAddFolio,
  lruvecDelFolio,
} from './mm_inline.ts';
import { mlockDrainLocal, mlockNewFolio, modNrMlock } from './mlock.ts';
import { VM } from './mm_types.ts';
import { ksmFolioFreed } from './ksm.ts';

/** PAGEVEC_SIZE: folios wait in a per-CPU batch before they reach the LRU lists. */
export const LRU_BATCH_SIZE = 31;

/** folio_add_new_anon_rmap(RMAP_EXCLUSIVE): a fresh anon page mapped once, exclusively. */
export function folioAddNewAnonRmap(m: Machine, pfn: number): void {
  const p = m.pages;
  p.flags[pfn] = p.flags[pfn]! | PG.anon | PG.anonExclusive | PG.swapbacked | PG.uptodate;
  p.owner[pfn] = Owner.Anon;
  p.mapcount[pfn] = 0; // one mapping: _mapcount is mapcount - 1
  m.vmstat.inc('nr_anon_pages');
}

/** folio_dup_anon_rmap (fork): one more mapping, and nobody owns it exclusively any more. */
export function folioDupAnonRmap(m: Machine, pfn: number): void {
  // PageAnonExclusive is per page, also inside a large folio
  const p = m.pages;
  p.mapcount[pfn]!++;
  p.flags[pfn] = p.flags[pfn]! & ~PG.anonExclusive;
}

/** folio_add_file_rmap_pte(): a shmem/page-cache page gains a mapping. */
export function folioAddFileRmap(m: Machine, pfn: number): void {
  const p = m.pages;
  if (p.mapcount[pfn] === -1) m.vmstat.inc('nr_mapped');
  p.mapcount[pfn]!++;
}

/** folio_remove_rmap_pte(): one mapping fewer; the last one takes it out of NR_ANON_MAPPED. */
export function folioRemoveRmap(m: Machine, pfn: number): void {
  const p = m.pages;
  const h = compoundHead(m, pfn);
  p.mapcount[pfn]!--;
  // While a PMD still maps the whole folio somewhere, the page stays in NR_ANON_MAPPED and the
  // folio is not partially mapped (__folio_remove_rmap: nr stays 0 while ENTIRELY_MAPPED is set).
  if (p.mapcount[pfn] === -1 && (m.entireMapcount.get(h) ?? -1) < 0) {
    if (p.flags[h]! & PG.anon) m.vmstat.add('nr_anon_pages', -1);
    else m.vmstat.add('nr_mapped', -1);
    // A large folio that lost part of its mappings waits on the deferred split queue. As in
    // __folio_remove_rmap(RMAP_LEVEL_PTE): only when that drops _nr_pages_mapped below
    // ENTIRELY_MAPPED, i.e. no PMD maps the folio any more, and some page is still mapped.
    if ((h !== pfn || p.flags[h]! & PG.head) && (m.entireMapcount.get(h) ?? -1) < 0) {
      let mapped = false;
      for (let i = 0; i < 1 << p.order[h]! && !mapped; i++) if (p.mapcount[h + i]! >= 0) mapped = true;
      if (mapped) deferredSplitFolio(m, h);
    }
  }
}

/**
 * deferred_split_folio(): put a large folio on its node's deferred split queue (list_add_tail,
 * once). 6.18 queues every THP a fault allocates (partially_mapped=false, when shrink_underused
 * is on: the shrinker may find it underused) and a folio that lost part of its mappings
 * (partially_mapped=true: PG_partially_mapped set, thp_deferred_split_page counted once, when the
 * flag is first set — a THP queued at fault time is counted only when it becomes partially mapped).
 * Order-1 folios have no room for the list; a swap-cache folio is left to reclaim.
 */
export function deferredSplitFolio(m: Machine, head: number, partiallyMapped = true): void {
  const p = m.pages;
  if (!(p.flags[head]! & PG.head) || p.order[head]! <= 1) return;
  if (!partiallyMapped && m.cfg.shrinkUnderused === false) return;
  if (m.swap.folioSwap.has(head)) return; // folio_test_swapcache()
  const was = m.deferredSplit.get(head);
  if (partiallyMapped && !was && p.order[head] === m.arch.pmdOrder) m.vmstat.inc('thp_deferred_split_page');
  // Map.set() keeps a queued folio where it is: list_empty(&folio->_deferred_list) is false
  m.deferredSplit.set(head, partiallyMapped || was === true);
}

/** compound_head(): the head page of the folio holding pfn (folios are naturally aligned). */
export function compoundHead(m: Machine, pfn: number): number {
  const p = m.pages;
  if (!(p.flags[pfn]! & PG.tail)) return pfn;
  for (let o = 1; o <= m.arch.maxPageOrder; o++) {
    const h = pfn & ~((1 << o) - 1);
    if (p.flags[h]! & PG.head && h + (1 << p.order[h]!) > pfn) return h;
  }
  return pfn;
}

/** folio_get(): the reference is on the folio (its head page). */
export function folioGet(m: Machine, pfn: number): void {
  m.pages.refcount[compoundHead(m, pfn)]!++;
}

/**
 * folio_put(): drop a reference; at zero the page goes back to the page allocator, off the LRU
 * first (__folio_put → page_cache_release).
 */
export function folioPut(m: Machine, page: number, cpu: number): void {
  const p = m.pages;
  const pfn = compoundHead(m, page);
  const r = --p.refcount[pfn]!;
  if (r > 0) return;
  if (r < 0) throw new Error(`folio_put: pfn ${pfn} refcount went negative`);
  // page_cache_release(): off its LRU list (the lruvec counts folio_nr_pages() pages), the LRU
  // flags cleared (__folio_clear_lru_flags); a folio freed still mlocked loses PG_mlocked there
  // (unevictable_pgs_cleared)
  if (p.flags[pfn]! & PG.lru) lruvecDelFolio(m, pfn);
  if (p.flags[pfn]! & PG.mlocked) {
    const nr = folioNrPages(m, pfn);
    modNrMlock(m, pfn, -nr);
    m.vmstat.add('unevictable_pgs_cleared', nr);
  }
  p.flags[pfn] = p.flags[pfn]! & ~(PG.active | PG.referenced | PG.unevictable | PG.mlocked);
  if (p.flags[pfn]! & PG.ksm) ksmFolioFreed(m, pfn);
  m.mlockCount.delete(pfn);
  m.deferredSplit.delete(pfn);
  m.entireMapcount.delete(pfn);
  m.alloc.freePages(pfn, p.flags[pfn]! & PG.head ? p.order[pfn]! : 0, cpu);
}

/**
 * folio_add_lru(): the folio waits in this CPU's batch, holding a reference, until the batch is
 * full (folio_batch_move_lru) — which is why a just-faulted page is not yet PageLRU, and why a COW
 * fault drains the batch before deciding it may reuse a page. A large folio is never left in the
 * batch (folio_may_be_lru_cached() is false for it): the batch moves at once, so a THP's refcount
 * is its mappings' from the start.
 */
export function folioAddLru(m: Machine, pfn: number, cpu: number): void {
  folioGet(m, pfn);
  const batch = m.lruBatch[cpu]!;
  batch.push(pfn);
  // folio_batch_add_and_move(): a full batch (or a large folio) moves this batch only
  if (batch.length >= LRU_BATCH_SIZE || m.pages.flags[pfn]! & PG.head) lruAddBatchMove(m, cpu);
}

/**
 * folio_add_lru_vma(): a new folio faulted into a VM_LOCKED VMA is mlocked (mlock_new_folio: the
 * mlock batch, then the unevictable list); any other joins the LRU add batch.
 */
export function folioAddLruVma(m: Machine, pfn: number, vmaFlags: number, cpu: number): void {
  if (vmaFlags & VM.LOCKED) mlockNewFolio(m, pfn, cpu);
  else folioAddLru(m, pfn, cpu);
}

/**
 * folio_mark_lazyfree() (mm/swap.c): a clean anonymous folio MADV_FREE may discard goes to this
 * CPU's lru_lazyfree batch, with a reference; when the batch is full (PAGEVEC_SIZE, 31) or a
 * large folio joins, folio_batch_move_lru() runs lru_lazyfree() on each: off its anon list, on the
 * inactive file list with PG_swapbacked cleared, pglazyfree counted. Until then the folio is still
 * swap-backed anon: smaps' LazyFree and pglazyfree only see moved folios.
 */
export function folioMarkLazyfree(m: Machine, pfn: number, cpu: number): void {
  const f = m.pages.flags[pfn]!;
  if (
    !(f & PG.anon) ||
    !(f & PG.swapbacked) ||
    !(f & PG.lru) ||
    f & PG.unevictable ||
    m.swap.folioSwap.has(pfn)
  )
    return;
  folioGet(m, pfn);
  const batch = m.lazyfreeBatch[cpu]!;
  batch.push(pfn);
  if (batch.length >= LRU_BATCH_SIZE || f & PG.head) lazyfreeBatchMove(m, cpu);
}

/** folio_batch_move_lru(lru_lazyfree) of this CPU's lazyfree batch. */
function lazyfreeBatchMove(m: Machine, cpu: number): void {
  const batch = m.lazyfreeBatch[cpu]!;
  if (!batch.length) return;
  m.trace.call('folio_batch_move_lru', () => {
    for (const pfn of batch) {
      // folio_test_clear_lru(): a folio isolated meanwhile is skipped; lru_lazyfree() rechecks
      const f = m.pages.flags[pfn]!;
      if (f & PG.lru && f & PG.anon && f & PG.swapbacked && !m.swap.folioSwap.has(pfn)) lruLazyfree(m, pfn);
      folioPut(m, pfn, cpu);
    }
  });
  batch.length = 0;
}

/**
 * lru_add_drain() for one CPU (lru_add_drain_cpu, then mlock_drain_local): move its batches to the
 * LRU lists and drop the batch references: the lru_add batch, the lru_lazyfree one, then the
 * mlock batch.
 */
export function lruAddDrainCpu(m: Machine, cpu: number): void {
  lruAddBatchMove(m, cpu);
  // lru_add_drain_cpu() moves lru_lazyfree last (mm/swap.c)
  lazyfreeBatchMove(m, cpu);
  // lru_add_drain() and lru_add_drain_all()'s per-CPU work end with mlock_drain_local()
  mlockDrainLocal(m, cpu);
}

/** folio_batch_move_lru(lru_add) of this CPU's LRU add batch. */
function lruAddBatchMove(m: Machine, cpu: number): void {
  const batch = m.lruBatch[cpu]!;
  if (batch.length) {
    m.trace.call('folio_batch_move_lru', () => {
      for (const pfn of batch) {
        // lru_add(): new anon folios start on the inactive list (PG_active clear), as in 6.18's
        // classic LRU (this machine class has no MGLRU); an mlocked one on the unevictable list
        lruAddCheckEvictable(m, pfn);
        lruvecAddFolio(m, pfn);
        folioPut(m, pfn, cpu);
      }
    });
    batch.length = 0;
  }
}

/** lru_add_drain_all() */
export function lruAddDrainAll(m: Machine): void {
  for (let c = 0; c < m.cfg.cpus; c++) lruAddDrainCpu(m, c);
}
