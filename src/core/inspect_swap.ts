/**
 * The swap subsystem and memory pressure as the Swap panel shows them: each swap device's slots
 * (si->swap_map) as runs of one slot class, its zeromap (si->zeromap) as runs of set bits, the swap
 * cache, the swap counters (/proc/meminfo Swap*, /proc/vmstat pswp*, swp*_zero), and each zone's
 * free pages against its watermarks with its LRU list sizes. Plain data, safe to post from the
 * worker.
 *
 * Cheap at scale: a 16 GiB device has 4M slots, so the slots travel run-length encoded (a free
 * device is one run), never a byte per slot, and the swap cache and a slot's swap PTEs are listed
 * only up to a cap. The per-slot detail (which PTEs hold the entry) walks page tables, so it is a
 * separate call made for one slot at a time (`describeSwapSlot`).
 */
import { inspectKswapd, type KswapdState } from './mm/kswapd.ts';
import type { RawEntry } from './arch/pgtable.ts';
import type { Machine } from './machine.ts';
import { forEachPte } from './mm/memory.ts';
import {
  SWAP_HAS_CACHE,
  SWAP_MAP_BAD,
  swapCount,
  swpKey,
  swpOffset,
  swpType,
  zeromapTest,
} from './mm/swapfile.ts';
import { LRU_LISTS, lruHead, type LruList } from './mm/mm_inline.ts';
import type { MmStruct } from './mm/mm_types.ts';
import { PG } from './phys/page.ts';
import { isSwapPte, pteSwpExclusive, pteToSwpEntry } from './mm/swapops.ts';
import { SlotClass } from './shared/swap_slot.ts';
import { zswapMaxPages, zswapTotalPages } from './mm/zswap.ts';
import { describeKsm, type KsmOutline } from './mm/ksm.ts';

/** How many swap-cache entries one description lists (the count is always whole). */
export const MAX_SWAP_CACHE_LISTED = 64;
/** How many swap PTEs one slot's description lists. */
export const MAX_SLOT_PTES = 16;
/** How many folios of each LRU list's ends one description lists (the dock shows a row of cells). */
export const LRU_ENDS_LISTED = 5;

/** One swap device: /proc/swaps' facts and its slots. */
export interface SwapDeviceInfo {
  type: number;
  name: string;
  prio: number;
  /** si->max: slots including the header slot 0 */
  max: number;
  /** usable slots (si->pages), as /proc/swaps' Size in pages */
  pages: number;
  /** slots in use (si->inuse_pages), /proc/swaps' Used in pages */
  inuse: number;
  /**
   * The slots as runs: run i covers [runStarts[i], runStarts[i + 1]) (the last one up to `max`) and
   * has class runClasses[i] (shared/swap_slot.ts SlotClass). Consecutive runs differ in class.
   */
  runStarts: Uint32Array;
  runClasses: Uint8Array;
  /** the zeromap's set bits as [from, to) pairs of slot offsets, sorted and disjoint */
  zeroRuns: Uint32Array;
  /** slots whose zeromap bit is set */
  zeroSlots: number;
}

/** One zone: its free pages against the watermarks, and its LRU lists (zone counters, in pages). */
export interface ZonePressure {
  name: string;
  managed: number;
  /** NR_FREE_PAGES (the buddy lists; the watermark checks read this) */
  free: number;
  min: number;
  low: number;
  high: number;
  /** nr_zone_active_anon, nr_zone_inactive_anon, ... as /proc/zoneinfo names them; absent = 0 */
  lru: {
    inactive_anon: number;
    active_anon: number;
    inactive_file: number;
    active_file: number;
    /** the unevictable list: mlocked folios the mlock batch has moved (mm/mlock.ts) */
    unevictable: number;
  };
}

/** One folio at an end of an LRU list: its head pfn and the flags reclaim reads. */
export interface LruFolio {
  pfn: number;
  /** PG_referenced: seen young once already; young again on the next scan means activation */
  referenced: boolean;
}

/**
 * One of the node's LRU lists (mm_inline.ts): its size (the lruvec counter, in pages) and the
 * folios at each end. Only the ends are walked, so a list of millions of folios costs 2 × n steps.
 */
export interface LruListEnds {
  lru: LruList;
  pages: number;
  /** from the head (lru_add puts new folios here), newest first */
  newest: LruFolio[];
  /** from the tail (shrink_inactive_list isolates these next), oldest first */
  oldest: LruFolio[];
}

/** kswapd's state (mm/kswapd.ts): sleeping or woken, its runs and what the last one did. */
export type { KswapdState };

export interface SwapCacheEntry {
  type: number;
  offset: number;
  pfn: number;
}

export interface SwapInfoDescription {
  devices: SwapDeviceInfo[];
  /** the swap cache, in entry order, at most MAX_SWAP_CACHE_LISTED */
  cache: SwapCacheEntry[];
  /** entries in the swap cache (total_swapcache_pages) */
  cacheSize: number;
  /** /proc/meminfo, kB */
  meminfo: { SwapTotal: number; SwapFree: number; SwapCached: number };
  /** /proc/vmstat */
  vmstat: {
    pswpin: number;
    pswpout: number;
    swpin_zero: number;
    swpout_zero: number;
    pgmajfault: number;
    zswpout: number;
    zswpin: number;
    zswpwb: number;
  };
  /** zswap (mm/zswap.ts): its switch, /proc/meminfo's Zswap (pool) and Zswapped (pages stored) in kB */
  zswap: { enabled: boolean; Zswap: number; Zswapped: number; maxPoolKb: number; incompressible: number };
  zones: ZonePressure[];
  /** the node's LRU lists in enum lru_list order, LRU_ENDS_LISTED folios from each end */
  lru: LruListEnds[];
  kswapd: KswapdState;
  /** swap entries are modelled on this architecture (swapon works) */
  supported: boolean;
  /** KSM's trees in outline (mm/ksm.ts) */
  ksm: KsmOutline;
}

/** describeLruLists' ends without its whole-list folio count: cheap after every operation. */
export function describeLruEnds(m: Machine, n = LRU_ENDS_LISTED): LruListEnds[] {
  const p = m.pages;
  const folio = (pfn: number): LruFolio => ({ pfn, referenced: (p.flags[pfn]! & PG.referenced) !== 0 });
  return LRU_LISTS.map((lru) => {
    const h = lruHead(m, lru);
    const newest: LruFolio[] = [];
    const oldest: LruFolio[] = [];
    for (let e = p.next[h]!; e !== h && newest.length < n; e = p.next[e]!) newest.push(folio(e));
    for (let e = p.prev[h]!; e !== h && oldest.length < n; e = p.prev[e]!) oldest.push(folio(e));
    return { lru, pages: m.vmstat.get(`nr_${lru}`), newest, oldest };
  });
}

/** The class of one slot's swap_map value, zeromap bit and zswap entry. */
export function slotClass(v: number, zero: boolean, zswap = false): number {
  if (v === 0) return SlotClass.Free;
  if (v === SWAP_MAP_BAD) return SlotClass.Bad;
  if (v & SWAP_HAS_CACHE) return swapCount(v) ? SlotClass.Cached : SlotClass.CacheOnly;
  return zero ? SlotClass.Zero : zswap ? SlotClass.Zswap : SlotClass.Written;
}

function describeDevice(m: Machine, type: number): SwapDeviceInfo {
  const si = m.swap.devices[type]!;
  const starts: number[] = [];
  const classes: number[] = [];
  const zero: number[] = [];
  let zeroSlots = 0;
  let prev = -1;
  let zeroFrom = -1;
  const map = si.swapMap;
  const zm = si.zeromap;
  const pool = m.zswap.tree;
  // Eight free slots with no zeromap bit are one Uint32 pair and one bitmap byte of zeros: a free
  // 16 GiB device is scanned 8 slots a step (about 4 times faster than byte by byte).
  const words =
    map.byteOffset % 4 === 0 ? new Uint32Array(map.buffer, map.byteOffset, map.length >> 2) : null;
  for (let off = 0; off < si.max; off++) {
    if (
      words &&
      prev === 0 &&
      zeroFrom < 0 &&
      (off & 7) === 0 &&
      off + 8 <= si.max &&
      zm[off >> 3] === 0 &&
      words[off >> 2] === 0 &&
      words[(off >> 2) + 1] === 0
    ) {
      off += 7;
      continue;
    }
    const v = map[off]!;
    // a zero byte of the bitmap and a free slot are most of a big device: skip the bit test
    const z = zm[off >> 3] !== 0 && zeromapTest(si, off);
    const c = v === 0 ? 0 : slotClass(v, z, pool.size > 0 && pool.has(swpKey(type, off)));
    if (c !== prev) {
      starts.push(off);
      classes.push(c);
      prev = c;
    }
    if (z && zeroFrom < 0) zeroFrom = off;
    else if (!z && zeroFrom >= 0) {
      zero.push(zeroFrom, off);
      zeroFrom = -1;
    }
    if (z) zeroSlots++;
  }
  if (zeroFrom >= 0) zero.push(zeroFrom, si.max);
  return {
    type,
    name: si.name,
    prio: si.prio,
    max: si.max,
    pages: si.pages,
    inuse: si.inusePages,
    runStarts: Uint32Array.from(starts),
    runClasses: Uint8Array.from(classes),
    zeroRuns: Uint32Array.from(zero),
    zeroSlots,
  };
}

export function describeSwap(m: Machine): SwapInfoDescription {
  const kb = m.pageSize / 1024;
  const devices: SwapDeviceInfo[] = [];
  m.swap.devices.forEach((si, type) => si && devices.push(describeDevice(m, type)));
  const cache: SwapCacheEntry[] = [];
  for (const key of [...m.swap.cache.keys()].sort((a, b) => a - b).slice(0, MAX_SWAP_CACHE_LISTED))
    cache.push({ type: swpType(key), offset: swpOffset(key), pfn: m.swap.cache.get(key)! });
  const zones: ZonePressure[] = [];
  for (const z of m.alloc.zones) {
    if (!z.populated()) continue;
    const st = (n: string) => z.stat.get(`nr_zone_${n}`) ?? 0;
    zones.push({
      name: z.name,
      managed: z.managedPages,
      free: z.nrFreePages,
      min: z.minWmark(),
      low: z.lowWmark(),
      high: z.highWmark(),
      lru: {
        inactive_anon: st('inactive_anon'),
        active_anon: st('active_anon'),
        inactive_file: st('inactive_file'),
        active_file: st('active_file'),
        unevictable: st('unevictable'),
      },
    });
  }
  return {
    devices,
    cache,
    cacheSize: m.swap.cache.size,
    meminfo: {
      SwapTotal: m.swap.totalSwapPages * kb,
      SwapFree: m.swap.nrSwapPages * kb,
      SwapCached: m.swap.cache.size * kb,
    },
    vmstat: {
      pswpin: m.vmstat.get('pswpin'),
      pswpout: m.vmstat.get('pswpout'),
      swpin_zero: m.vmstat.get('swpin_zero'),
      swpout_zero: m.vmstat.get('swpout_zero'),
      pgmajfault: m.vmstat.get('pgmajfault'),
      zswpout: m.vmstat.get('zswpout'),
      zswpin: m.vmstat.get('zswpin'),
      zswpwb: m.vmstat.get('zswpwb'),
    },
    zswap: {
      enabled: m.zswap.enabled,
      Zswap: zswapTotalPages(m) * kb,
      Zswapped: m.zswap.tree.size * kb,
      maxPoolKb: zswapMaxPages(m) * kb,
      incompressible: m.zswap.storedIncompressible,
    },
    zones,
    lru: describeLruEnds(m),
    kswapd: inspectKswapd(m).kswapd,
    supported: m.arch.name === 'x86_64' || m.arch.name === 'arm64',
    ksm: describeKsm(m),
  };
}

/** One slot in detail: the swap_map byte decoded, the zeromap bit, the cache folio, its swap PTEs. */
export interface SwapSlotInfo {
  type: number;
  offset: number;
  /** the swap_map byte */
  map: number;
  /** swap PTEs referring to the slot (swap_count) */
  count: number;
  hasCache: boolean;
  /** the swap-cache folio for the slot, or null */
  cachePfn: number | null;
  zeromap: boolean;
  /** the device holds written bytes for the slot (pswpout wrote it) */
  written: boolean;
  /** zswap holds the slot's page: its (estimated) compressed length in bytes, or null */
  zswapLength: number | null;
  cls: number;
  /** the swap PTEs found (at most MAX_SLOT_PTES): process, its name, the virtual address */
  ptes: { pid: number; name: string; va: number }[];
}

/**
 * One slot of device `type`. Finding the PTEs that hold the entry walks every process's page
 * tables (the model keeps no reverse map from slots to PTEs, nor does the kernel): a click's cost.
 */
export function describeSwapSlot(m: Machine, type: number, offset: number): SwapSlotInfo {
  const si = m.swap.devices[type];
  if (!si) throw new RangeError(`no swap device of type ${type}`);
  if (!Number.isInteger(offset) || offset < 0 || offset >= si.max)
    throw new RangeError(`slot ${offset} is outside swap device ${type} (0..${si.max - 1})`);
  const v = si.swapMap[offset]!;
  const zero = zeromapTest(si, offset);
  const key = swpKey(type, offset);
  const ptes: SwapSlotInfo['ptes'] = [];
  const count = v === SWAP_MAP_BAD ? 0 : swapCount(v);
  if (count > 0) {
    const last = m.pgtableArch.levels - 1;
    const seen = new Set<object>();
    for (const t of m.tasks.values()) {
      const mm = t.mm;
      // threads share an mm: walk each mm once, by its first task
      if (!mm || seen.has(mm) || ptes.length >= MAX_SLOT_PTES) continue;
      seen.add(mm);
      for (const vma of mm.vmas)
        forEachPte(m, mm, vma.start, vma.end, (va: number, e: RawEntry, _page: number, level: number) => {
          // is_swap_pte() is false for a PROT_NONE entry (x86's bit 8, arm64's bit 11)
          if (level !== last || ptes.length >= MAX_SLOT_PTES) return;
          if (isSwapPte(m, e) && pteToSwpEntry(m, e) === key) ptes.push({ pid: t.pid, name: t.comm, va });
        });
    }
  }
  const cachePfn = m.swap.cache.get(key);
  return {
    type,
    offset,
    map: v,
    count,
    hasCache: v !== SWAP_MAP_BAD && (v & SWAP_HAS_CACHE) !== 0,
    cachePfn: cachePfn ?? null,
    zeromap: zero,
    written: si.data.has(offset),
    zswapLength: m.zswap.tree.get(key)?.length ?? null,
    cls: slotClass(v, zero, m.zswap.tree.has(key)),
    ptes,
  };
}

/** A page whose PTE holds a swap entry: where it is, for the process view's tooltip. */
export interface SwapPteInfo {
  type: number;
  offset: number;
  /** pte_swp_exclusive(): the entry is this mm's alone (no fork shares the slot) */
  exclusive: boolean;
  /** the slot's zeromap bit: a read brings back a zeroed page, nothing is read from the device */
  zeromap: boolean;
  /** zswap holds the page compressed: a read decompresses it, nothing is read from the device */
  zswap: boolean;
  /** the swap-cache folio of the entry (a fault now is minor), or null */
  cachePfn: number | null;
}

/** The swap entry in the PTE for `va` of task `t`, or null when it holds none. */
export function describeSwapPte(m: Machine, t: { mm: MmStruct | null }, va: number): SwapPteInfo | null {
  if (!t.mm || !m.swap.totalSwapPages) return null;
  const ps = m.pageSize;
  const base = Math.floor(va / ps) * ps;
  const last = m.pgtableArch.levels - 1;
  let out: SwapPteInfo | null = null;
  forEachPte(m, t.mm, base, base + ps, (_va, e, _page, level) => {
    if (level !== last || !isSwapPte(m, e)) return;
    const key = pteToSwpEntry(m, e);
    const si = m.swap.devices[swpType(key)];
    out = {
      type: swpType(key),
      offset: swpOffset(key),
      exclusive: pteSwpExclusive(m, e),
      zeromap: si ? zeromapTest(si, swpOffset(key)) : false,
      zswap: m.zswap.tree.has(key),
      cachePfn: m.swap.cache.get(key) ?? null,
    };
  });
  return out;
}
