/**
 * The buddy allocator (mm/page_alloc.c).
 *
 * Free memory is kept per zone in free_area[order].free_list[freetype]: blocks of 2^order naturally
 * aligned pages whose head page is PageBuddy and records its order. Allocation takes the smallest
 * block that fits and splits it (expand); freeing merges a block with its buddy (pfn ^ (1 << order))
 * for as long as the buddy is free too. Pages of low orders go through per-CPU lists first.
 */
import { Owner, PG, type PageArray } from '../phys/page.ts';
import type { PhysicalRam } from '../phys/ram.ts';
import type { Tracer } from '../trace.ts';
import { GFP, gfpMigratetype, gfpZone, formatGfp } from './gfp.ts';
import {
  LOWMEM_RESERVE_RATIO,
  MAX_NR_ZONES,
  MIGRATE_ISOLATE,
  MIGRATE_MOVABLE,
  MIGRATE_PCPTYPES,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  FREETYPE_IDX_UNMAPPED,
  NR_FREETYPE_IDXS,
  NR_PCP_LISTS,
  PAGE_ALLOC_COSTLY_ORDER,
  WMARK_HIGH,
  WMARK_LOW,
  WMARK_MIN,
  WMARK_PROMO,
  ZONE_DMA,
  ZONE_DMA32,
  ZONE_HIGHMEM,
  ZONE_MOVABLE,
  ZONE_NAMES,
  ZONE_NORMAL,
  Zone,
  orderToPindex,
  pindexToOrder,
  type PerCpuPages,
} from './mmzone.ts';
import type { Pageblocks } from './pageblock.ts';
import { vmstatItem, type VmStat } from './vmstat.ts';

// vm_event items the allocation path counts, by slot (no name building or lookup per allocation)
const PGALLOC = ZONE_NAMES.map((z) => vmstatItem(`pgalloc_${z.toLowerCase()}`));
const PGFREE = vmstatItem('pgfree');

/** fallbacks[]: which migratetypes to take from when a type's own lists are empty, in order. */
export const FALLBACKS: readonly (readonly number[])[] = [
  [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE], // UNMOVABLE
  [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE], // MOVABLE
  [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE], // RECLAIMABLE
];

// alloc_flags (mm/internal.h)
export const ALLOC_WMARK_MIN = WMARK_MIN;
export const ALLOC_WMARK_LOW = WMARK_LOW;
export const ALLOC_WMARK_HIGH = WMARK_HIGH;
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
export const ALLOC_MIN_RESERVE = 0x08;
export const ALLOC_NOFRAGMENT = 0x100;
/**
 * ALLOC_NOBLOCK (the __GFP_UNMAPPED series): the caller may be atomic, set by init_alloc_flags()
 * when the gfp lacks __GFP_DIRECT_RECLAIM (v2, linux-mm@f42bec43), so __rmqueue_direct_map() must
 * not change the direct map for it. The value 0x1000 is from an earlier posting's internal.h [U].
 */
export const ALLOC_NOBLOCK = 0x1000;

// FPI flags: how a block is put back on a free list.
export const FPI_NONE = 0;
/** FPI_TO_TAIL: put the freed block at the tail (memblock_free_all, to keep boot memory cold). */
export const FPI_TO_TAIL = 1 << 1;

export interface AllocatorConfig {
  nrCpus: number;
  /** MAX_PAGE_ORDER (10 with 4 KiB pages). */
  maxOrder: number;
  pageblockOrder: number;
  /** HPAGE_PMD_ORDER: the one order above PAGE_ALLOC_COSTLY_ORDER that the pcp lists take. */
  thpOrder: number;
  pageShift: number;
  initOnAlloc: boolean;
  initOnFree: boolean;
  /** the zone types this architecture configures (ZONE_* indices) */
  zones: readonly number[];
  /** CONFIG_PAGE_ALLOC_UNMAPPED (the __GFP_UNMAPPED series v2) */
  pageAllocUnmapped?: boolean;
  /** kernel_init_pages() on unmapped blocks: the per-block count, or the remaining count (v2 as posted) */
  unmappedZeroing?: 'as_posted' | 'per_block';
}

/**
 * What the allocator needs from the machine for unmapped pages (x86-64 direct map, TLBs, mermap):
 * installed by mm/mermap.ts when CONFIG_PAGE_ALLOC_UNMAPPED is on.
 */
export interface UnmappedHooks {
  /** irqs_disabled() is false on this CPU */
  irqsOn(cpu: number): boolean;
  /** mermap_ready(): task context with a prepared mm (it only checks; nothing here prepares) */
  mermapReady(cpu: number): boolean;
  /** set_direct_map_valid_noflush() over [pfn, pfn + nr); false if it could not (a split failed) */
  setDirectMap(pfn: number, nr: number, valid: boolean, cpu: number): boolean;
  /** flush_tlb_kernel_range() (a shootdown); false when the emulator refused it because IRQs are off */
  flushKernelRange(pfn: number, nr: number, cpu: number): boolean;
  /** clear_page_mermap(): clear nr pages that are not in the direct map */
  clearPageMermap(pfn: number, nr: number, cpu: number): void;
}

/**
 * The reclaim side of the slow path (mm/kswapd.ts installs it): the allocator knows zones and
 * free lists, reclaim needs the whole machine (page tables, swap).
 */
export interface ReclaimHooks {
  /** wake_all_kswapds(): the allocation found no zone above its low watermark */
  wakeKswapd(order: number, highestZoneidx: number): void;
  /** __alloc_pages_direct_reclaim() → try_to_free_pages(): the pages reclaimed */
  directReclaim(highestZoneidx: number, cpu: number): number;
  /** kswapd(), if woken: the model runs the thread at the end of the allocation that woke it */
  runKswapd(cpu: number): void;
}

/** MAX_RECLAIM_RETRIES (mm/internal.h): direct reclaim rounds an allocation may try. */
const MAX_RECLAIM_RETRIES = 16;

/** Where list heads are placed in PageArray's next/prev arrays. */
export function listHeadsNeeded(cfg: AllocatorConfig): number {
  return MAX_NR_ZONES * (cfg.maxOrder + 1) * NR_FREETYPE_IDXS + cfg.nrCpus * MAX_NR_ZONES * NR_PCP_LISTS;
}

/**
 * Whether a failing allocation would end in the OOM killer rather than a NULL return: it may
 * direct-reclaim, is not costly (order <= PAGE_ALLOC_COSTLY_ORDER) and did not ask to fail early.
 */
export function wouldInvokeOom(gfp: number, order: number): boolean {
  // No exemption for __GFP_UNMAPPED: v2 has no special case in the slow path or the OOM killer.
  return (
    (gfp & GFP.__GFP_DIRECT_RECLAIM) !== 0 &&
    order <= PAGE_ALLOC_COSTLY_ORDER &&
    !(gfp & (GFP.__GFP_NORETRY | GFP.__GFP_RETRY_MAYFAIL))
  );
}

/** clamp(pcp->high, high_min, high_max), as nr_pcp_alloc() and nr_pcp_high() do. */
function clampHigh(pcp: PerCpuPages): number {
  return Math.min(Math.max(pcp.high, pcp.highMin), pcp.highMax);
}

export class PageAllocator {
  readonly zones: Zone[] = [];
  readonly nrOrders: number;
  /** Pages zeroed by kernel_init_pages() (a teaching counter: what zeroing costs). */
  pagesZeroed = 0;
  /** min_free_kbytes (vm.min_free_kbytes) */
  minFreeKbytes = 0;
  totalreservePages = 0;
  /** printk sink for allocation-failure reports */
  onPrintk: (line: string) => void = () => {};
  /** Pages are about to be touched through their kernel mapping (the direct map): the Machine walks it. */
  onKernelAccess: ((pfn: number, nr: number, cpu: number) => void) | undefined;
  /** the CPU of the allocation or free in progress */
  private curCpu = 0;
  /** CONFIG_PAGE_ALLOC_UNMAPPED's machine side (direct map, TLB, mermap); unset when the option is off */
  unmappedHooks: UnmappedHooks | undefined;
  /** Pages clear_page_mermap() cleared (kernel_init_pages() on unmapped blocks; a teaching counter). */
  mermapPagesCleared = 0;
  /** Pageblocks flipped out of the direct map (__rmqueue_direct_map) and back. */
  directMapFlipsOut = 0;
  directMapFlipsIn = 0;
  /**
   * The last allocPages() failed where Linux would not reach the OOM killer: prepare_alloc_pages()
   * refused it (!mermap_ready()), or the emulator refused a flip's shootdown with IRQs off.
   */
  failedBeforeOom = false;
  /** kswapd and direct reclaim (mm/kswapd.ts); unset, the slow path only retries at min */
  reclaimHooks: ReclaimHooks | undefined;
  /** PF_MEMALLOC: reclaim is running, and an allocation it makes must not reclaim again */
  private inReclaim = false;

  constructor(
    readonly pages: PageArray,
    readonly pageblocks: Pageblocks,
    readonly ram: PhysicalRam,
    readonly trace: Tracer,
    readonly vmstat: VmStat,
    readonly cfg: AllocatorConfig,
  ) {
    this.nrOrders = cfg.maxOrder + 1;
    for (let z = 0; z < MAX_NR_ZONES; z++) {
      const zone = new Zone(z, this.nrOrders, pages.head(z * this.nrOrders * NR_FREETYPE_IDXS));
      const pcpBase = MAX_NR_ZONES * this.nrOrders * NR_FREETYPE_IDXS;
      for (let c = 0; c < cfg.nrCpus; c++) {
        zone.pcp.push({
          cpu: c,
          count: 0,
          high: 0,
          highMin: 0,
          highMax: 0,
          batch: 1,
          freeCount: 0,
          listBase: pages.head(pcpBase + (c * MAX_NR_ZONES + z) * NR_PCP_LISTS),
        });
      }
      zone.configured = cfg.zones.includes(z);
      this.zones.push(zone);
    }
  }

  get pageSize(): number {
    return 1 << this.cfg.pageShift;
  }

  /** page_zone(): the zone whose span holds pfn. */
  zoneOf(pfn: number): Zone {
    for (const z of this.zones) if (z.spannedPages && z.contains(pfn)) return z;
    throw new RangeError(`pfn 0x${pfn.toString(16)} is in no zone`);
  }

  // --- free lists ---------------------------------------------------------------------------

  /** __add_to_free_list() + set_buddy_order() + account_freepages() */
  private addToFreeList(zone: Zone, pfn: number, order: number, ft: number, tail: boolean): void {
    const p = this.pages;
    p.flags[pfn] = p.flags[pfn]! | PG.buddy;
    p.order[pfn] = order;
    const head = zone.freeList(order, ft);
    if (tail) p.listAddTail(pfn, head);
    else p.listAdd(pfn, head);
    zone.nrFree[order]!++;
    this.accountFreepages(zone, 1 << order, order);
    if (this.trace.on)
      this.trace.emit({ type: 'free_list_add', zone: zone.name, order, freetype: ft, pfn, tail });
  }

  /** __del_page_from_free_list() */
  private delFromFreeList(zone: Zone, pfn: number, order: number, ft: number): void {
    const p = this.pages;
    p.listDel(pfn);
    p.flags[pfn] = p.flags[pfn]! & ~PG.buddy;
    p.order[pfn] = 0;
    zone.nrFree[order]!--;
    this.accountFreepages(zone, -(1 << order), order);
    if (this.trace.on) this.trace.emit({ type: 'free_list_del', zone: zone.name, order, freetype: ft, pfn });
  }

  /** move_to_free_list(): same block, other list (tail, as the kernel does). */
  private moveToFreeList(zone: Zone, pfn: number, order: number, oldFt: number, newFt: number): void {
    this.pages.listDel(pfn);
    this.pages.listAddTail(pfn, zone.freeList(order, newFt));
    if (this.trace.on) {
      this.trace.emit({ type: 'free_list_del', zone: zone.name, order, freetype: oldFt, pfn });
      this.trace.emit({ type: 'free_list_add', zone: zone.name, order, freetype: newFt, pfn, tail: true });
    }
  }

  private accountFreepages(zone: Zone, nr: number, order: number): void {
    zone.nrFreePages += nr;
    if (order >= this.cfg.pageblockOrder) zone.nrFreePagesBlocks += nr;
  }

  // --- allocation: splitting -----------------------------------------------------------------

  /**
   * expand(): split a block of order `high` down to `low`, putting each upper half back on the
   * free list one order down. Returns the number of pages put back.
   */
  private expand(zone: Zone, pfn: number, low: number, high: number, mt: number): number {
    let size = 1 << high;
    let nrAdded = 0;
    while (high > low) {
      high--;
      size >>= 1;
      this.addToFreeList(zone, pfn + size, high, mt, false);
      nrAdded += size;
    }
    return nrAdded;
  }

  /** page_del_and_expand() */
  private delAndExpand(zone: Zone, pfn: number, low: number, high: number, mt: number): void {
    this.delFromFreeList(zone, pfn, high, mt);
    this.trace.enter('expand');
    try {
      this.expand(zone, pfn, low, high, mt);
    } finally {
      this.trace.leave();
    }
  }

  /** __rmqueue_smallest(): the smallest free block of exactly this migratetype. Returns pfn or -1. */
  private rmqueueSmallest(zone: Zone, order: number, mt: number): number {
    for (let o = order; o < this.nrOrders; o++) {
      const head = zone.freeList(o, mt);
      if (this.pages.listEmpty(head)) continue;
      const pfn = this.pages.listFirst(head);
      this.trace.enter('__rmqueue_smallest');
      try {
        this.delAndExpand(zone, pfn, order, o, mt);
      } finally {
        this.trace.leave();
      }
      return pfn;
    }
    // the failed search is a step too: the fallback (or the failure) that follows comes from it
    if (this.trace.on)
      this.trace.call('__rmqueue_smallest', () =>
        this.trace.emit({ type: 'free_list_miss', zone: zone.name, order, freetype: mt }),
      );
    return -1;
  }

  /** should_try_claim_block(): is it worth taking a whole pageblock of another type? */
  private shouldTryClaimBlock(order: number, startMt: number): boolean {
    const pbo = this.cfg.pageblockOrder;
    if (order >= pbo) return true;
    if (order >= pbo / 2 || startMt === MIGRATE_RECLAIMABLE || startMt === MIGRATE_UNMOVABLE) return true;
    return false;
  }

  /** find_suitable_fallback(): the first fallback type with a free block at this order, or -1. */
  private findSuitableFallback(zone: Zone, order: number, mt: number): number {
    if (zone.nrFree[order] === 0) return -1;
    for (const fmt of FALLBACKS[mt] ?? []) {
      if (!this.pages.listEmpty(zone.freeList(order, fmt))) return fmt;
    }
    return -1;
  }

  /**
   * prep_move_freepages_block() + __move_freepages_block(): count (and optionally move) the free
   * pages of the pageblock holding pfn. Returns null if the block crosses the zone boundary.
   */
  private scanPageblock(zone: Zone, pfn: number): { start: number; free: number; movable: number } | null {
    const nr = 1 << this.cfg.pageblockOrder;
    const start = pfn & ~(nr - 1);
    if (start < zone.zoneStartPfn || start + nr > zone.endPfn) return null;
    const p = this.pages;
    let free = 0;
    let movable = 0;
    for (let q = start; q < start + nr;) {
      const f = p.flags[q]!;
      if (f & PG.buddy) {
        const n = 1 << p.order[q]!;
        free += n;
        q += n;
        continue;
      }
      // PageLRU or __PageMovable: pages that compaction could move away.
      if (f & PG.lru) movable++;
      q++;
    }
    return { start, free, movable };
  }

  private moveFreepagesBlock(zone: Zone, start: number, oldMt: number, newMt: number): number {
    const p = this.pages;
    const end = start + (1 << this.cfg.pageblockOrder);
    let moved = 0;
    for (let q = start; q < end;) {
      if (p.flags[q]! & PG.buddy) {
        const o = p.order[q]!;
        this.moveToFreeList(zone, q, o, oldMt, newMt);
        moved += 1 << o;
        q += 1 << o;
      } else q++;
    }
    return moved;
  }

  /** change_pageblock_range(): retype every pageblock a block of `order` covers. */
  private changePageblockRange(pfn: number, order: number, mt: number): void {
    const nrBlocks = Math.max(1, 1 << (order - this.cfg.pageblockOrder));
    for (let i = 0; i < nrBlocks; i++)
      this.pageblocks.setMigratetype(pfn + (i << this.cfg.pageblockOrder), mt);
  }

  /**
   * try_to_claim_block(): take the whole pageblock for `startMt` when the fallback block is at least
   * a pageblock, or when enough of its pages are free or of a compatible type. Returns pfn or -1.
   */
  private tryToClaimBlock(
    zone: Zone,
    pfn: number,
    curOrder: number,
    order: number,
    startMt: number,
    blockMt: number,
  ): number {
    const pbo = this.cfg.pageblockOrder;
    if (curOrder >= pbo) {
      this.delFromFreeList(zone, pfn, curOrder, blockMt);
      this.changePageblockRange(pfn, curOrder, startMt);
      this.trace.enter('expand');
      try {
        this.expand(zone, pfn, order, curOrder, startMt);
      } finally {
        this.trace.leave();
      }
      return pfn;
    }
    const scan = this.scanPageblock(zone, pfn);
    if (!scan) return -1;
    let alike: number;
    if (startMt === MIGRATE_MOVABLE) alike = scan.movable;
    else if (blockMt === MIGRATE_MOVABLE) alike = (1 << pbo) - (scan.free + scan.movable);
    else alike = 0;
    if (scan.free + alike >= 1 << (pbo - 1)) {
      this.trace.call('__move_freepages_block', () =>
        this.moveFreepagesBlock(zone, scan.start, blockMt, startMt),
      );
      this.pageblocks.setMigratetype(scan.start, startMt);
      return this.rmqueueSmallest(zone, order, startMt);
    }
    return -1;
  }

  /** __rmqueue_claim(): largest fallback block first, claiming its pageblock. */
  private rmqueueClaim(zone: Zone, order: number, startMt: number, allocFlags: number): number {
    const minOrder =
      order < this.cfg.pageblockOrder && allocFlags & ALLOC_NOFRAGMENT ? this.cfg.pageblockOrder : order;
    for (let cur = this.cfg.maxOrder; cur >= minOrder; cur--) {
      const fmt = this.findSuitableFallback(zone, cur, startMt);
      if (fmt === -1) continue;
      if (!this.shouldTryClaimBlock(cur, startMt)) break;
      const pfn = this.pages.listFirst(zone.freeList(cur, fmt));
      const got = this.trace.call('try_to_claim_block', () =>
        this.tryToClaimBlock(zone, pfn, cur, order, startMt, fmt),
      );
      if (got >= 0) {
        if (this.trace.on)
          this.trace.emit({
            type: 'mm_page_alloc_extfrag',
            pfn: got,
            order,
            fallbackOrder: cur,
            startMigratetype: startMt,
            fallbackMigratetype: fmt,
            claimed: true,
          });
        return got;
      }
    }
    return -1;
  }

  /** __rmqueue_steal(): the smallest fallback block, without retyping its pageblock. */
  private rmqueueSteal(zone: Zone, order: number, startMt: number): number {
    for (let cur = order; cur < this.nrOrders; cur++) {
      const fmt = this.findSuitableFallback(zone, cur, startMt);
      if (fmt === -1) continue;
      const pfn = this.pages.listFirst(zone.freeList(cur, fmt));
      this.delAndExpand(zone, pfn, order, cur, fmt);
      if (this.trace.on)
        this.trace.emit({
          type: 'mm_page_alloc_extfrag',
          pfn,
          order,
          fallbackOrder: cur,
          startMigratetype: startMt,
          fallbackMigratetype: fmt,
          claimed: false,
        });
      return pfn;
    }
    return -1;
  }

  /** __rmqueue(): own type, else claim a block of a fallback type, else steal part of one. */
  private rmqueue1(zone: Zone, order: number, mt: number, allocFlags: number): number {
    this.trace.enter('__rmqueue');
    try {
      let pfn = this.rmqueueSmallest(zone, order, mt);
      if (pfn >= 0) return pfn;
      if (mt >= MIGRATE_PCPTYPES) return -1; // HIGHATOMIC/ISOLATE have no fallbacks
      pfn = this.trace.call('__rmqueue_claim', () => this.rmqueueClaim(zone, order, mt, allocFlags));
      if (pfn >= 0) return pfn;
      if (!(allocFlags & ALLOC_NOFRAGMENT))
        pfn = this.trace.call('__rmqueue_steal', () => this.rmqueueSteal(zone, order, mt));
      // rmqueue_buddy() (v2) tries the direct map after __rmqueue() whatever ALLOC_NOFRAGMENT says.
      if (pfn < 0 && this.unmappedHooks && mt === MIGRATE_UNMOVABLE)
        pfn = this.trace.call('__rmqueue_direct_map', () => this.rmqueueMapBack(zone, order, allocFlags));
      return pfn;
    } finally {
      this.trace.leave();
    }
  }

  // --- per-CPU lists --------------------------------------------------------------------------

  /** pcp_allowed_order(): orders 0..PAGE_ALLOC_COSTLY_ORDER, and the THP order. */
  pcpAllowedOrder(order: number): boolean {
    return order <= PAGE_ALLOC_COSTLY_ORDER || order === this.cfg.thpOrder;
  }

  private pcpAdd(
    zone: Zone,
    pcp: PerCpuPages,
    pindex: number,
    pfn: number,
    order: number,
    tail: boolean,
  ): void {
    const p = this.pages;
    p.flags[pfn] = p.flags[pfn]! | PG.pcp;
    p.order[pfn] = order;
    if (tail) p.listAddTail(pfn, pcp.listBase + pindex);
    else p.listAdd(pfn, pcp.listBase + pindex);
    pcp.count += 1 << order;
    if (this.trace.on)
      this.trace.emit({ type: 'pcp_add', cpu: pcp.cpu, zone: zone.name, pindex, pfn, order });
  }

  private pcpDel(zone: Zone, pcp: PerCpuPages, pindex: number, pfn: number, order: number): void {
    const p = this.pages;
    p.listDel(pfn);
    p.flags[pfn] = p.flags[pfn]! & ~PG.pcp;
    p.order[pfn] = 0;
    pcp.count -= 1 << order;
    if (this.trace.on)
      this.trace.emit({ type: 'pcp_del', cpu: pcp.cpu, zone: zone.name, pindex, pfn, order });
  }

  /**
   * nr_pcp_alloc(): how many blocks a refill takes from the buddy lists. Simplified: the kernel
   * also scales the batch by pcp->alloc_factor as a CPU keeps allocating; the emulator does not.
   */
  private nrPcpAlloc(pcp: PerCpuPages, order: number): number {
    pcp.high = clampHigh(pcp);
    if (pcp.high < pcp.batch) return 1;
    let batch = pcp.batch;
    if (!order) batch = Math.min(batch, Math.max(pcp.high - pcp.count - pcp.batch, pcp.batch));
    if (batch > 1) batch = Math.max(batch >> order, 2);
    return batch;
  }

  /** rmqueue_bulk(): take `count` blocks from the buddy lists onto a pcp list, in order. */
  private rmqueueBulk(
    zone: Zone,
    pcp: PerCpuPages,
    pindex: number,
    order: number,
    count: number,
    mt: number,
    allocFlags: number,
  ): number {
    this.trace.enter('rmqueue_bulk');
    try {
      let i = 0;
      for (; i < count; i++) {
        const pfn = this.rmqueue1(zone, order, mt, allocFlags);
        if (pfn < 0) break;
        this.pcpAdd(zone, pcp, pindex, pfn, order, true);
      }
      return i;
    } finally {
      this.trace.leave();
    }
  }

  /** rmqueue_pcplist() / __rmqueue_pcplist() */
  private rmqueuePcplist(zone: Zone, order: number, mt: number, allocFlags: number, cpu: number): number {
    this.trace.enter('rmqueue_pcplist');
    try {
      const pcp = zone.pcp[cpu]!;
      const pindex = orderToPindex(mt, order);
      const head = pcp.listBase + pindex;
      if (this.pages.listEmpty(head)) {
        const batch = this.nrPcpAlloc(pcp, order);
        if (this.rmqueueBulk(zone, pcp, pindex, order, batch, mt, allocFlags) === 0) return -1;
      }
      const pfn = this.pages.listFirst(head);
      this.pcpDel(zone, pcp, pindex, pfn, order);
      pcp.freeCount >>= 1; // an allocation resets the "freeing in a row" streak
      return pfn;
    } finally {
      this.trace.leave();
    }
  }

  /**
   * free_pcppages_bulk(): return `count` pages from a CPU's lists to the buddy allocator, taking from
   * the tail (the coldest pages), round-robin over the lists starting after `pindex`.
   */
  private freePcppagesBulk(zone: Zone, pcp: PerCpuPages, count: number, pindex: number): void {
    this.trace.enter('free_pcppages_bulk');
    try {
      const p = this.pages;
      count = Math.min(pcp.count, count);
      while (count > 0) {
        let head: number;
        do {
          pindex++;
          if (pindex >= NR_PCP_LISTS) pindex = 0;
          head = pcp.listBase + pindex;
        } while (p.listEmpty(head));
        const order = pindexToOrder(pindex, this.cfg.thpOrder);
        const nrPages = 1 << order;
        do {
          const pfn = p.listLast(head);
          this.pcpDel(zone, pcp, pindex, pfn, order);
          count -= nrPages;
          this.freeOnePageLocked(zone, pfn, order, this.pageblockFreetype(pfn), FPI_NONE);
        } while (count > 0 && !p.listEmpty(head));
      }
    } finally {
      this.trace.leave();
    }
  }

  /** nr_pcp_free(): how many pages to drain once pcp->count reaches pcp->high. */
  private nrPcpFree(pcp: PerCpuPages): number {
    if (pcp.high < pcp.batch) return 1;
    const minNr = pcp.batch;
    const maxNr = pcp.high - pcp.batch;
    return Math.min(Math.max(pcp.freeCount, minNr), maxNr);
  }

  /** free_frozen_page_commit() */
  private freePcp(zone: Zone, pfn: number, order: number, mt: number, cpu: number): void {
    this.trace.enter('free_frozen_page_commit');
    try {
      const pcp = zone.pcp[cpu]!;
      const pindex = orderToPindex(mt, order);
      this.pcpAdd(zone, pcp, pindex, pfn, order, false);
      if (pcp.freeCount < pcp.batch << 5) pcp.freeCount += 1 << order;
      // nr_pcp_high(): pcp->high is clamped into [high_min, high_max] on use.
      pcp.high = clampHigh(pcp);
      if (pcp.count >= pcp.high) this.freePcppagesBulk(zone, pcp, this.nrPcpFree(pcp), pindex);
    } finally {
      this.trace.leave();
    }
  }

  /** drain_pages_zone() for every CPU and zone: give all pcp pages back to the buddy lists. */
  drainAllPages(): void {
    this.trace.call('drain_all_pages', () => {
      for (const zone of this.zones)
        for (const pcp of zone.pcp) if (pcp.count) this.freePcppagesBulk(zone, pcp, pcp.count, 0);
    });
  }

  // --- freeing: merging -----------------------------------------------------------------------

  /** page_is_buddy(): is `buddy` the free head of a block of this order in the same zone? */
  private isBuddy(zone: Zone, buddy: number, order: number): boolean {
    if (buddy < zone.zoneStartPfn || buddy >= zone.endPfn) return false;
    const p = this.pages;
    return (p.flags[buddy]! & PG.buddy) !== 0 && p.order[buddy] === order;
  }

  /** buddy_merge_likely(): will the freed block merge once its own buddy is freed? Then put it at the tail. */
  private buddyMergeLikely(zone: Zone, pfn: number, order: number): boolean {
    if (order >= this.cfg.maxOrder - 1) return false;
    const higher = pfn & ~(1 << order);
    const higherBuddy = higher ^ (1 << (order + 1));
    return this.isBuddy(zone, higherBuddy, order + 1);
  }

  /**
   * __free_one_page(): merge with the buddy while it is free, of the same order and zone, then put
   * the result on the free list of its migratetype.
   */
  private freeOnePageLocked(zone: Zone, pfn: number, order: number, mt: number, fpi: number): void {
    this.trace.enter('__free_one_page');
    try {
      const maxOrder = this.cfg.maxOrder;
      const pbo = this.cfg.pageblockOrder;
      while (order < maxOrder) {
        const buddy = pfn ^ (1 << order);
        if (!this.isBuddy(zone, buddy, order)) break;
        let buddyMt = mt;
        if (order >= pbo) {
          buddyMt = this.pageblockFreetype(buddy);
          // Blocks of different types merge only when both are mergeable (below MIGRATE_PCPTYPES).
          if (mt !== buddyMt && (mt >= MIGRATE_PCPTYPES || buddyMt >= MIGRATE_PCPTYPES)) break;
        }
        this.delFromFreeList(zone, buddy, order, buddyMt);
        if (buddyMt !== mt) this.pageblocks.setMigratetype(buddy, mt);
        pfn &= buddy;
        order++;
      }
      const tail = (fpi & FPI_TO_TAIL) !== 0 || this.buddyMergeLikely(zone, pfn, order);
      this.addToFreeList(zone, pfn, order, mt, tail);
    } finally {
      this.trace.leave();
    }
  }

  /** free_one_page() → split_large_buddy(): a block larger than a pageblock is freed per pageblock. */
  private freeOnePage(zone: Zone, pfn: number, order: number, fpi: number): void {
    const pbo = this.cfg.pageblockOrder;
    if (order > pbo) {
      const end = pfn + (1 << order);
      for (let q = pfn; q < end; q += 1 << pbo)
        this.freeOnePageLocked(zone, q, pbo, this.pageblockFreetype(q), fpi);
    } else this.freeOnePageLocked(zone, pfn, order, this.pageblockFreetype(pfn), fpi);
  }

  /** get_pageblock_freetype() → freetype_idx(): the free list a page of this pageblock goes to. */
  pageblockFreetype(pfn: number): number {
    if (this.cfg.pageAllocUnmapped && this.pageblocks.unmapped(pfn)) return FREETYPE_IDX_UNMAPPED;
    return this.pageblocks.migratetype(pfn);
  }

  // --- page init and zeroing ------------------------------------------------------------------

  /** want_init_on_alloc(): the init_on_alloc static key, or __GFP_ZERO. */
  wantInitOnAlloc(gfp: number): boolean {
    return this.cfg.initOnAlloc || (gfp & GFP.__GFP_ZERO) !== 0;
  }

  /** kernel_init_pages(): clear each page through its kernel mapping. */
  kernelInitPages(pfn: number, nr: number): void {
    this.trace.enter('kernel_init_pages');
    try {
      if (!this.unmappedHooks) {
        this.clearDirect(pfn, nr);
        return;
      }
      // v2 20/22: per pageblock, mapped blocks through the direct map, unmapped ones through the
      // mermap. As posted (linux-mm@f42bec43), the unmapped branch calls clear_page_mermap(page,
      // numpages): the allocation's first page and the remaining count, so block b clears
      // [pfn, pfn + nr - b * pageblock_nr_pages). per_block, clear_page_mermap(block_page,
      // min(numpages, pageblock_nr_pages)), is the emulator's correction: no version has it.
      const pbn = 1 << this.cfg.pageblockOrder;
      const asPosted = this.cfg.unmappedZeroing === 'as_posted';
      let numpages = nr;
      const blocks = Math.ceil(nr / pbn);
      for (let b = 0; b < blocks; b++) {
        const blockPfn = pfn + b * pbn;
        const n = Math.min(numpages, pbn);
        const unmapped = this.pageblocks.unmapped(blockPfn);
        if (this.trace.on)
          this.trace.emit({
            type: 'kernel_init_block',
            block: b,
            pfn: blockPfn,
            nrPages: unmapped && asPosted ? numpages : n,
            unmapped,
            cpu: this.curCpu,
          });
        if (unmapped) {
          const start = asPosted ? pfn : blockPfn;
          const cnt = asPosted ? numpages : n;
          this.trace.call('clear_page_mermap', () =>
            this.unmappedHooks!.clearPageMermap(start, cnt, this.curCpu),
          );
          this.mermapPagesCleared += cnt;
          this.pagesZeroed += cnt;
          if (this.trace.on) this.trace.emit({ type: 'page_clear', pfn: start, nrPages: cnt });
        } else this.clearDirect(blockPfn, n);
        numpages -= pbn;
      }
    } finally {
      this.trace.leave();
    }
  }

  /** clear_highpage() of nr pages through the direct map. */
  private clearDirect(pfn: number, nr: number): void {
    const ps = this.pageSize;
    this.onKernelAccess?.(pfn, nr, this.curCpu);
    for (let i = 0; i < nr; i++) this.ram.clearPage((pfn + i) * ps, ps);
    this.pagesZeroed += nr;
    if (this.trace.on) this.trace.emit({ type: 'page_clear', pfn, nrPages: nr });
  }

  // --- __GFP_UNMAPPED (the series v2, 19/22 and 20/22) ------------------------------------------

  /**
   * The checks __rmqueue_direct_map() (v2, linux-mm@f42bec43) makes before it takes anything, for
   * both directions: ALLOC_NOBLOCK (an atomic caller) returns NULL; IRQs off is only a lockdep
   * assertion, a WARNING that does not stop it.
   */
  private directMapFlipAllowed(allocFlags: number, cpu: number): boolean {
    if (allocFlags & ALLOC_NOBLOCK) return false;
    if (!this.unmappedHooks!.irqsOn(cpu))
      this.onPrintk(
        `WARNING: CPU: ${cpu} at mm/page_alloc.c __rmqueue_direct_map: lockdep_assert(!irqs_disabled() || unlikely(early_boot_irqs_disabled))`,
      );
    return true;
  }

  /**
   * __rmqueue_direct_map() for an unmapped request whose UNMAPPED lists are empty: take a mapped
   * block of max(order, pageblock_order), clear its direct-map entries, one TLB flush for the lot,
   * set PB_unmapped, and free the surplus onto the UNMAPPED lists. Returns pfn or -1.
   */
  private rmqueueFlipOut(zone: Zone, order: number, allocFlags: number, cpu: number): number {
    const h = this.unmappedHooks!;
    const pbo = this.cfg.pageblockOrder;
    const allocOrder = Math.max(order, pbo);
    // Once the emulator has refused this allocation's shootdown, it does not try again in the next
    // zone or the slow path: IRQs are still off, and each try would only repeat the WARNINGs.
    if (this.failedBeforeOom) return -1;
    if (!this.directMapFlipAllowed(allocFlags, cpu)) return -1;
    const pfn = this.rmqueue1Mapped(zone, allocOrder, MIGRATE_UNMOVABLE, allocFlags);
    if (pfn < 0) return -1;
    const nr = 1 << allocOrder;
    if (!h.setDirectMap(pfn, nr, false, cpu)) {
      // could not split the direct map: give the block back (its entries were partly changed: undo)
      h.setDirectMap(pfn, nr, true, cpu);
      this.freeOnePage(zone, pfn, allocOrder, FPI_NONE);
      return -1;
    }
    if (!h.flushKernelRange(pfn, nr, cpu)) {
      // IRQs off: Linux would go on (flush_tlb_kernel_range WARNs in smp_call_function_many_cond and
      // waits for the IPIs with IRQs off, which can deadlock); the emulator refuses the shootdown, so
      // the block goes back mapped and this allocation fails without the OOM killer.
      h.setDirectMap(pfn, nr, true, cpu);
      this.freeOnePage(zone, pfn, allocOrder, FPI_NONE);
      this.failedBeforeOom = true;
      return -1;
    }
    for (let q = pfn; q < pfn + nr; q += 1 << pbo) {
      this.pageblocks.setMigratetype(q, MIGRATE_UNMOVABLE);
      this.pageblocks.setUnmapped(q, true);
      this.directMapFlipsOut++;
    }
    this.trace.enter('expand');
    try {
      this.expand(zone, pfn, order, allocOrder, FREETYPE_IDX_UNMAPPED);
    } finally {
      this.trace.leave();
    }
    return pfn;
  }

  /**
   * __rmqueue_direct_map() the other way: an UNMOVABLE request (only UNMOVABLE has an UNMAPPED
   * twin: freetype_idx() of MOVABLE|UNMAPPED is -1) found no mapped memory, so an UNMAPPED block
   * goes back into the direct map. Adding entries needs no TLB flush. It is not zeroed: v2 only
   * remaps and clears the pageblock flag; __GFP_ZERO/init_on_alloc then clear it through the
   * direct map like any mapped page.
   */
  private rmqueueMapBack(zone: Zone, order: number, allocFlags: number): number {
    const h = this.unmappedHooks!;
    const pbo = this.cfg.pageblockOrder;
    const allocOrder = Math.max(order, pbo);
    if (!this.directMapFlipAllowed(allocFlags, this.curCpu)) return -1;
    const pfn = this.rmqueueSmallest(zone, allocOrder, FREETYPE_IDX_UNMAPPED);
    if (pfn < 0) return -1;
    const nr = 1 << allocOrder;
    if (!h.setDirectMap(pfn, nr, true, this.curCpu)) {
      this.freeOnePage(zone, pfn, allocOrder, FPI_NONE);
      return -1;
    }
    for (let q = pfn; q < pfn + nr; q += 1 << pbo) {
      this.pageblocks.setUnmapped(q, false);
      this.pageblocks.setMigratetype(q, MIGRATE_UNMOVABLE);
      this.directMapFlipsIn++;
    }
    this.trace.enter('expand');
    try {
      this.expand(zone, pfn, order, allocOrder, MIGRATE_UNMOVABLE);
    } finally {
      this.trace.leave();
    }
    return pfn;
  }

  /** __rmqueue() without the map-back step (a flip out must take mapped memory only). */
  private rmqueue1Mapped(zone: Zone, order: number, mt: number, allocFlags: number): number {
    const hooks = this.unmappedHooks;
    this.unmappedHooks = undefined;
    try {
      // The caller's alloc_flags unchanged: __rmqueue() with its usual claim and steal fallbacks.
      return this.rmqueue1(zone, order, mt, allocFlags);
    } finally {
      this.unmappedHooks = hooks;
    }
  }

  /** rmqueue() for UNMOVABLE|UNMAPPED: the UNMAPPED lists (no pcp in this model), else a flip. */
  private rmqueueUnmapped(zone: Zone, order: number, allocFlags: number, cpu: number): number {
    this.trace.enter('__rmqueue');
    try {
      const pfn = this.rmqueueSmallest(zone, order, FREETYPE_IDX_UNMAPPED);
      if (pfn >= 0) return pfn;
      return this.trace.call('__rmqueue_direct_map', () => this.rmqueueFlipOut(zone, order, allocFlags, cpu));
    } finally {
      this.trace.leave();
    }
  }

  /** post_alloc_hook(): refcount 1, zeroing when asked and not already done at free time. */
  private postAllocHook(pfn: number, order: number, gfp: number): void {
    this.trace.enter('post_alloc_hook');
    try {
      const p = this.pages;
      p.refcount[pfn] = 1;
      p.order[pfn] = order;
      if (order > 0 && gfp & GFP.__GFP_COMP) {
        p.flags[pfn] = p.flags[pfn]! | PG.head;
        for (let i = 1; i < 1 << order; i++) p.flags[pfn + i] = p.flags[pfn + i]! | PG.tail;
      }
      // With init_on_free every free page was zeroed when it was freed; zeroing again is waste.
      const init = !this.cfg.initOnFree && this.wantInitOnAlloc(gfp) && !(gfp & GFP.__GFP_SKIP_ZERO);
      if (init) this.kernelInitPages(pfn, 1 << order);
    } finally {
      this.trace.leave();
    }
  }

  /** free_pages_prepare(): clear page state; zero the pages when init_on_free is on. */
  private freePagesPrepare(pfn: number, order: number): void {
    const p = this.pages;
    const n = 1 << order;
    for (let i = 0; i < n; i++) {
      p.flags[pfn + i] = 0;
      p.owner[pfn + i] = Owner.None;
      p.mapcount[pfn + i] = -1;
      p.refcount[pfn + i] = 0;
    }
    p.order[pfn] = 0;
    if (this.cfg.initOnFree) this.kernelInitPages(pfn, n);
  }

  // --- the public entry points ----------------------------------------------------------------

  /** alloc_flags_nofragment(): Normal-zone allocations avoid mixing types below a pageblock first. */
  private allocFlagsNofragment(preferred: Zone): number {
    // Only when the zone below Normal is DMA32 and populated (BUILD_BUG_ON(ZONE_NORMAL - ZONE_DMA32 != 1)).
    if (preferred.idx !== ZONE_NORMAL || !this.zones[ZONE_DMA32]!.configured) return 0;
    return this.zones[ZONE_DMA32]!.populated() ? ALLOC_NOFRAGMENT : 0;
  }

  /** __zone_watermark_ok() */
  zoneWatermarkOk(
    zone: Zone,
    order: number,
    mark: number,
    highestZoneidx: number,
    allocFlags: number,
  ): boolean {
    let min = mark;
    const freePages = zone.nrFreePages - ((1 << order) - 1);
    if (allocFlags & ALLOC_MIN_RESERVE) min -= Math.floor(min / 2);
    if (freePages <= min + zone.lowmemReserve[highestZoneidx]!) return false;
    if (!order) return true;
    for (let o = order; o < this.nrOrders; o++) {
      if (!zone.nrFree[o]) continue;
      for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++)
        if (!this.pages.listEmpty(zone.freeList(o, mt))) return true;
      // Only the mapped lists (freetype flags 0) count, as in v2: a block of this order that is
      // free only on the UNMAPPED list does not pass the high-order check.
    }
    return false;
  }

  /** get_page_from_freelist(): walk the zonelist from the highest usable zone down. */
  private getPageFromFreelist(
    order: number,
    allocFlags: number,
    highestZoneidx: number,
    mt: number,
    cpu: number,
    unmapped = false,
  ): number {
    this.trace.enter('get_page_from_freelist');
    try {
      for (;;) {
        for (let z = highestZoneidx; z >= 0; z--) {
          const zone = this.zones[z]!;
          if (!zone.managedPages) continue;
          if (!(allocFlags & ALLOC_NO_WATERMARKS)) {
            const mark = zone.watermark[allocFlags & ALLOC_WMARK_MASK]!;
            if (!this.zoneWatermarkOk(zone, order, mark, highestZoneidx, allocFlags)) continue;
          }
          let pfn: number;
          this.trace.enter('rmqueue');
          try {
            pfn = unmapped
              ? this.rmqueueUnmapped(zone, order, allocFlags, cpu)
              : this.pcpAllowedOrder(order)
                ? this.rmqueuePcplist(zone, order, mt, allocFlags, cpu)
                : this.rmqueue1(zone, order, mt, allocFlags);
          } finally {
            this.trace.leave();
          }
          if (pfn >= 0) {
            this.vmstat.addItem(PGALLOC[zone.idx]!, 1 << order);
            return pfn;
          }
        }
        // The first pass kept Normal-zone allocations from fragmenting other types' blocks; retry without.
        if (allocFlags & ALLOC_NOFRAGMENT) {
          allocFlags &= ~ALLOC_NOFRAGMENT;
          continue;
        }
        return -1;
      }
    } finally {
      this.trace.leave();
    }
  }

  /**
   * __alloc_pages(): allocate 2^order contiguous pages. Returns the first pfn, or -1 after printing
   * the kernel's allocation-failure line. The fast path checks the low watermark; the slow path
   * wakes kswapd, retries at the min watermark and reclaims directly (no compaction here).
   */
  allocPages(gfp: number, order: number, cpu = 0): number {
    this.curCpu = cpu;
    this.failedBeforeOom = false;
    this.trace.enter('__alloc_pages'); // enter/leave, not call(): no closure per page
    try {
      if (order > this.cfg.maxOrder) {
        this.reportFailure(gfp, order);
        return -1;
      }
      const highestZoneidx = this.gfpZone(gfp);
      const mt = gfpMigratetype(gfp);
      const unmapped = (gfp & GFP.__GFP_UNMAPPED) !== 0;
      if (unmapped) {
        // __GFP_UNMAPPED exists only with CONFIG_PAGE_ALLOC_UNMAPPED (a build error without it).
        if (!this.unmappedHooks) throw new Error('__GFP_UNMAPPED needs page_alloc_unmapped=yes');
        // gfp_freetype(): only UNMOVABLE|UNMAPPED has a free list.
        if (mt !== MIGRATE_UNMOVABLE) {
          this.reportFailure(gfp, order);
          return -1;
        }
        // prepare_alloc_pages() (v2 20/22): WARN_ON(!mermap_ready()) → NULL before the slow path,
        // so no "page allocation failure" report and no OOM killer.
        if (!this.unmappedHooks.mermapReady(cpu)) {
          this.onPrintk(
            `WARNING: CPU: ${cpu} at mm/page_alloc.c prepare_alloc_pages: WARN_ON(!mermap_ready()): __GFP_UNMAPPED without a prepared mermap`,
          );
          if (this.trace.on) this.trace.emit({ type: 'alloc_fail', order, gfp });
          this.failedBeforeOom = true;
          return -1;
        }
      }
      let preferred = highestZoneidx;
      while (preferred > 0 && !this.zones[preferred]!.managedPages) preferred--;
      // init_alloc_flags() (v2): an allocation that cannot direct-reclaim may be atomic.
      const noblock = gfp & GFP.__GFP_DIRECT_RECLAIM ? 0 : ALLOC_NOBLOCK;
      let allocFlags = ALLOC_WMARK_LOW | this.allocFlagsNofragment(this.zones[preferred]!) | noblock;
      let pfn = this.getPageFromFreelist(order, allocFlags, highestZoneidx, mt, cpu, unmapped);
      if (pfn < 0) {
        // __alloc_pages_slowpath(): gfp_to_alloc_flags() → min watermark, less for __GFP_HIGH.
        allocFlags = ALLOC_WMARK_MIN | (gfp & GFP.__GFP_HIGH ? ALLOC_MIN_RESERVE : 0) | noblock;
        pfn = this.trace.call('__alloc_pages_slowpath', () =>
          this.allocPagesSlowpath(gfp, order, allocFlags, highestZoneidx, mt, cpu, unmapped),
        );
      }
      if (pfn < 0) {
        this.reportFailure(gfp, order);
        return -1;
      }
      this.postAllocHook(pfn, order, gfp);
      if (this.trace.on) this.trace.emit({ type: 'mm_page_alloc', pfn, order, migratetype: mt, gfp });
      return pfn;
    } finally {
      this.trace.leave();
    }
  }

  /**
   * __alloc_pages_slowpath(): wake kswapd (__GFP_KSWAPD_RECLAIM), retry at the min watermark,
   * then, if the caller may sleep (__GFP_DIRECT_RECLAIM), reclaim directly and retry while that
   * makes progress (should_reclaim_retry, at most MAX_RECLAIM_RETRIES rounds). The OOM killer
   * after that is the caller's (__alloc_pages_may_oom: mm/oom_kill.ts).
   */
  private allocPagesSlowpath(
    gfp: number,
    order: number,
    allocFlags: number,
    highestZoneidx: number,
    mt: number,
    cpu: number,
    unmapped: boolean,
  ): number {
    const hooks = this.inReclaim ? undefined : this.reclaimHooks;
    if (!hooks) return this.getPageFromFreelist(order, allocFlags, highestZoneidx, mt, cpu, unmapped);
    if (gfp & GFP.__GFP_KSWAPD_RECLAIM) hooks.wakeKswapd(order, highestZoneidx);
    let pfn = this.getPageFromFreelist(order, allocFlags, highestZoneidx, mt, cpu, unmapped);
    this.inReclaim = true;
    try {
      if (pfn < 0 && gfp & GFP.__GFP_DIRECT_RECLAIM) {
        for (let round = 0; pfn < 0 && round < MAX_RECLAIM_RETRIES; round++) {
          const progress = this.trace.call('__alloc_pages_direct_reclaim', () =>
            hooks.directReclaim(highestZoneidx, cpu),
          );
          this.curCpu = cpu;
          pfn = this.getPageFromFreelist(order, allocFlags, highestZoneidx, mt, cpu, unmapped);
          if (!progress) break;
        }
      }
      // kswapd, if woken, runs now: the model's defined point for the thread (mm/kswapd.ts)
      hooks.runKswapd(cpu);
    } finally {
      this.inReclaim = false;
      this.curCpu = cpu;
    }
    return pfn;
  }

  private reportFailure(gfp: number, order: number): void {
    if (this.trace.on) this.trace.emit({ type: 'alloc_fail', order, gfp });
    // An allocation that may reclaim, of a small order, does not fail in Linux: the slow path calls
    // the OOM killer (__alloc_pages_may_oom) and retries. The caller does that here (mm/oom_kill.ts),
    // so no failure warning is printed for it.
    if (wouldInvokeOom(gfp, order) && !this.failedBeforeOom) return;
    if (!(gfp & GFP.__GFP_NOWARN)) {
      this.onPrintk(
        `page allocation failure: order:${order}, mode:0x${gfp.toString(16)}(${formatGfp(gfp)}), nodemask=(null)`,
      );
    }
  }

  /**
   * __free_pages() at refcount zero → free_frozen_pages(): low orders go to this CPU's pcp list,
   * others straight back to the buddy lists.
   */
  freePages(pfn: number, order: number, cpu = 0): void {
    this.curCpu = cpu;
    this.trace.enter('__free_pages'); // enter/leave, not call(): no closure per page
    try {
      this.trace.enter('free_pages_prepare');
      try {
        this.freePagesPrepare(pfn, order);
      } finally {
        this.trace.leave();
      }
      this.vmstat.addItem(PGFREE, 1 << order);
      if (this.trace.on) this.trace.emit({ type: 'mm_page_free', pfn, order });
      const zone = this.zoneOf(pfn);
      if (!this.pcpAllowedOrder(order)) {
        this.trace.enter('free_one_page');
        try {
          this.freeOnePage(zone, pfn, order, FPI_NONE);
        } finally {
          this.trace.leave();
        }
        return;
      }
      // Unmapped pages skip the pcp lists here. v2 gives them a pcp bank of their own
      // (order_to_pindex(), linux-mm@f42bec43 mm/page_alloc.c); the emulator frees them straight to
      // the UNMAPPED buddy list (a simplification).
      if (this.cfg.pageAllocUnmapped && this.pageblocks.unmapped(pfn)) {
        this.trace.enter('free_one_page');
        try {
          this.freeOnePage(zone, pfn, order, FPI_NONE);
        } finally {
          this.trace.leave();
        }
        return;
      }
      let mt = this.pageblocks.migratetype(pfn);
      if (mt >= MIGRATE_PCPTYPES) {
        if (mt === MIGRATE_ISOLATE) {
          this.trace.enter('free_one_page');
          try {
            this.freeOnePage(zone, pfn, order, FPI_NONE);
          } finally {
            this.trace.leave();
          }
          return;
        }
        mt = MIGRATE_MOVABLE;
      }
      this.freePcp(zone, pfn, order, mt, cpu);
    } finally {
      this.trace.leave();
    }
  }

  /**
   * __free_pages_core(): memblock_free_all() releasing boot memory. Clears PG_reserved, raises
   * managed_pages and frees to the tail of the lists (FPI_TO_TAIL).
   */
  freePagesCore(pfn: number, order: number): void {
    const p = this.pages;
    const n = 1 << order;
    for (let i = 0; i < n; i++) {
      p.flags[pfn + i] = p.flags[pfn + i]! & ~PG.reserved;
      p.owner[pfn + i] = Owner.None;
      p.refcount[pfn + i] = 0;
    }
    const zone = this.zoneOf(pfn);
    zone.managedPages += n;
    this.freeOnePage(zone, pfn, order, FPI_TO_TAIL);
  }

  // --- boot-time zone setup -------------------------------------------------------------------

  /**
   * gfp_zone(): the highest zone the allocation may use. Zone modifiers name zones the architecture
   * may not have: __GFP_DMA32 without ZONE_DMA32 means Normal; __GFP_HIGHMEM without HighMem, Normal.
   */
  gfpZone(gfp: number): number {
    const z = gfpZone(gfp);
    const has = (i: number) => this.zones[i]!.configured;
    if (z === ZONE_DMA) return has(ZONE_DMA) ? ZONE_DMA : ZONE_NORMAL;
    if (z === ZONE_DMA32) return has(ZONE_DMA32) ? ZONE_DMA32 : ZONE_NORMAL;
    if (z === ZONE_MOVABLE)
      return has(ZONE_MOVABLE) ? ZONE_MOVABLE : has(ZONE_HIGHMEM) ? ZONE_HIGHMEM : ZONE_NORMAL;
    if (gfp & GFP.__GFP_HIGHMEM && has(ZONE_HIGHMEM)) return ZONE_HIGHMEM;
    return ZONE_NORMAL;
  }

  /** Non-empty zones that count as lowmem (every zone on 64-bit but Movable/Device). */
  private lowmemZones(): Zone[] {
    return this.zones.filter((z) => z.idx <= ZONE_NORMAL);
  }

  /** nr_free_buffer_pages(): managed pages above the high watermark in zones GFP_USER may use. */
  nrFreeBufferPages(): number {
    let sum = 0;
    for (const z of this.lowmemZones()) sum += Math.max(0, z.managedPages - z.highWmark());
    return sum;
  }

  /** calculate_min_free_kbytes(): int_sqrt(lowmem_kbytes * 16), clamped to [128, 262144]. */
  calculateMinFreeKbytes(): void {
    const lowmemKbytes = this.nrFreeBufferPages() * (this.pageSize >> 10);
    const v = Math.floor(Math.sqrt(lowmemKbytes * 16));
    this.minFreeKbytes = Math.min(Math.max(v, 128), 262144);
  }

  /** __setup_per_zone_wmarks(): share pages_min between zones by managed pages; low/high/promo above it. */
  setupPerZoneWmarks(): void {
    this.trace.call('setup_per_zone_wmarks', () => {
      const pagesMin = this.minFreeKbytes >> (this.cfg.pageShift - 10);
      let lowmemPages = 0;
      // !ZONE_HIGHMEM and !ZONE_MOVABLE
      for (const z of this.zones)
        if (z.idx !== ZONE_MOVABLE && z.idx !== ZONE_HIGHMEM) lowmemPages += z.managedPages;
      for (const z of this.zones) {
        const managed = z.managedPages;
        const tmp = lowmemPages ? Math.floor((pagesMin * managed) / lowmemPages) : 0;
        if (z.idx === ZONE_MOVABLE || z.idx === ZONE_HIGHMEM) {
          // __GFP_HIGH and PF_MEMALLOC allocations rarely need movable pages: cap min small.
          z.watermark[WMARK_MIN] = Math.min(Math.max(Math.floor(managed / 1024), 32), 128);
        } else z.watermark[WMARK_MIN] = tmp;
        const delta = Math.max(tmp >> 2, Math.floor((managed * 10) / 10000));
        z.watermarkBoost = 0;
        z.watermark[WMARK_LOW] = z.watermark[WMARK_MIN]! + delta;
        z.watermark[WMARK_HIGH] = z.watermark[WMARK_LOW]! + delta;
        z.watermark[WMARK_PROMO] = z.watermark[WMARK_HIGH]! + delta;
      }
      this.calculateTotalreservePages();
    });
  }

  /** setup_per_zone_lowmem_reserve(): how much of a lower zone an upper-zone allocation must leave. */
  setupPerZoneLowmemReserve(): void {
    for (let i = 0; i < MAX_NR_ZONES - 1; i++) {
      const zone = this.zones[i]!;
      const ratio = LOWMEM_RESERVE_RATIO[i]!;
      const clear = !ratio || !zone.managedPages;
      let managed = 0;
      for (let j = i + 1; j < MAX_NR_ZONES; j++) {
        managed += this.zones[j]!.managedPages;
        zone.lowmemReserve[j] = clear ? 0 : Math.floor(managed / ratio);
      }
    }
    this.calculateTotalreservePages();
  }

  /** calculate_totalreserve_pages(): for MemAvailable. */
  private calculateTotalreservePages(): void {
    let reserve = 0;
    for (const z of this.zones) {
      let max = 0;
      for (const r of z.lowmemReserve) max = Math.max(max, r);
      max += z.highWmark();
      reserve += Math.min(max, z.managedPages);
    }
    this.totalreservePages = reserve;
  }

  /** zone_batchsize(): ~0.025% of the zone or 256 KiB, whichever is smaller, clamped to 2^n - 1. */
  zoneBatchsize(zone: Zone): number {
    const batch = Math.min(Math.floor(zone.managedPages / 4096), Math.floor((256 * 1024) / this.pageSize));
    if (batch <= 1) return 1;
    const x = batch + Math.floor(batch / 2);
    return (1 << (31 - Math.clz32(x))) - 1;
  }

  /** zone_highsize(): pcp->high from the low watermark (or a fraction of the zone), split over the CPUs. */
  zoneHighsize(zone: Zone, batch: number, highFraction: number): number {
    const total = highFraction ? Math.floor(zone.managedPages / highFraction) : zone.lowWmark();
    const high = Math.floor(total / this.cfg.nrCpus);
    return Math.max(high, batch << 2);
  }

  /**
   * zone_pcp_update() / zone_set_pageset_high_and_batch(). Simplified: pcp->high is clamped into
   * [high_min, high_max] on use, but the kernel's auto-tuning inside that range (pcp->alloc_factor,
   * decay_pcp_high) is not modelled.
   */
  setupPagesets(): void {
    for (const z of this.zones) {
      const batch = Math.max(1, this.zoneBatchsize(z));
      const highMin = this.zoneHighsize(z, batch, 0);
      const highMax = this.zoneHighsize(z, batch, 8);
      // pageset_update() sets batch and the bounds only: pcp->high stays at BOOT_PAGESET_HIGH (0)
      // until the zone's pcp is first used, which is why an idle zone shows "high: 0".
      for (const pcp of z.pcp) {
        pcp.batch = batch;
        pcp.highMin = highMin;
        pcp.highMax = highMax;
      }
    }
  }

  /** Total free pages in the buddy lists (nr_free_pages()). */
  nrFreePages(): number {
    let n = 0;
    for (const z of this.zones) n += z.nrFreePages;
    return n;
  }

  /** Pages sitting on pcp lists (free, but not counted in NR_FREE_PAGES or buddyinfo). */
  nrPcpPages(): number {
    let n = 0;
    for (const z of this.zones) for (const pcp of z.pcp) n += pcp.count;
    return n;
  }

  /** Pages on the pcp lists of one zone, all CPUs. */
  pcpLists(zone: Zone, cpu: number): { pindex: number; order: number; pfns: number[] }[] {
    const pcp = zone.pcp[cpu]!;
    const out = [];
    for (let i = 0; i < NR_PCP_LISTS; i++) {
      const pfns = this.pages.listEntries(pcp.listBase + i);
      if (pfns.length) out.push({ pindex: i, order: pindexToOrder(i, this.cfg.thpOrder), pfns });
    }
    return out;
  }
}
