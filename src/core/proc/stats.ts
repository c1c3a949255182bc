/**
 * Values behind the counters /proc prints. Node and global counters are derived from the model's
 * state where it has one (free pages, page-table pages, anon pages) and read from vmstat events
 * otherwise; counters the model does not drive read 0.
 */
import type { Machine } from '../machine.ts';

export function nodeStat(m: Machine, name: string): number {
  return m.vmstat.get(name);
}

/** A /proc/vmstat value: zone sums for nr_free_*, node counters, then events. */
export function vmstatValue(m: Machine, name: string): number {
  switch (name) {
    case 'nr_free_pages':
      return m.alloc.nrFreePages();
    case 'nr_free_pages_blocks':
      return m.alloc.zones.reduce((s, z) => s + z.nrFreePagesBlocks, 0);
    case 'nr_swapcached':
      return m.swap.cache.size;
    default: {
      // the zone counters /proc/vmstat sums over zones (nr_zone_inactive_anon, ..., nr_mlock)
      if (name.startsWith('nr_zone_') || name === 'nr_mlock') {
        let sum = 0;
        let kept = false;
        for (const z of m.alloc.zones) {
          const v = z.stat.get(name);
          if (v !== undefined) {
            sum += v;
            kept = true;
          }
        }
        if (kept) return sum;
      }
      return m.vmstat.get(name);
    }
  }
}
