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
    default:
      return m.vmstat.get(name);
  }
}
