/**
 * /proc/zoneinfo (mm/vmstat.c zoneinfo_show_print). Every zone of the node is printed, empty ones
 * too; counters this model does not drive print as 0, in the kernel's order.
 */
import type { Machine } from '../machine.ts';
import { WMARK_HIGH, WMARK_LOW, WMARK_MIN, WMARK_PROMO, type Zone } from '../mm/mmzone.ts';
import { NODE_STAT_NAMES, ZONE_STAT_NAMES } from './names.ts';
import { nodeStat } from './stats.ts';

/** fls(): position of the highest set bit, 1-based; fls(0) = 0. */
function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/** calculate_normal_threshold(): per-CPU vmstat drift allowed before folding into the zone. */
function statThreshold(m: Machine, z: Zone): number {
  const mem = Math.floor(z.managedPages / (1 << (27 - m.arch.pageShift)));
  return Math.min(125, 2 * fls(m.cfg.cpus) * (1 + fls(mem)));
}

function zoneStat(z: Zone, name: string): number {
  if (name === 'nr_free_pages') return z.nrFreePages;
  if (name === 'nr_free_pages_blocks') return z.nrFreePagesBlocks;
  return z.stat.get(name) ?? 0;
}

export function zoneinfo(m: Machine): string {
  let out = '';
  const firstPopulated = m.alloc.zones.find((z) => z.populated());
  const configured = m.alloc.zones.filter((z) => z.configured);
  for (const z of configured) {
    out += `Node 0, zone ${z.name.padStart(8)}`;
    if (z === firstPopulated) {
      out += '\n  per-node stats';
      for (const name of NODE_STAT_NAMES) out += `\n      ${name.padEnd(12)} ${nodeStat(m, name)}`;
    }
    out +=
      `\n  pages free     ${z.nrFreePages}` +
      `\n        boost    ${z.watermarkBoost}` +
      `\n        min      ${z.watermark[WMARK_MIN]}` +
      `\n        low      ${z.watermark[WMARK_LOW]}` +
      `\n        high     ${z.watermark[WMARK_HIGH]}` +
      `\n        promo    ${z.watermark[WMARK_PROMO]}` +
      `\n        spanned  ${z.spannedPages}` +
      `\n        present  ${z.presentPages}` +
      `\n        managed  ${z.managedPages}` +
      `\n        cma      0` +
      `\n        protection: (${configured.map((c) => z.lowmemReserve[c.idx]).join(', ')})`;
    if (!z.populated()) {
      out += '\n';
      continue;
    }
    for (const name of ZONE_STAT_NAMES) out += `\n      ${name.padEnd(12)} ${zoneStat(z, name)}`;
    out += '\n  pagesets';
    for (const pcp of z.pcp) {
      out +=
        `\n    cpu: ${pcp.cpu}` +
        `\n              count:    ${pcp.count}` +
        `\n              high:     ${pcp.high}` +
        `\n              batch:    ${pcp.batch}` +
        `\n              high_min: ${pcp.highMin}` +
        `\n              high_max: ${pcp.highMax}` +
        `\n  vm stats threshold: ${statThreshold(m, z)}`;
    }
    out += `\n  node_unreclaimable:  0\n  start_pfn:           ${z.zoneStartPfn}\n`;
  }
  return out;
}
