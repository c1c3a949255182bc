/**
 * zswap (mm/zswap.c): a compressed cache in front of the swap device. swap_writeout() offers every
 * folio that is not zero-filled to zswap_store() first; a stored page is never written to the
 * device (zswpout instead of pswpout), though it keeps its swap slot. swap_read_folio() asks
 * zswap_load() before the device: the page is decompressed (zswpin), and — because it is read into
 * the swap cache — the entry is dropped and the folio marked dirty, so the next reclaim stores it
 * again ("exclusive loads"). Off by default, as on this machine class
 * (/sys/module/zswap/parameters/enabled = N).
 *
 * Zero-filled folios never get here: the swap device's zeromap takes them first (page_io.ts).
 *
 * Simplified, and said so in docs/ACCURACY.md:
 *   - the compressor: the kernel runs lzo (this machine class's default); the model estimates
 *     lzo's output length with a greedy LZ77 pass of the same shape (4-byte hashes, ~3 bytes per
 *     match, 1 per literal) — zero-ish and repetitive pages come out tiny, random ones do not
 *     compress and are stored as they are (stored_incompressible_pages, as 6.18 does);
 *   - the pool: zsmalloc's size classes and zspage chains are computed as mm/zsmalloc.c does,
 *     from those estimated lengths, so the Zswap line is close to the kernel's, not equal;
 *   - the pool limit's shrink_worker runs at once instead of on a workqueue, and writes an entry
 *     back straight from the pool to the device (the kernel decompresses it into a swap-cache
 *     folio and writes that);
 *   - no memory cgroup (zswap.max, zswap.writeback) and no dynamic shrinker (shrinker_enabled is
 *     N by default).
 */
import type { Machine } from '../machine.ts';
import { PG } from '../phys/page.ts';
import { swapInfo, swpOffset, zeromapSet } from './swapfile.ts';

/** struct zswap_entry: a stored page, by swap entry. */
export interface ZswapEntry {
  /** entry->length: compressed bytes (PAGE_SIZE for a page stored as it is) */
  length: number;
  /** the page's bytes (the model keeps them uncompressed; `length` is what the pool holds) */
  data: Uint8Array;
  /** entry->referenced: set on store, cleared by the writeback walk (second chance) */
  referenced: boolean;
}

export interface ZswapState {
  /** /sys/module/zswap/parameters/enabled */
  enabled: boolean;
  /** max_pool_percent: the pool may hold this share of RAM (20) */
  maxPoolPercent: number;
  /** accept_threshold_percent: once full, stores resume below this share of the max (90) */
  acceptThrPercent: number;
  /** zswap_trees[] as one map by swap entry key; insertion order is zswap_list_lru's order */
  tree: Map<number, ZswapEntry>;
  /** zswap_pool_reached_full */
  poolReachedFull: boolean;
  /** zsmalloc: objects in use per size class index */
  classObjs: number[];
  /** the debugfs counters (/sys/kernel/debug/zswap) */
  poolLimitHit: number;
  writtenBackPages: number;
  storedIncompressible: number;
}

export function newZswapState(): ZswapState {
  return {
    enabled: false,
    maxPoolPercent: 20,
    acceptThrPercent: 90,
    tree: new Map(),
    poolReachedFull: false,
    classObjs: [],
    poolLimitHit: 0,
    writtenBackPages: 0,
    storedIncompressible: 0,
  };
}

/*
 * zsmalloc's size classes (mm/zsmalloc.c): ZS_MIN_ALLOC_SIZE 32 bytes, classes every
 * PAGE_SIZE >> CLASS_BITS (16 bytes with 4 KiB pages), a zspage of 1..ZS_MAX_PAGES_PER_ZSPAGE
 * (CONFIG_ZSMALLOC_CHAIN_SIZE = 8) pages chosen by get_pages_per_zspage() to waste the least.
 */
const ZS_MIN_ALLOC_SIZE = 32;
const ZS_MAX_PAGES_PER_ZSPAGE = 8;

function classDelta(pageSize: number): number {
  return pageSize >> 8;
}

/** get_size_class_index(): the class of an object of `size` bytes. */
function sizeClassIndex(size: number, pageSize: number): number {
  return Math.ceil((Math.max(size, ZS_MIN_ALLOC_SIZE) - ZS_MIN_ALLOC_SIZE) / classDelta(pageSize));
}

/** get_pages_per_zspage(): the zspage length (pages) that wastes the least of it. */
function pagesPerZspage(classSize: number, pageSize: number): number {
  let maxUsedPct = 0;
  let best = 1;
  for (let i = 1; i <= ZS_MAX_PAGES_PER_ZSPAGE; i++) {
    const zspageSize = i * pageSize;
    const waste = zspageSize % classSize;
    const usedPct = Math.floor(((zspageSize - waste) * 100) / zspageSize);
    if (usedPct > maxUsedPct) {
      maxUsedPct = usedPct;
      best = i;
    }
  }
  return best;
}

/** zswap_total_pages(): the pool's pages — per class, whole zspages for its objects. */
export function zswapTotalPages(m: Machine): number {
  const ps = m.pageSize;
  let pages = 0;
  m.zswap.classObjs.forEach((n, idx) => {
    if (!n) return;
    const size = ZS_MIN_ALLOC_SIZE + idx * classDelta(ps);
    const ppz = pagesPerZspage(size, ps);
    const objsPerZspage = Math.floor((ppz * ps) / size);
    pages += Math.ceil(n / objsPerZspage) * ppz;
  });
  return pages;
}

/**
 * The compressed length of a page, estimated: a greedy LZ77 pass in lzo1x-1's shape (a hash of
 * the next 4 bytes finds an earlier occurrence; a match costs ~3 bytes plus one per 255 of length
 * beyond 33, a literal run 1 byte each plus a 1-byte header, 3 bytes of end marker).
 */
export function estimateCompressedLength(m: Machine, addr: number, n: number): number {
  const bytes = m.ram.read(addr, n);
  const table = new Int32Array(1 << 12).fill(-1);
  let out = 3;
  let lit = 0;
  let i = 0;
  while (i + 4 <= n) {
    const v = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    const h = (Math.imul(v, 0x9e3779b1) >>> 20) & 0xfff;
    const cand = table[h]!;
    table[h] = i;
    if (
      cand >= 0 &&
      i - cand <= 0xbfff &&
      bytes[cand] === bytes[i] &&
      bytes[cand + 1] === bytes[i + 1] &&
      bytes[cand + 2] === bytes[i + 2] &&
      bytes[cand + 3] === bytes[i + 3]
    ) {
      let len = 4;
      while (i + len < n && bytes[cand + len] === bytes[i + len]) len++;
      if (lit) out += lit + 1;
      lit = 0;
      out += 3 + (len > 33 ? 1 + Math.floor((len - 33) / 255) : 0);
      i += len;
    } else {
      lit++;
      i++;
    }
  }
  lit += n - i;
  if (lit) out += lit + 1;
  return out;
}

/** zswap_max_pages(): max_pool_percent of RAM. */
export function zswapMaxPages(m: Machine): number {
  const totalram = m.alloc.zones.reduce((s, z) => s + z.managedPages, 0);
  return Math.floor((totalram * m.zswap.maxPoolPercent) / 100);
}

/** zswap_check_limits(): true while the pool is full (stores are refused). */
function zswapCheckLimits(m: Machine): boolean {
  const z = m.zswap;
  const cur = zswapTotalPages(m);
  const max = zswapMaxPages(m);
  if (cur >= max) {
    z.poolLimitHit++;
    z.poolReachedFull = true;
  } else if (z.poolReachedFull && cur <= Math.floor((max * z.acceptThrPercent) / 100)) {
    z.poolReachedFull = false;
  }
  return z.poolReachedFull;
}

/** zswap_entry_free(): the pool lets go of the entry's object. */
function zswapEntryFree(m: Machine, key: number, e: ZswapEntry): void {
  const z = m.zswap;
  z.tree.delete(key);
  const idx = sizeClassIndex(e.length, m.pageSize);
  z.classObjs[idx] = z.classObjs[idx]! - 1;
  if (e.length >= m.pageSize) z.storedIncompressible--;
}

/**
 * zswap_store() for an order-0 folio in the swap cache as `key`. Returns whether zswap took it;
 * when it did not, any stale entry for the slot is dropped (check_old) and the caller writes the
 * page to the device.
 */
export function zswapStore(m: Machine, pfn: number, key: number): boolean {
  const z = m.zswap;
  const ps = m.pageSize;
  let ok = false;
  if (z.enabled && !zswapCheckLimits(m)) {
    // zswap_compress(): a page that does not shrink is stored as it is
    let length = estimateCompressedLength(m, pfn * ps, ps);
    if (length >= ps) length = ps;
    const old = z.tree.get(key);
    if (old) zswapEntryFree(m, key, old);
    z.tree.set(key, { length, data: m.ram.read(pfn * ps, ps), referenced: true });
    const idx = sizeClassIndex(length, ps);
    while (z.classObjs.length <= idx) z.classObjs.push(0);
    z.classObjs[idx]!++;
    if (length === ps) z.storedIncompressible++;
    m.vmstat.inc('zswpout');
    ok = true;
  }
  if (!ok) {
    const old = z.tree.get(key);
    if (old) zswapEntryFree(m, key, old);
    // queue_work(shrink_wq, &zswap_shrink_work), run at once here
    if (z.enabled && z.poolReachedFull) shrinkWorker(m);
  }
  return ok;
}

/**
 * zswap_load(): the bytes of `key`'s page for folio `pfn` (the caller copies them in), or null
 * when zswap does not hold it. The folio is in the swap cache, so the entry goes and the folio is
 * dirty.
 */
export function zswapLoad(m: Machine, pfn: number, key: number): Uint8Array | null {
  const e = m.zswap.tree.get(key);
  if (!e) return null;
  m.vmstat.inc('zswpin');
  // "When reading into the swapcache, invalidate our entry": folio_mark_dirty + zswap_entry_free
  m.pages.flags[pfn] = m.pages.flags[pfn]! | PG.dirty;
  zswapEntryFree(m, key, e);
  return e.data;
}

/** zswap_invalidate(): the slot is freed; so is its entry. */
export function zswapInvalidate(m: Machine, key: number): void {
  const e = m.zswap.tree.get(key);
  if (e) zswapEntryFree(m, key, e);
}

/**
 * shrink_worker(): write entries back to the device, oldest first with a second chance for a
 * referenced one, until the pool is below the accept threshold (zswpwb).
 */
function shrinkWorker(m: Machine): void {
  const z = m.zswap;
  const thr = Math.floor((zswapMaxPages(m) * z.acceptThrPercent) / 100);
  let rotations = 0;
  while (zswapTotalPages(m) > thr && z.tree.size) {
    const [key, e] = z.tree.entries().next().value!;
    if (e.referenced) {
      // LRU_ROTATE: clear the bit, move to the tail
      e.referenced = false;
      z.tree.delete(key);
      z.tree.set(key, e);
      if (++rotations > 2 * z.tree.size) break;
      continue;
    }
    // zswap_writeback_entry(): the bytes go to the device (__swap_writepage)
    const si = swapInfo(m, key);
    const off = swpOffset(key);
    zeromapSet(si, off, false);
    si.data.set(off, e.data);
    m.vmstat.inc('pswpout');
    m.vmstat.inc('zswpwb');
    z.writtenBackPages++;
    zswapEntryFree(m, key, e);
  }
}
