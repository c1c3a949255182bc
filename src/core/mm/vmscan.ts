/**
 * Page reclaim (mm/vmscan.c) as MADV_PAGEOUT drives it: reclaim_pages() → shrink_folio_list() on
 * the folios madvise isolated. For each anonymous folio: add_to_swap() (a slot, the swap cache,
 * dirty), try_to_unmap() (its PTE becomes a swap PTE: swap_duplicate, MM_SWAPENTS), pageout() →
 * swap_writeout(). A zero-filled folio only sets its zeromap bit and __remove_mapping() frees it
 * at once; a written folio is under writeback and stays in the swap cache on the inactive list
 * (as in the kernel, where a later reclaim pass frees it: not modelled yet, nothing scans).
 * A lazyfree folio (MADV_FREE: anon with PG_swapbacked clear) takes no slot: discarded when clean
 * (pglazyfreed), reactivated as swap-backed anon when written since (pgactivate).
 *
 * Not here yet: shrink_lruvec/shrink_active_list scanning the LRU lists, kswapd and the
 * watermarks, file folios, large folios (THPs are skipped by the madvise walk).
 */
import { PTE, type RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';
import { addMmCounter } from './memory.ts';
import { folioPutbackLru } from './mm_inline.ts';
import { MM_ANONPAGES, MM_SWAPENTS, type Task } from './mm_types.ts';
import { swapWriteout } from './page_io.ts';
import { clearEntry, readEntry, writeEntry } from './pgtable.ts';
import { folioPut, folioRemoveRmap } from './rmap.ts';
import { getSwapSlot, swapDuplicate } from './swapfile.ts';
import { addToSwapCache, deleteFromSwapCache, folioTestSwapcache } from './swap_state.ts';
import { mkSwapPte } from './swapops.ts';
import { flushTlbMmRange } from './tlb.ts';

/**
 * An isolated folio and where its one mapping is: the model has no anon_vma chains, so the madvise
 * walk that found the PTE hands it over for try_to_unmap().
 */
export interface IsolatedFolio {
  pfn: number;
  task: Task;
  va: number;
  table: number;
  idx: number;
}

const E: RawEntry = { lo: 0, hi: 0 };

/** try_to_unmap_one() for the folio's one PTE: it becomes a swap PTE for `key`. */
function tryToUnmap(m: Machine, f: IsolatedFolio, key: number, cpu: number): void {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const p = m.pages;
  const mm = f.task.mm!;
  readEntry(m, f.table, f.idx, E, last);
  // ptep_clear_flush(): the TLB must not keep the old translation
  flushTlbMmRange(m, mm, f.va, f.va + m.pageSize);
  if (arch.flags(E, last) & PTE.DIRTY) p.flags[f.pfn] = p.flags[f.pfn]! | PG.dirty;
  const exclusive = (p.flags[f.pfn]! & PG.anonExclusive) !== 0;
  swapDuplicate(m, key); // folio_dup_swap(): the PTE's reference on the slot
  mkSwapPte(m, key, exclusive, E); // pte_swp_mkexclusive when PageAnonExclusive
  writeEntry(m, f.table, f.idx, E, last);
  p.flags[f.pfn] = p.flags[f.pfn]! & ~PG.anonExclusive;
  addMmCounter(m, f.task, mm, MM_ANONPAGES, -1);
  addMmCounter(m, f.task, mm, MM_SWAPENTS, 1);
  folioRemoveRmap(m, f.pfn);
  folioPut(m, f.pfn, cpu);
}

/**
 * try_to_unmap_one() for a lazyfree folio (anon, PG_swapbacked clear: MADV_FREE): the PTE is
 * cleared and flushed; a dirty PTE marks the folio dirty. A dirty folio was written since
 * MADV_FREE: the PTE is put back, PG_swapbacked set again, and the unmap fails (the data is kept).
 * A clean one is discarded: no swap slot, the PTE stays none, MM_ANONPAGES down. True when unmapped.
 */
function tryToUnmapLazyfree(m: Machine, f: IsolatedFolio, cpu: number): boolean {
  const arch = m.pgtableArch;
  const last = arch.levels - 1;
  const p = m.pages;
  const mm = f.task.mm!;
  readEntry(m, f.table, f.idx, E, last);
  clearEntry(m, f.table, f.idx, last);
  flushTlbMmRange(m, mm, f.va, f.va + m.pageSize);
  if (arch.flags(E, last) & PTE.DIRTY) p.flags[f.pfn] = p.flags[f.pfn]! | PG.dirty;
  if (p.flags[f.pfn]! & PG.dirty) {
    writeEntry(m, f.table, f.idx, E, last); // set_ptes(pteval): redirtied
    p.flags[f.pfn] = p.flags[f.pfn]! | PG.swapbacked;
    return false;
  }
  addMmCounter(m, f.task, mm, MM_ANONPAGES, -1);
  folioRemoveRmap(m, f.pfn);
  folioPut(m, f.pfn, cpu);
  return true;
}

/**
 * shrink_folio_list() with ignore_references (reclaim_pages): every folio is reclaimed if it can
 * be. Returns the number reclaimed. A folio that cannot get a slot (swap full or none) is
 * activated (activate_locked: pgactivate) and put back.
 */
export function reclaimPages(m: Machine, list: IsolatedFolio[], cpu: number): number {
  return m.trace.call('reclaim_pages', () => {
    let reclaimed = 0;
    for (const f of list) {
      const pfn = f.pfn;
      const p = m.pages;
      if (!(p.flags[pfn]! & PG.swapbacked)) {
        // a lazyfree folio needs no swap: discarded if still clean (pglazyfreed), else
        // activate_locked: back on the active anon list, its data kept
        if (tryToUnmapLazyfree(m, f, cpu)) {
          m.vmstat.add('pglazyfreed', 1);
          folioPut(m, pfn, cpu); // the isolation reference was the last: free_unref_folios
          reclaimed++;
        } else {
          p.flags[pfn] = p.flags[pfn]! | PG.active;
          folioPutbackLru(m, pfn);
          m.vmstat.inc('pgactivate');
          folioPut(m, pfn, cpu);
        }
        continue;
      }
      if (!folioTestSwapcache(m, pfn)) {
        // add_to_swap(): folio_alloc_swap + the swap cache; the folio is dirty from now on
        const key = m.swap.totalSwapPages ? getSwapSlot(m) : -1;
        if (key < 0) {
          p.flags[pfn] = p.flags[pfn]! | PG.active;
          folioPutbackLru(m, pfn);
          m.vmstat.inc('pgactivate');
          folioPut(m, pfn, cpu); // the isolation reference
          continue;
        }
        addToSwapCache(m, pfn, key);
        p.flags[pfn] = p.flags[pfn]! | PG.dirty;
      }
      const key = m.swap.folioSwap.get(pfn)!;
      tryToUnmap(m, f, key, cpu);
      // pageout() → folio_clear_dirty_for_io() → swap_writeout()
      if (p.flags[pfn]! & PG.dirty) {
        p.flags[pfn] = p.flags[pfn]! & ~PG.dirty;
        const r = m.trace.call('swap_writeout', () => swapWriteout(m, pfn, key));
        if (r === 'written') {
          // PAGE_SUCCESS with the folio under writeback: it stays in the swap cache, back on
          // the inactive list (folio_rotate_reclaimable when the write ends), until a later
          // reclaim pass frees it. SwapCached shows it; a fault on it before then is minor.
          folioPutbackLru(m, pfn);
          folioPut(m, pfn, cpu);
          continue;
        }
      }
      // __remove_mapping(): out of the swap cache (the slot keeps the PTE's reference), then
      // the isolation reference was the last one: free_unref_folios
      deleteFromSwapCache(m, pfn, cpu, false);
      folioPut(m, pfn, cpu);
      reclaimed++;
    }
    return reclaimed;
  });
}
