/**
 * Pageblocks (include/linux/pageblock-flags.h): every aligned run of 2^pageblock_order pages keeps a
 * migratetype (3 bits) and flags. The allocator groups pages by mobility per pageblock, so a
 * pageblock's type decides which free list its pages go to when freed.
 */
import type { Tracer } from '../trace.ts';

export const PB_MIGRATETYPE_MASK = 0x7;
/** PB_unmapped (the __GFP_UNMAPPED series): the block's pages are absent from the direct map. */
export const PB_UNMAPPED = 0x8;

export class Pageblocks {
  readonly bits: Uint8Array;

  constructor(
    readonly order: number,
    nrPages: number,
    private readonly trace: Tracer,
  ) {
    this.bits = new Uint8Array(Math.ceil(nrPages / (1 << order)));
  }

  get nrPages(): number {
    return 1 << this.order;
  }

  index(pfn: number): number {
    return pfn >>> this.order;
  }

  /** get_pfnblock_migratetype() */
  migratetype(pfn: number): number {
    return this.bits[pfn >>> this.order]! & PB_MIGRATETYPE_MASK;
  }

  /** set_pageblock_migratetype() */
  setMigratetype(pfn: number, mt: number): void {
    const i = pfn >>> this.order;
    const before = this.bits[i]! & PB_MIGRATETYPE_MASK;
    if (before === mt) return;
    this.bits[i] = (this.bits[i]! & ~PB_MIGRATETYPE_MASK) | mt;
    if (this.trace.on)
      this.trace.emit({ type: 'pageblock_migratetype', pfn: i << this.order, before, after: mt });
  }

  /** The PB_unmapped flag of the block holding pfn (get_pageblock_freetype()'s flags). */
  unmapped(pfn: number): boolean {
    return (this.bits[pfn >>> this.order]! & PB_UNMAPPED) !== 0;
  }

  /** Set or clear PB_unmapped on the block holding pfn. */
  setUnmapped(pfn: number, on: boolean): void {
    const i = pfn >>> this.order;
    this.bits[i] = on ? this.bits[i]! | PB_UNMAPPED : this.bits[i]! & ~PB_UNMAPPED;
  }

  /** Set the migratetype of every block in [pfn, pfn + nrPages) without emitting per block (boot init). */
  initRange(pfn: number, nrPages: number, mt: number): void {
    const first = pfn >>> this.order;
    const last = (pfn + nrPages - 1) >>> this.order;
    for (let i = first; i <= last; i++) this.bits[i] = (this.bits[i]! & ~PB_MIGRATETYPE_MASK) | mt;
  }
}
