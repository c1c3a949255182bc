/**
 * memblock (mm/memblock.c): the boot-time memory manager.
 *
 * Two sorted lists of regions — `memory` (RAM that exists) and `reserved` (RAM already in use) — and
 * an allocator that carves free space (memory minus reserved) top-down. Everything the kernel needs
 * before the buddy allocator exists (the memmap itself, early page tables) comes from here;
 * memblock_free_all() then hands what is left to the buddy allocator (mm/page_alloc.ts).
 */
import type { Tracer } from '../trace.ts';
import { Owner } from '../phys/page.ts';

export const MEMBLOCK_NONE = 0;
export const MEMBLOCK_HOTPLUG = 1;
export const MEMBLOCK_MIRROR = 2;
export const MEMBLOCK_NOMAP = 4;
/**
 * MEMBLOCK_RSRV_KERN (include/linux/memblock.h): set on reservations memblock itself hands
 * out (memblock_alloc_range_nid() → memblock_reserve_kern()), not on a plain memblock_reserve().
 * memblock_estimated_nr_free_pages() subtracts only these (since "memblock: fix
 * memblock_estimated_nr_free_pages() for soft-reserved memory", c42af83c59b6, a 6.18-rc fix), so an image reserved with
 * memblock_reserve() still counts as free in the estimate.
 */
export const MEMBLOCK_RSRV_KERN = 0x20;

/** MEMBLOCK_ALLOC_ANYWHERE: no upper limit. */
export const MEMBLOCK_ALLOC_ANYWHERE = Number.MAX_SAFE_INTEGER;

export interface MemblockRegion {
  base: number;
  size: number;
  flags: number;
  nid: number;
}

export interface MemblockType {
  name: 'memory' | 'reserved';
  regions: MemblockRegion[];
  totalSize: number;
}

/**
 * Who reserved what. memblock itself forgets this when neighbouring regions merge; with
 * `memblock=debug` the kernel prints the caller of each reservation, and the emulator keeps that log
 * so views can label a reserved range ("kernel code", "memmap", ...).
 */
export interface ReservationLabel {
  base: number;
  size: number;
  owner: Owner;
  caller: string;
}

export class MemblockError extends Error {}

export class Memblock {
  readonly memory: MemblockType = { name: 'memory', regions: [], totalSize: 0 };
  readonly reserved: MemblockType = { name: 'reserved', regions: [], totalSize: 0 };
  readonly labels: ReservationLabel[] = [];
  bottomUp = false;
  currentLimit = MEMBLOCK_ALLOC_ANYWHERE;

  constructor(private readonly trace: Tracer) {}

  /** memblock_add(): register RAM. */
  add(base: number, size: number, nid = 0): void {
    this.trace.call('memblock_add', () => {
      addRange(this.memory, base, size, nid, MEMBLOCK_NONE);
      this.trace.emit({ type: 'memblock', op: 'add', list: 'memory', base, size });
    });
  }

  /** memblock_remove(): forget RAM. */
  remove(base: number, size: number): void {
    this.trace.call('memblock_remove', () => {
      removeRange(this.memory, base, size);
      this.trace.emit({ type: 'memblock', op: 'remove', list: 'memory', base, size });
    });
  }

  /** memblock_reserve(): mark [base, base+size) in use. `caller` is what memblock=debug would print. */
  reserve(base: number, size: number, owner: Owner, caller: string, flags = MEMBLOCK_NONE): void {
    this.trace.call(flags & MEMBLOCK_RSRV_KERN ? 'memblock_reserve_kern' : 'memblock_reserve', () => {
      addRange(this.reserved, base, size, 0, flags);
      this.labels.push({ base, size, owner, caller });
      this.trace.emit({ type: 'memblock', op: 'reserve', list: 'reserved', base, size });
    });
  }

  /** memblock_phys_free(): give back a reservation. */
  free(base: number, size: number): void {
    this.trace.call('memblock_phys_free', () => {
      removeRange(this.reserved, base, size);
      for (let i = this.labels.length - 1; i >= 0; i--) {
        const l = this.labels[i]!;
        if (l.base >= base && l.base + l.size <= base + size) this.labels.splice(i, 1);
      }
      this.trace.emit({ type: 'memblock', op: 'free', list: 'reserved', base, size });
    });
  }

  /**
   * Free ranges (memory minus reserved), ascending: for_each_free_mem_range(). Regions flagged
   * NOMAP are skipped, as the kernel does.
   */
  freeRanges(): [number, number][] {
    const out: [number, number][] = [];
    const rsv = this.reserved.regions;
    let ri = 0;
    for (const m of this.memory.regions) {
      if (m.flags & MEMBLOCK_NOMAP) continue;
      let start = m.base;
      const end = m.base + m.size;
      while (ri < rsv.length && rsv[ri]!.base + rsv[ri]!.size <= start) ri++;
      let rj = ri;
      while (start < end) {
        const r = rsv[rj];
        if (!r || r.base >= end) {
          out.push([start, end]);
          break;
        }
        if (r.base > start) out.push([start, r.base]);
        start = Math.max(start, r.base + r.size);
        rj++;
      }
    }
    return out;
  }

  /**
   * memblock_find_in_range_node(): top-down (default) or bottom-up search for `size` bytes aligned
   * to `align` inside [start, end). Returns the base or -1.
   */
  findInRange(size: number, align: number, start: number, end: number): number {
    end = Math.min(end, this.currentLimit);
    const ranges = this.freeRanges();
    if (this.bottomUp) {
      for (const [s0, e0] of ranges) {
        const s = Math.max(s0, start);
        const e = Math.min(e0, end);
        const cand = roundUp(s, align);
        if (cand < e && e - cand >= size) return cand;
      }
      return -1;
    }
    for (let i = ranges.length - 1; i >= 0; i--) {
      const [s0, e0] = ranges[i]!;
      const s = Math.max(s0, start);
      const e = Math.min(e0, end);
      if (e < size) continue;
      const cand = roundDown(e - size, align);
      if (cand >= s) return cand;
    }
    return -1;
  }

  /**
   * memblock_phys_alloc_range() / memblock_alloc(): find, reserve, return the physical base. Throws
   * (the kernel would panic in the _or_panic variants) when no space is left.
   */
  alloc(
    size: number,
    align: number,
    owner: Owner,
    caller: string,
    start = 0,
    end = MEMBLOCK_ALLOC_ANYWHERE,
  ): number {
    return this.trace.call('memblock_phys_alloc_range', () => {
      const base = this.findInRange(size, align, start, end);
      if (base < 0) {
        throw new MemblockError(
          `${caller}: Failed to allocate ${size} bytes align=0x${align.toString(16)} from memblock`,
        );
      }
      this.reserve(base, size, owner, caller, MEMBLOCK_RSRV_KERN);
      this.trace.emit({ type: 'memblock', op: 'alloc', list: 'reserved', base, size });
      return base;
    });
  }

  /**
   * memblock_reserved_kern_size(MEMBLOCK_ALLOC_ANYWHERE, NUMA_NO_NODE) (mm/memblock.c): the bytes of
   * reserved regions flagged MEMBLOCK_RSRV_KERN, i.e. what memblock allocated.
   */
  reservedKernSize(): number {
    let total = 0;
    for (const r of this.reserved.regions) if (r.flags & MEMBLOCK_RSRV_KERN) total += r.size;
    return total;
  }

  /**
   * memblock_estimated_nr_free_pages() (mm/memblock.c): PHYS_PFN(memblock_phys_mem_size() -
   * memblock_reserved_kern_size()). Plain memblock_reserve() ranges (firmware, the kernel image on
   * s390) are not subtracted.
   */
  estimatedNrFreePages(pageSize: number): number {
    return Math.floor((this.memory.totalSize - this.reservedKernSize()) / pageSize);
  }

  /** The label of the reservation covering physical address `addr`, if any. */
  labelAt(addr: number): ReservationLabel | undefined {
    for (let i = this.labels.length - 1; i >= 0; i--) {
      const l = this.labels[i]!;
      if (addr >= l.base && addr < l.base + l.size) return l;
    }
    return undefined;
  }

  isReserved(addr: number): boolean {
    return findRegion(this.reserved.regions, addr) >= 0;
  }

  isMemory(addr: number): boolean {
    return findRegion(this.memory.regions, addr) >= 0;
  }
}

function roundDown(x: number, a: number): number {
  return x - (x % a);
}

function roundUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

function findRegion(regions: MemblockRegion[], addr: number): number {
  let lo = 0;
  let hi = regions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = regions[mid]!;
    if (addr < r.base) hi = mid - 1;
    else if (addr >= r.base + r.size) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * memblock_add_range(): insert the parts of [base, base+size) not yet covered, then
 * memblock_merge_regions(): merge neighbours that touch and share nid and flags.
 */
function addRange(type: MemblockType, base: number, size: number, nid: number, flags: number): void {
  if (size <= 0) return;
  const end = base + size;
  const out: MemblockRegion[] = [];
  let cur = base;
  for (const r of type.regions) {
    const rend = r.base + r.size;
    if (rend <= cur || r.base >= end) {
      out.push(r);
      continue;
    }
    if (r.base > cur) out.push({ base: cur, size: r.base - cur, flags, nid });
    out.push(r);
    cur = Math.max(cur, rend);
  }
  if (cur < end) out.push({ base: cur, size: end - cur, flags, nid });
  out.sort((a, b) => a.base - b.base);
  const merged: MemblockRegion[] = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last && last.base + last.size === r.base && last.nid === r.nid && last.flags === r.flags) {
      last.size += r.size;
    } else merged.push({ ...r });
  }
  type.regions = merged;
  type.totalSize = merged.reduce((s, r) => s + r.size, 0);
}

/** memblock_remove_range(): memblock_isolate_range() then drop the isolated pieces. */
function removeRange(type: MemblockType, base: number, size: number): void {
  const end = base + size;
  const out: MemblockRegion[] = [];
  for (const r of type.regions) {
    const rend = r.base + r.size;
    if (rend <= base || r.base >= end) {
      out.push(r);
      continue;
    }
    if (r.base < base) out.push({ ...r, size: base - r.base });
    if (rend > end) out.push({ ...r, base: end, size: rend - end });
  }
  type.regions = out;
  type.totalSize = out.reduce((s, r) => s + r.size, 0);
}
