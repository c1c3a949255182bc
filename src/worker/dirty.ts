/**
 * Which frames changed: pfn ranges derived from the core's trace events, so that after an operation
 * the worker sends only those frames' state bytes instead of the whole grid.
 *
 * Every core event that concerns frames names them: `pfn` with an `order` (a 2^order block) or
 * `nrPages`, `startPfn` + `nrPages`, or a physical byte range (`memblock`'s `base` + `size`). Reading
 * those fields generically, rather than listing event types, keeps this right when the core gains
 * events. Two cases are not per-frame and mark everything: a boot step (the grid's colours depend on
 * how far boot has got, not only on the frames an event names) and a change of zero_page_pfn that
 * does not name its pfns.
 *
 * Ranges are rounded out to MAX_ORDER blocks (2^maxOrder pages). Machine.frameStates() learns that a
 * pfn is free from the PageBuddy head of its block, so a range must start at a block boundary or its
 * first frames (tails of a free block) would be misread; buddy blocks never cross a MAX_ORDER
 * boundary, so such a start is always safe. It also keeps the list short: one frame costs at most
 * one 4 MiB block of bytes (1 KiB).
 */
import { ERA_NAMES } from '../core/symbols.ts';
import type { KEvent } from '../core/trace.ts';

/** The zero page's pfn variable under either era's name (its trace event names it so). */
const ZERO_PFN_VARS = new Set(Object.values(ERA_NAMES).map((n) => n.pfnVar));

/**
 * Events that change no frame's state byte. A PTE write (`pte_set`) changes what a page-table frame
 * holds, not what the frame is; the frames a fault allocates or maps come with their own events.
 */
const NO_FRAMES = new Set<string>([
  'printk',
  'alloc_fail',
  'free_list_miss',
  'pageblock_migratetype',
  'boot_step',
  'pte_set',
  'page_fault',
  'rss',
  'task',
]);

export class DirtyRanges {
  private from: number[] = [];
  private to: number[] = [];
  private all = false;
  private readonly mask: number;

  constructor(
    readonly nrPages: number,
    /** MAX_PAGE_ORDER */
    maxOrder: number,
    private readonly pageShift: number,
  ) {
    this.mask = (1 << maxOrder) - 1;
  }

  get empty(): boolean {
    return !this.all && this.from.length === 0;
  }

  /** Mark pfns [from, to) dirty. */
  add(from: number, to: number): void {
    if (this.all) return;
    const s = Math.max(0, Math.floor(from)) & ~this.mask;
    const e = Math.min(this.nrPages, (Math.ceil(to) + this.mask) & ~this.mask);
    if (e <= s) return;
    this.from.push(s);
    this.to.push(e);
  }

  /** Forget what was marked; then mark `ranges` ([from, to) pairs; null: every frame). */
  reset(ranges: Uint32Array | null): void {
    this.all = false;
    this.from.length = 0;
    this.to.length = 0;
    if (!ranges) return this.markAll();
    for (let i = 0; i < ranges.length; i += 2) this.add(ranges[i]!, ranges[i + 1]!);
  }

  markAll(): void {
    this.all = true;
    this.from.length = 0;
    this.to.length = 0;
  }

  /** Mark the frames one core event concerns. */
  addEvent(e: KEvent): void {
    if (this.all || NO_FRAMES.has(e.type)) return;
    if (e.type === 'var') {
      if (!ZERO_PFN_VARS.has(e.name)) return;
      // Both the old and the new zero page change colour.
      for (const v of [e.before, e.after]) {
        const pfn = Number(BigInt(v));
        if (pfn > 0) this.add(pfn, pfn + 1);
      }
      return;
    }
    const f = e as unknown as Partial<
      Record<'pfn' | 'startPfn' | 'nrPages' | 'order' | 'base' | 'size', number>
    >;
    if (typeof f.base === 'number' && typeof f.size === 'number') {
      this.add(f.base / 2 ** this.pageShift, (f.base + f.size) / 2 ** this.pageShift);
      return;
    }
    const start = f.startPfn ?? f.pfn;
    if (typeof start !== 'number') {
      // An event we do not know, naming no frames: be safe rather than stale.
      this.markAll();
      return;
    }
    const n = f.nrPages ?? (typeof f.order === 'number' ? 2 ** f.order : 1);
    this.add(start, start + n);
  }

  /**
   * The dirty ranges, sorted and merged, as [from, to) pairs; then forget them. When most of the grid
   * is dirty a single full range is cheaper than many small ones.
   */
  take(): Uint32Array {
    if (this.all) {
      this.all = false;
      return Uint32Array.of(0, this.nrPages);
    }
    const n = this.from.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.from[a]! - this.from[b]!);
    const out: number[] = [];
    let total = 0;
    for (const i of order) {
      const s = this.from[i]!;
      const e = this.to[i]!;
      const last = out.length - 1;
      if (last > 0 && s <= out[last]!) {
        if (e > out[last]!) {
          total += e - out[last]!;
          out[last] = e;
        }
      } else {
        out.push(s, e);
        total += e - s;
      }
    }
    this.from.length = 0;
    this.to.length = 0;
    if (total > this.nrPages / 2) return Uint32Array.of(0, this.nrPages);
    return Uint32Array.from(out);
  }
}
