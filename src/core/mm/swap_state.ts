/**
 * The swap cache (mm/swap_state.c), minimally: a folio on its way to or back from a swap slot is
 * found by its swap entry, so a second process whose PTE holds the same entry (after fork) maps
 * the same folio instead of reading the slot again. The cache holds a folio reference; SwapCached
 * in /proc/meminfo counts its pages.
 */
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';
import { folioPut } from './rmap.ts';
import { putSwapFolio } from './swapfile.ts';

/** swap_cache_get_folio(): the cached folio of a swap entry, or -1. */
export function swapCacheFolio(m: Machine, key: number): number {
  return m.swap.cache.get(key) ?? -1;
}

/** folio_test_swapcache() */
export function folioTestSwapcache(m: Machine, pfn: number): boolean {
  return m.swap.folioSwap.has(pfn);
}

/** swap_cache_add_folio(): the folio stands for slot `key` now, with a cache reference. */
export function addToSwapCache(m: Machine, pfn: number, key: number): void {
  m.swap.cache.set(key, pfn);
  m.swap.folioSwap.set(pfn, key);
  m.pages.refcount[pfn]!++;
  m.pages.flags[pfn] = m.pages.flags[pfn]! | PG.swapbacked;
}

/**
 * delete_from_swap_cache() (folio_free_swap when `dirty`): the folio leaves the cache, the slot
 * loses SWAP_HAS_CACHE (and is freed when no PTE refers to it) and the cache reference goes. A
 * folio that stays mapped keeps its data only in memory now: folio_free_swap marks it dirty.
 */
export function deleteFromSwapCache(m: Machine, pfn: number, cpu: number, dirty: boolean): void {
  const key = m.swap.folioSwap.get(pfn);
  if (key === undefined) return;
  m.swap.folioSwap.delete(pfn);
  m.swap.cache.delete(key);
  if (dirty) m.pages.flags[pfn] = m.pages.flags[pfn]! | PG.dirty;
  putSwapFolio(m, key, cpu);
  folioPut(m, pfn, cpu);
}

/** total_swapcache_pages() */
export function totalSwapcachePages(m: Machine): number {
  return m.swap.cache.size;
}
