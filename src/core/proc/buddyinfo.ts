/**
 * /proc/buddyinfo and /proc/pagetypeinfo (mm/vmstat.c: frag_show_print, pagetypeinfo_show*).
 */
import type { Machine } from '../machine.ts';
import { FREETYPE_IDX_UNMAPPED, MIGRATETYPE_NAMES, MIGRATE_TYPES, type Zone } from '../mm/mmzone.ts';

function populatedZones(m: Machine): Zone[] {
  return m.alloc.zones.filter((z) => z.populated());
}

const pad = (s: string | number, w: number) => String(s).padStart(w);

/** frag_show_print(): "Node %d, zone %8s " then "%6lu " per order. */
export function buddyinfo(m: Machine): string {
  let out = '';
  for (const z of populatedZones(m)) {
    out += `Node 0, zone ${pad(z.name, 8)} `;
    for (let o = 0; o < m.alloc.nrOrders; o++) out += `${pad(z.nrFree[o]!, 6)} `;
    out += '\n';
  }
  return out;
}

/** Free blocks on one free list, counted up to the kernel's 100000 cap. */
function freeCount(m: Machine, z: Zone, order: number, mt: number): [number, boolean] {
  const head = z.freeList(order, mt);
  const p = m.pages;
  let n = 0;
  for (let e = p.next[head]!; e !== head; e = p.next[e]!) {
    if (++n >= 100000) return [n, true];
  }
  return [n, false];
}

export function pagetypeinfo(m: Machine): string {
  const nrPb = 1 << m.arch.pageblockOrder;
  let out = `Page block order: ${m.arch.pageblockOrder}\nPages per block:  ${nrPb}\n\n`;
  // pagetypeinfo_showfree()
  out += `${'Free pages count per migrate type at order'.padEnd(43)} `;
  for (let o = 0; o < m.alloc.nrOrders; o++) out += `${pad(o, 6)} `;
  out += '\n';
  for (const z of populatedZones(m)) {
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
      out += `Node ${pad(0, 4)}, zone ${pad(z.name, 8)}, type ${pad(MIGRATETYPE_NAMES[mt]!, 12)} `;
      for (let o = 0; o < m.alloc.nrOrders; o++) {
        const [n, overflow] = freeCount(m, z, o, mt);
        out += `${overflow ? '>' : ''}${pad(n, 6)} `;
      }
      out += '\n';
    }
    // CONFIG_PAGE_ALLOC_UNMAPPED: the UNMOVABLE|UNMAPPED list as one more row (an emulator choice [U]).
    if (m.cfg.pageAllocUnmapped) {
      out += `Node ${pad(0, 4)}, zone ${pad(z.name, 8)}, type ${pad('Unmapped', 12)} `;
      for (let o = 0; o < m.alloc.nrOrders; o++) {
        const [n, overflow] = freeCount(m, z, o, FREETYPE_IDX_UNMAPPED);
        out += `${overflow ? '>' : ''}${pad(n, 6)} `;
      }
      out += '\n';
    }
  }
  // pagetypeinfo_showblockcount()
  out += `\n${'Number of blocks type '.padEnd(23)}`;
  for (let mt = 0; mt < MIGRATE_TYPES; mt++) out += `${pad(MIGRATETYPE_NAMES[mt]!, 12)} `;
  out += '\n';
  for (const z of populatedZones(m)) {
    const count = new Array<number>(MIGRATE_TYPES).fill(0);
    for (let pfn = z.zoneStartPfn; pfn < z.endPfn; pfn += nrPb) count[m.pageblocks.migratetype(pfn)]!++;
    out += `Node 0, zone ${pad(z.name, 8)} `;
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) out += `${pad(count[mt]!, 12)} `;
    out += '\n';
  }
  return out;
}
