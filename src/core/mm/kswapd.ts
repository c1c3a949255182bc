/**
 * kswapd (mm/vmscan.c: wakeup_kswapd, kswapd, balance_pgdat, pgdat_balanced) and the allocator's
 * reclaim hooks (mm/page_alloc.c: wake_all_kswapds, __alloc_pages_direct_reclaim).
 *
 * An allocation that finds every zone below its low watermark wakes the node's kswapd
 * (wakeup_kswapd), then retries at the min watermark; below min it reclaims itself
 * (try_to_free_pages, "direct reclaim") before the OOM killer, which stays the last step.
 * kswapd, once woken, reclaims until a zone is back above its high watermark (balance_pgdat)
 * and sleeps again.
 *
 * In Linux kswapd is a kernel thread that runs beside the allocating task. The model runs it
 * synchronously at one defined point: at the end of the allocation that woke it (after that
 * allocation's own min-watermark retry and direct reclaim, so the allocation itself behaves as in
 * Linux), as the last step of the allocator's slow path. The timeline shows it there, nested in
 * the allocation; in Linux those steps run on kswapd's own CPU time. So direct reclaim is seen
 * when one allocation falls from above the low watermark to below min (a large order), or when
 * kswapd has given up (MAX_RECLAIM_RETRIES runs that freed nothing).
 */
import type { Machine } from '../machine.ts';
import { WMARK_HIGH, WMARK_LOW, WMARK_MIN } from './mmzone.ts';
import {
  inactiveIsLow,
  MAX_RECLAIM_RETRIES,
  newScanControl,
  shrinkActiveList,
  shrinkNode,
  SWAP_CLUSTER_MAX,
  tryToFreePages,
} from './vmscan.ts';

/** What a view shows of kswapd. */
export interface KswapdState {
  /** sleeping (in kswapd_try_to_sleep) or woken (kswapd_wait woken, waiting for its turn) */
  state: 'sleeping' | 'woken';
  /** the allocation that last woke it: order, highest zone index it may use, its zone's name */
  wakeup: { order: number; highestZoneidx: number; zone: string } | null;
  /** pgdat->kswapd_failures: balance_pgdat runs in a row that reclaimed nothing */
  failures: number;
  /** balance_pgdat runs so far (pageoutrun) */
  runs: number;
  /**
   * the last run: pages scanned and reclaimed, the lowest priority reached, the order it ended
   * balancing for (0 once enough was free for compaction), balanced at the end
   */
  last: { scanned: number; reclaimed: number; priority: number; order: number; balanced: boolean } | null;
}

export function newKswapdState(): KswapdState {
  return { state: 'sleeping', wakeup: null, failures: 0, runs: 0, last: null };
}

/** A zone's watermarks and free pages, for the gauge a view draws beside kswapd's state. */
export interface ZoneWatermarks {
  zone: string;
  free: number;
  min: number;
  low: number;
  high: number;
  managed: number;
}

/** kswapd's state and each managed zone's free pages against its watermarks (a view's input). */
export function inspectKswapd(m: Machine): { kswapd: KswapdState; zones: ZoneWatermarks[] } {
  return {
    kswapd: {
      ...m.kswapd,
      wakeup: m.kswapd.wakeup && { ...m.kswapd.wakeup },
      last: m.kswapd.last && { ...m.kswapd.last },
    },
    zones: m.alloc.zones
      .filter((z) => z.managedPages)
      .map((z) => ({
        zone: z.name,
        free: z.nrFreePages,
        min: z.watermark[WMARK_MIN]!,
        low: z.watermark[WMARK_LOW]!,
        high: z.watermark[WMARK_HIGH]!,
        managed: z.managedPages,
      })),
  };
}

/**
 * pgdat_balanced(): some zone the request may use is above its high watermark for `order`
 * (zone_watermark_ok_safe, the lowmem reserve included).
 */
export function pgdatBalanced(m: Machine, order: number, highestZoneidx: number): boolean {
  let managed = false;
  for (let i = 0; i <= highestZoneidx; i++) {
    const z = m.alloc.zones[i]!;
    if (!z.managedPages) continue;
    managed = true;
    if (m.alloc.zoneWatermarkOk(z, order, z.watermark[WMARK_HIGH]!, highestZoneidx, 0)) return true;
  }
  // a node with no managed zone within highest_zoneidx does not need balancing
  return !managed;
}

/**
 * wakeup_kswapd(): an allocation fell below the low watermark. A node that is balanced, or whose
 * kswapd has failed MAX_RECLAIM_RETRIES times (it would not help: direct reclaim will, or the
 * OOM killer), is left alone; otherwise kswapd is woken for the largest order asked since.
 */
export function wakeupKswapd(m: Machine, order: number, highestZoneidx: number): void {
  m.trace.call('wakeup_kswapd', () => {
    const k = m.kswapd;
    if (k.failures >= MAX_RECLAIM_RETRIES || pgdatBalanced(m, order, highestZoneidx)) return;
    if (k.state === 'woken' && k.wakeup) {
      // kswapd_order / kswapd_highest_zoneidx only ever grow until kswapd runs
      k.wakeup.order = Math.max(k.wakeup.order, order);
      k.wakeup.highestZoneidx = Math.max(k.wakeup.highestZoneidx, highestZoneidx);
      k.wakeup.zone = m.alloc.zones[k.wakeup.highestZoneidx]!.name;
      return;
    }
    k.state = 'woken';
    k.wakeup = { order, highestZoneidx, zone: m.alloc.zones[highestZoneidx]!.name };
  });
}

/**
 * balance_pgdat(): kswapd's reclaim. At falling priority, while no eligible zone is above its
 * high watermark: age the active anon list if the inactive one is low (kswapd_age_node), then
 * shrink_node aiming at each zone's high watermark (kswapd_shrink_node). The priority rises
 * (the shift falls) when a pass scanned less than its target or freed nothing. A run that freed
 * nothing counts as a failure. Returns the pages reclaimed.
 */
export function balancePgdat(m: Machine, reqOrder: number, highestZoneidx: number, cpu: number): number {
  return m.trace.call('balance_pgdat', () => {
    m.vmstat.inc('pageoutrun');
    let order = reqOrder;
    const sc = newScanControl('kswapd', 0, cpu);
    let scanned = 0;
    let balanced = false;
    do {
      if (pgdatBalanced(m, order, highestZoneidx)) {
        balanced = true;
        break;
      }
      // kswapd_age_node()
      if (m.swap.nrSwapPages > 0 && inactiveIsLow(m, 'inactive_anon'))
        shrinkActiveList(m, SWAP_CLUSTER_MAX, sc, 'active_anon');
      // kswapd_shrink_node(): reclaim for every eligible zone's high watermark
      sc.nrToReclaim = 0;
      for (let i = 0; i <= highestZoneidx; i++) {
        const z = m.alloc.zones[i]!;
        if (z.managedPages) sc.nrToReclaim += Math.max(z.watermark[WMARK_HIGH]!, SWAP_CLUSTER_MAX);
      }
      const before = sc.nrReclaimed;
      sc.nrScanned = 0;
      shrinkNode(m, sc);
      scanned += sc.nrScanned;
      // kswapd_shrink_node(): once enough is free for compaction to make a block of the order
      // (compact_gap: 2 << order pages), balance for order 0; kcompactd (not modelled) does the rest
      if (order && sc.nrReclaimed >= 2 << order) order = 0;
      const raisePriority = sc.nrScanned < sc.nrToReclaim;
      if (raisePriority || sc.nrReclaimed === before) sc.priority--;
    } while (sc.priority >= 1);
    if (!balanced) balanced = pgdatBalanced(m, order, highestZoneidx);
    m.kswapd.failures = sc.nrReclaimed ? 0 : m.kswapd.failures + 1;
    m.kswapd.runs++;
    m.kswapd.last = { scanned, reclaimed: sc.nrReclaimed, priority: sc.priority, order, balanced };
    return sc.nrReclaimed;
  });
}

/**
 * kswapd(): if woken, run balance_pgdat for the order and zone it was woken for, then sleep
 * (kswapd_try_to_sleep). The model's defined point for it: the end of the allocation that
 * woke it. Returns the pages reclaimed (0 when it was asleep).
 */
export function kswapdRunIfWoken(m: Machine, cpu = 0): number {
  const k = m.kswapd;
  if (k.state !== 'woken' || !k.wakeup) return 0;
  return m.trace.call('kswapd', () => {
    const { highestZoneidx } = k.wakeup!;
    let order = k.wakeup!.order;
    let got = 0;
    // kswapd_try_to_sleep() sleeps only on a balanced node: otherwise kswapd() loops into
    // balance_pgdat() again, until it balances or has failed MAX_RECLAIM_RETRIES times. The model
    // bounds the loop to MAX_RECLAIM_RETRIES runs per wakeup (Linux's thread would go on while
    // each run frees something).
    for (let i = 0; i < MAX_RECLAIM_RETRIES; i++) {
      got += balancePgdat(m, order, highestZoneidx, cpu);
      order = k.last!.order;
      if (k.failures >= MAX_RECLAIM_RETRIES || pgdatBalanced(m, order, highestZoneidx)) break;
    }
    k.state = 'sleeping';
    return got;
  });
}

/**
 * The allocator's slow-path hooks (mm/page_alloc.c): wake_all_kswapds() and
 * __alloc_pages_direct_reclaim() → try_to_free_pages(). Installed by the Machine and again on a
 * restored copy (snapshot.ts rebindMachine).
 */
export function installReclaim(m: Machine): void {
  m.alloc.reclaimHooks = {
    wakeKswapd: (order, highestZoneidx) => wakeupKswapd(m, order, highestZoneidx),
    directReclaim: (highestZoneidx, cpu) => tryToFreePages(m, m.alloc.zones[highestZoneidx]!.name, cpu),
    runKswapd: (cpu) => void kswapdRunIfWoken(m, cpu),
  };
}
