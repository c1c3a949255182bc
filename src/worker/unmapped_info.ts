/**
 * The worker side of the unmapped-pages panel (CONFIG_PAGE_ALLOC_UNMAPPED, the __GFP_UNMAPPED series):
 * `describeUnmapped` reads the machine into an UnmappedInfo (protocol.ts), and `ZeroingRecorder`
 * turns the core's trace events into the page-by-page steps of the last kernel_init_pages() call.
 * Kept out of host.ts, which only wires them in.
 */
import type { Machine } from '../core/machine.ts';
import { directMapModelled, directMapWalkEnd } from '../core/mm/direct_map.ts';
import { MERMAP_BASE_ADDR, MERMAP_CPU_PAGES } from '../core/mm/mermap.ts';
import type { MmStruct } from '../core/mm/mm_types.ts';
import { FREETYPE_IDX_UNMAPPED } from '../core/mm/mmzone.ts';
import { TLB_ENTRIES } from '../core/mm/tlb.ts';
import type { Session } from '../core/scenario/run.ts';
import type { KEvent } from '../core/trace.ts';
import {
  DM_ABSENT,
  DM_NONE,
  DM_PARTIAL,
  DM_PRESENT,
  DM_SPLIT,
  FREETYPE_HOLE,
  MAX_ZERO_STEPS,
  type CpuView,
  type MermapCpuView,
  type TlbEntryView,
  type UnmappedInfo,
  type ZeroingRun,
} from './protocol.ts';

/**
 * Builds ZeroingRun records from trace events: a `kernel_init_block` with block 0 starts a new
 * kernel_init_pages() call; mapped blocks are cleared through the direct map (the core clears such a
 * block in one loop, so its pages become steps here), unmapped ones through the mermap, one
 * `mermap_clear_page` per page, on the fast path (one slot for the run) or the slow path (mermap_get_reserved per page).
 */
export class ZeroingRecorder {
  private run: ZeroingRun | null = null;
  private nextId = 1;
  /** what is running now (a scenario line, a command), recorded as the run's label */
  label = '';

  constructor(private readonly mode: 'as_posted' | 'per_block') {}

  get last(): ZeroingRun | null {
    return this.run;
  }

  add(e: KEvent): void {
    if (e.type === 'kernel_init_block') {
      if (e.block === 0 || !this.run)
        this.run = {
          id: this.nextId++,
          label: this.label,
          cpu: e.cpu,
          mode: this.mode,
          blocks: [],
          steps: [],
          totalSteps: 0,
        };
      const r = this.run;
      const block = r.blocks.length;
      r.blocks.push({
        pfn: e.pfn,
        nrPages: e.nrPages,
        unmapped: e.unmapped,
        path: e.unmapped ? 'slow' : 'direct_map',
        slot: -1,
      });
      if (!e.unmapped) for (let i = 0; i < e.nrPages; i++) this.step(e.pfn + i, block, 'direct_map');
      return;
    }
    const r = this.run;
    const b = r?.blocks[r.blocks.length - 1];
    if (!r || !b || !b.unmapped || e.path[e.path.length - 1] !== 'clear_page_mermap') return;
    if (e.type === 'mermap_get' && e.holder === 'kernel_init_pages' && e.slot >= 0) {
      b.path = 'fast';
      b.slot = e.slot;
    } else if (e.type === 'mermap_clear_page') {
      this.step(e.pfn, r.blocks.length - 1, e.reserved ? 'slow' : 'fast');
    }
  }

  private step(pfn: number, block: number, via: 'direct_map' | 'fast' | 'slow'): void {
    const r = this.run!;
    r.totalSteps++;
    if (r.steps.length < MAX_ZERO_STEPS) r.steps.push({ pfn, block, via });
  }
}

/**
 * DM_* for every pageblock. One walk covers everything under a large leaf (2 MiB, 1 GiB) or an
 * empty upper-level entry (a hole), so a 16 GiB machine mapped with 1 GiB leaves costs a few dozen
 * walks; only a block under 4 KiB PTEs has its pages looked at one by one.
 */
function directMapCoverage(m: Machine, out: Uint8Array, pbn: number): void {
  const nrPages = m.pages.nrPages;
  for (let b = 0; b < out.length;) {
    const pfn = b * pbn;
    const w = directMapWalkEnd(m, pfn);
    if (w.span >= pbn) {
      const end = Math.min(out.length, (Math.floor(pfn / w.span) * w.span + w.span) / pbn);
      out.fill(w.none ? DM_NONE : w.present ? DM_PRESENT : DM_ABSENT, b, end);
      b = end;
      continue;
    }
    out[b] = coverage4k(m, pfn, Math.min(pbn, nrPages - pfn));
    b++;
  }
}

/** The coverage of [pfn, pfn + n) page by page (4 KiB PTEs, or no entry). */
function coverage4k(m: Machine, pfn: number, n: number): number {
  let present = 0;
  let none = 0;
  for (let i = 0; i < n; i++) {
    const w = directMapWalkEnd(m, pfn + i);
    if (w.none) none++;
    else if (w.present) present++;
  }
  if (none === n) return DM_NONE;
  if (present === n - none) return DM_SPLIT;
  return present === 0 ? DM_ABSENT : DM_PARTIAL;
}

function tlbEntryKind(m: Machine, kernel: boolean, vpn: number): TlbEntryView['kind'] {
  if (!kernel && BigInt(vpn) * BigInt(m.pageSize) >= MERMAP_BASE_ADDR) return 'mermap';
  return kernel ? 'direct map' : 'user';
}

/** Everything the unmapped-pages panel shows. `transfer` receives the two per-pageblock buffers. */
export function describeUnmapped(
  m: Machine,
  session: Session,
  recorder: ZeroingRecorder | null,
  transfer: Transferable[],
): UnmappedInfo {
  const pbn = 1 << m.arch.pageblockOrder;
  const nrBlocks = Math.ceil(m.pages.nrPages / pbn);
  const freetypes = new Uint8Array(nrBlocks);
  const directMap = new Uint8Array(nrBlocks);
  const modelled = directMapModelled(m);
  let unmappedBlocks = 0;
  if (m.booted) {
    for (let b = 0; b < nrBlocks; b++) {
      const pfn = b * pbn;
      const ft = m.alloc.pageblockFreetype(pfn);
      freetypes[b] = ft;
      if (ft === FREETYPE_IDX_UNMAPPED) unmappedBlocks++;
    }
    if (modelled) {
      directMapCoverage(m, directMap, pbn);
      // No direct-map entry: a hole in the physical map (the PCI hole below 4 GiB), not memory of
      // some migratetype; the map shows it as such.
      for (let b = 0; b < nrBlocks; b++)
        if (directMap[b] === DM_NONE && freetypes[b] !== FREETYPE_IDX_UNMAPPED) freetypes[b] = FREETYPE_HOLE;
    }
  }
  transfer.push(freetypes.buffer, directMap.buffer);

  const mmName = (mm: MmStruct): string => {
    for (const p of session.procs.values()) if (p.task.mm === mm) return p.name;
    for (const t of m.tasks.values()) if (t.mm === mm) return t.comm;
    return 'dead mm';
  };
  const ctxName = (ctx: number): string | null => {
    if (!ctx) return null;
    for (const t of m.tasks.values()) if (t.mm && t.mm.ctxId === ctx) return mmName(t.mm);
    return `ctx ${ctx}`;
  };
  const ps = BigInt(m.pageSize);
  const cpus: CpuView[] = modelled
    ? m.tlb.cpus.map((t, cpu) => ({
        cpu,
        irqsOn: t.irqsOn,
        mm: t.loadedMm ? mmName(t.loadedMm) : null,
        pcid: t.pcid,
        asids: t.asidCtx.map(ctxName),
        tlbSize: TLB_ENTRIES,
        entries: t.entries.flatMap((e) => {
          if (!e) return [];
          const va = e.kernel ? m.arch.pageOffset + BigInt(e.vpn) * ps : BigInt(e.vpn) * ps;
          const size: TlbEntryView['size'] = e.pages === 1 ? '4K' : e.pages === 512 ? '2M' : '1G';
          return [
            {
              va: '0x' + va.toString(16).padStart(16, '0'),
              size,
              pfn: e.pfn,
              writable: e.writable,
              global: e.global,
              pcid: e.pcid,
              kind: tlbEntryKind(m, e.kernel, e.vpn),
            },
          ];
        }),
      }))
    : [];
  const mermaps = [...m.mermaps].map(([mm, mer]) => ({
    mm: mmName(mm),
    cpus: mer.cpu.map((mc, cpu): MermapCpuView => ({
      cpu,
      base: '0x' + (MERMAP_BASE_ADDR + BigInt(cpu * MERMAP_CPU_PAGES) * ps).toString(16),
      ptePfn: mc.ptePfn,
      next: mc.next,
      limit: MERMAP_CPU_PAGES - 1,
      slots: mc.allocs.map((a) => ({ inUse: a.inUse, base: a.base, end: a.end, holder: a.holder })),
      headroomInUse: mc.allocs.some((a) => a.inUse && a.end > MERMAP_CPU_PAGES - 1),
      needFlush: mc.needFlush,
      gets: mc.gets,
      getFailures: mc.getFailures,
      reservedGets: mc.reservedGets,
      reservedFailures: mc.reservedFailures,
      localFlushes: mc.localFlushes,
    })),
  }));
  const s = m.mermapStats;
  return {
    enabled: m.cfg.pageAllocUnmapped ?? false,
    directMapModelled: modelled,
    booted: m.booted,
    zeroing: m.cfg.unmappedZeroing ?? 'per_block',
    pcid: m.tlb.usePcid,
    pageblockPages: pbn,
    freetypes: freetypes.buffer,
    directMap: directMap.buffer,
    curCpu: session.cpu,
    cpus,
    mermaps,
    counters: {
      unmappedBlocks,
      flipsOut: m.alloc.directMapFlipsOut,
      flipsIn: m.alloc.directMapFlipsIn,
      mermapPagesCleared: m.alloc.mermapPagesCleared,
      fastRuns: s.fastRuns,
      fastPages: s.fastPages,
      slowPages: s.slowPages,
      shootdowns: m.tlb.shootdowns,
      localFlushes: m.tlb.localFlushes,
    },
    lastZeroing: recorder?.last ?? null,
  };
}
