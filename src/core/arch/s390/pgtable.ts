/**
 * s390 DAT tables (arch/s390/include/asm/pgtable.h) as a new process uses them: three levels —
 * a region-third table and segment tables of 2048 8-byte entries (16 KiB each), and page tables of
 * 256 entries (2 KiB, in a 4 KiB page whose upper half holds PGSTEs). VA: R3 [41:31], SX [30:20],
 * PX [19:12]; a process has 4 TiB until it asks for more (crst_table_upgrade).
 * Empty entries are not zero: an invalid PTE is 0x400, an empty segment entry 0x20.
 */
import { PTE, type PgtableArch, type RawEntry } from '../pgtable.ts';

export const _PAGE_PRESENT = 0x001;
export const _PAGE_YOUNG = 0x004;
export const _PAGE_DIRTY = 0x008;
export const _PAGE_READ = 0x010;
export const _PAGE_WRITE = 0x020;
export const _PAGE_SPECIAL = 0x040;
export const _PAGE_NOEXEC = 0x100;
export const _PAGE_PROTECT = 0x200;
export const _PAGE_INVALID = 0x400;
/** _REGION_ENTRY_TYPE_R3 | _REGION_ENTRY_LENGTH, and the empty R3 entry (TYPE_R3 | INVALID) */
export const _REGION3_ENTRY = 0x04 | 0x03;
export const _REGION3_ENTRY_EMPTY = 0x04 | 0x20;
export const _SEGMENT_ENTRY_INVALID = 0x20;

export const s390Pgtable: PgtableArch = {
  levels: 3,
  levelNames: ['R3 (region third)', 'SX (segment)', 'PX (page)'],
  levelShift: [31, 20, 12],
  levelBits: [11, 11, 8],
  taskSize: 2 ** 42,
  entryShift: () => 3,
  // crst tables (region, segment) are 16 KiB; a page table is one 4 KiB page
  tableOrder: (level) => (level < 2 ? 2 : 0),
  isNone: (e, level) =>
    (level === 0
      ? e.lo === _REGION3_ENTRY_EMPTY
      : level === 1
        ? e.lo === _SEGMENT_ENTRY_INVALID
        : e.lo === _PAGE_INVALID) && e.hi === 0,
  mkNone(level, out) {
    out.lo = level === 0 ? _REGION3_ENTRY_EMPTY : level === 1 ? _SEGMENT_ENTRY_INVALID : _PAGE_INVALID;
    out.hi = 0;
  },
  nonZeroEmpty: () => true,

  flags(e: RawEntry, level: number): number {
    const v = e.lo;
    if (level === 0) return v & 0x20 ? 0 : PTE.PRESENT | PTE.USER | PTE.WRITE | PTE.YOUNG;
    if (level === 1) return v & _SEGMENT_ENTRY_INVALID ? 0 : PTE.PRESENT | PTE.USER | PTE.WRITE | PTE.YOUNG;
    let f = 0;
    if (v & _PAGE_PRESENT) f |= v & _PAGE_READ ? PTE.PRESENT | PTE.USER : PTE.PROTNONE;
    if (v & _PAGE_YOUNG) f |= PTE.YOUNG;
    if (v & _PAGE_DIRTY) f |= PTE.DIRTY;
    if (v & _PAGE_WRITE) f |= PTE.WRITE;
    if (v & _PAGE_SPECIAL) f |= PTE.SPECIAL;
    if (v & _PAGE_NOEXEC) f |= PTE.NX;
    return f;
  },

  pfn: (e: RawEntry) => e.hi * 2 ** 20 + (e.lo >>> 12),
  tablePfn: (e: RawEntry) => e.hi * 2 ** 20 + (e.lo >>> 12),

  mkLeaf(pfn: number, flags: number, _level: number, out: RawEntry): void {
    const pa = pfn * 4096;
    let lo = (pa % 2 ** 32) >>> 0;
    if (flags & (PTE.PRESENT | PTE.PROTNONE)) lo |= _PAGE_PRESENT;
    if (flags & PTE.PRESENT) lo |= _PAGE_READ;
    if (flags & PTE.YOUNG) lo |= _PAGE_YOUNG;
    if (flags & PTE.DIRTY) lo |= _PAGE_DIRTY;
    if (flags & PTE.WRITE) lo |= _PAGE_WRITE;
    if (flags & PTE.SPECIAL) lo |= _PAGE_SPECIAL;
    if (flags & PTE.NX) lo |= _PAGE_NOEXEC;
    // The hardware bits: there are no referenced/changed bits in an s390 PTE, so Linux keeps an
    // old entry INVALID and a clean one PROTECTed and takes a fault to learn of the first access.
    if (!(flags & PTE.PRESENT) || !(flags & PTE.YOUNG)) lo |= _PAGE_INVALID;
    if (!(flags & PTE.WRITE && flags & PTE.DIRTY)) lo |= _PAGE_PROTECT;
    out.lo = lo >>> 0;
    out.hi = Math.floor(pa / 2 ** 32) >>> 0;
  },

  mkTable(pfn: number, level: number, out: RawEntry): void {
    const pa = pfn * 4096;
    out.lo = ((pa % 2 ** 32) | (level === 0 ? _REGION3_ENTRY : 0)) >>> 0;
    out.hi = Math.floor(pa / 2 ** 32) >>> 0;
  },

  bitNames(e: RawEntry, level: number): string[] {
    const v = e.lo;
    if (level === 0) return v & 0x20 ? ['INVALID'] : ['TYPE_R3', 'LENGTH=3', 'segment table origin'];
    if (level === 1) return v & _SEGMENT_ENTRY_INVALID ? ['INVALID'] : ['page table origin'];
    const names: [number, string][] = [
      [_PAGE_PRESENT, 'PRESENT'],
      [_PAGE_YOUNG, 'YOUNG'],
      [_PAGE_DIRTY, 'DIRTY'],
      [_PAGE_READ, 'READ'],
      [_PAGE_WRITE, 'WRITE'],
      [_PAGE_SPECIAL, 'SPECIAL'],
      [_PAGE_NOEXEC, 'NOEXEC'],
      [_PAGE_PROTECT, 'PROTECT'],
      [_PAGE_INVALID, 'INVALID'],
    ];
    return names.filter(([b]) => v & b).map(([, n]) => n);
  },
};
