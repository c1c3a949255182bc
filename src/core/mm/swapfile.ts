/**
 * Swap devices (mm/swapfile.c): swapon, the slot map (si->swap_map: a count per slot, with
 * SWAP_HAS_CACHE while the swap cache holds a folio for it), slot allocation (folio_alloc_swap, a
 * linear scan from the device's cursor instead of the kernel's per-CPU clusters), swap_duplicate
 * for fork and the slot's release (swap_entry_put / free_swap_and_cache), and /proc/swaps.
 *
 * A device is plain data on the Machine (the timeline's snapshots copy it): the slot counts in a
 * Uint8Array, the zeromap (si->zeromap: slots whose folio was all zeros and was never written) as
 * a bitmap, and the written pages' bytes in a Map by slot — the "disk".
 */
import type { Machine } from '../machine.ts';
import { MM_SWAPENTS, type MmStruct, type Task } from './mm_types.ts';
import { addMmCounter } from './memory.ts';
import { deleteFromSwapCache, swapCacheFolio } from './swap_state.ts';
import { zswapInvalidate } from './zswap.ts';

/** SWAP_HAS_CACHE (include/linux/swap.h): the swap cache holds a folio for this slot. */
export const SWAP_HAS_CACHE = 0x40;
/** SWAP_MAP_BAD: the header slot (offset 0) and bad pages are never handed out. */
export const SWAP_MAP_BAD = 0x3f;
/** MAX_SWAPFILES with the default config: 32 types minus the migration/hwpoison/... entries. */
export const MAX_SWAPFILES = 27;

/** struct swap_info_struct, the parts this model keeps. */
export interface SwapInfo {
  type: number;
  prio: number;
  /** the file name /proc/swaps shows */
  name: string;
  /** si->max: slots including the header slot 0 */
  max: number;
  /** si->pages: usable slots (max - 1) */
  pages: number;
  inusePages: number;
  /** si->swap_map: per slot, the number of swap PTEs (low 6 bits) | SWAP_HAS_CACHE */
  swapMap: Uint8Array;
  /** si->zeromap: one bit per slot, set when the slot's folio was zero-filled (never written) */
  zeromap: Uint8Array;
  /** the device's contents: bytes of each written slot (zeromap slots have none) */
  data: Map<number, Uint8Array>;
  /** where the next slot scan starts (the kernel's cluster allocator, simplified) */
  cursor: number;
}

/** The swap subsystem's state on the Machine. */
export interface SwapState {
  /** swap_info[], by type; a swapped-off device leaves undefined */
  devices: (SwapInfo | undefined)[];
  /** least_priority: swapon without prio= takes the next lower one (-2 first, as in 6.18) */
  leastPriority: number;
  /** nr_swap_pages: free slots on all devices */
  nrSwapPages: number;
  /** total_swap_pages */
  totalSwapPages: number;
  /** the swap cache (swap_address_space): folio by swap entry key (swpKey) */
  cache: Map<number, number>;
  /** folio->swap: the swap entry key of each swap-cache folio, by pfn */
  folioSwap: Map<number, number>;
}

export function newSwapState(): SwapState {
  return {
    devices: [],
    leastPriority: -1,
    nrSwapPages: 0,
    totalSwapPages: 0,
    cache: new Map(),
    folioSwap: new Map(),
  };
}

/** A swp_entry_t as one number: type * 2^32 + offset (offsets stay far below 2^32 here). */
export function swpKey(type: number, offset: number): number {
  return type * 4294967296 + offset;
}
export const swpType = (key: number): number => Math.floor(key / 4294967296);
export const swpOffset = (key: number): number => key % 4294967296;

/** Architectures whose swap-PTE layout the model encodes (mm/swapops.ts). */
export const SWAP_ARCHES = ['x86_64', 'arm64'];

/**
 * SYSCALL_DEFINE2(swapon): a swap area of `bytes` (its first page the header, so `pages` is one
 * less), at priority `prio` or the next automatic one. Returns the device, or an error message.
 */
export function sysSwapon(m: Machine, bytes: number, prio: number | undefined): SwapInfo | string {
  if (!SWAP_ARCHES.includes(m.arch.name))
    return `swapon: swap entries are modelled for ${SWAP_ARCHES.join(' and ')} only, not ${m.arch.name}`;
  const ps = m.pageSize;
  const max = Math.floor(bytes / ps);
  if (max < 2) return `swapon: a swap area needs at least 2 pages (${2 * ps} bytes)`;
  let type = m.swap.devices.findIndex((d) => !d);
  if (type < 0) type = m.swap.devices.length;
  if (type >= MAX_SWAPFILES) return `swapon: at most ${MAX_SWAPFILES} swap areas`;
  const si: SwapInfo = {
    type,
    prio: prio ?? --m.swap.leastPriority,
    name: `/swap${type}`,
    max,
    pages: max - 1,
    inusePages: 0,
    swapMap: new Uint8Array(max),
    zeromap: new Uint8Array(Math.ceil(max / 8)),
    data: new Map(),
    cursor: 1,
  };
  si.swapMap[0] = SWAP_MAP_BAD; // the header page
  m.swap.devices[type] = si;
  m.swap.nrSwapPages += si.pages;
  m.swap.totalSwapPages += si.pages;
  const kb = (si.pages * ps) / 1024;
  m.log.push(`Adding ${kb}k swap on ${si.name}.  Priority:${si.prio} extents:1 across:${kb}k SS`);
  return si;
}

export function zeromapTest(si: SwapInfo, off: number): boolean {
  return (si.zeromap[off >> 3]! & (1 << (off & 7))) !== 0;
}
export function zeromapSet(si: SwapInfo, off: number, on: boolean): void {
  if (on) si.zeromap[off >> 3] = si.zeromap[off >> 3]! | (1 << (off & 7));
  else si.zeromap[off >> 3] = si.zeromap[off >> 3]! & ~(1 << (off & 7));
}

/** swap_count(): the PTE references of a slot, without SWAP_HAS_CACHE. */
export const swapCount = (v: number): number => v & ~SWAP_HAS_CACHE;

/**
 * folio_alloc_swap() for an order-0 folio: a free slot on the highest-priority device with one,
 * marked SWAP_HAS_CACHE (the caller adds the folio to the swap cache). -1 when swap is full.
 */
export function getSwapSlot(m: Machine): number {
  let best: SwapInfo | undefined;
  for (const si of m.swap.devices)
    if (si && si.inusePages < si.pages && (!best || si.prio > best.prio)) best = si;
  if (!best) return -1;
  for (let i = 0; i < best.max; i++) {
    const off = 1 + ((best.cursor - 1 + i) % (best.max - 1));
    if (best.swapMap[off] === 0) {
      best.swapMap[off] = SWAP_HAS_CACHE;
      best.cursor = off + 1 >= best.max ? 1 : off + 1;
      best.inusePages++;
      m.swap.nrSwapPages--;
      return swpKey(best.type, off);
    }
  }
  return -1;
}

export function swapInfo(m: Machine, key: number): SwapInfo {
  const si = m.swap.devices[swpType(key)];
  if (!si) throw new Error(`swap entry of type ${swpType(key)}: no such swap device`);
  return si;
}

/** swap_range_free(): the slot is free again; its zeromap bit, its bytes and its zswap entry go with it. */
function swapRangeFree(m: Machine, si: SwapInfo, off: number): void {
  if (m.zswap.tree.size) zswapInvalidate(m, swpKey(si.type, off));
  si.swapMap[off] = 0;
  zeromapSet(si, off, false);
  si.data.delete(off);
  si.inusePages--;
  m.swap.nrSwapPages++;
}

/** swap_duplicate(): one more swap PTE refers to the slot (fork's copy_nonpresent_pte). */
export function swapDuplicate(m: Machine, key: number): void {
  const si = swapInfo(m, key);
  si.swapMap[swpOffset(key)]!++;
}

/**
 * swap_entry_put() for one PTE reference (swap_free after a swap-in maps the folio): the slot is
 * freed when no PTE and no swap-cache folio refer to it.
 */
export function swapEntryPut(m: Machine, key: number): void {
  const si = swapInfo(m, key);
  const off = swpOffset(key);
  const v = --si.swapMap[off]!;
  if (v === 0) swapRangeFree(m, si, off);
}

/** put_swap_folio(): the swap cache lets go of the slot (SWAP_HAS_CACHE cleared). */
export function putSwapFolio(m: Machine, key: number): void {
  const si = swapInfo(m, key);
  const off = swpOffset(key);
  si.swapMap[off] = si.swapMap[off]! & ~SWAP_HAS_CACHE;
  if (si.swapMap[off] === 0) swapRangeFree(m, si, off);
}

/**
 * free_swap_and_cache() for a zapped swap PTE: one reference fewer; when only the swap cache
 * still holds the slot, its folio leaves the cache (__try_to_reclaim_swap), which frees the slot.
 * (The kernel also reclaims a mapped one when swap is full: not modelled.)
 */
export function freeSwapAndCache(
  m: Machine,
  task: Task | null,
  mm: MmStruct,
  key: number,
  cpu: number,
): void {
  addMmCounter(m, task, mm, MM_SWAPENTS, -1);
  const si = swapInfo(m, key);
  const off = swpOffset(key);
  const v = --si.swapMap[off]!;
  if (v === 0) swapRangeFree(m, si, off);
  else if (v === SWAP_HAS_CACHE) {
    // __try_to_reclaim_swap(TTRS_UNMAPPED): only a folio nobody maps leaves the cache
    const folio = swapCacheFolio(m, key);
    if (folio >= 0 && m.pages.mapcount[folio]! < 0) deleteFromSwapCache(m, folio, cpu, false);
  }
}

/**
 * free_swap_cache() (free_pages_and_swap_cache at the end of a zap): a swap-cache folio that is
 * no longer mapped and whose slot no swap PTE refers to leaves the cache, freeing the slot.
 */
export function freeSwapCache(m: Machine, pfn: number, cpu: number): void {
  const key = m.swap.folioSwap.get(pfn);
  if (key === undefined || m.pages.mapcount[pfn]! >= 0) return;
  if (swapCount(swapInfo(m, key).swapMap[swpOffset(key)]!) === 0) deleteFromSwapCache(m, pfn, cpu, false);
}

/** /proc/swaps (swap_show). */
export function procSwaps(m: Machine): string {
  let out = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';
  const kb = m.pageSize / 1024;
  for (const si of m.swap.devices) {
    if (!si) continue;
    // seq_printf("%*s%s\t%lu\t%s%lu\t%s%d\n", len < 40 ? 40 - len : 1, " ", "file\t", ...)
    const bytes = si.pages * kb;
    const inuse = si.inusePages * kb;
    const pad = ' '.repeat(si.name.length < 40 ? 40 - si.name.length : 1);
    out += `${si.name}${pad}file\t\t${bytes}\t${bytes < 1e7 ? '\t' : ''}${inuse}\t${inuse < 1e7 ? '\t' : ''}${si.prio}\n`;
  }
  return out;
}
