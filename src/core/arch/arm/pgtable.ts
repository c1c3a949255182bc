/**
 * 32-bit arm, classic (non-LPAE) 2-level tables as Linux keeps them
 * (arch/arm/include/asm/pgtable-2level.h): a PGD of 2048 8-byte entries — each a pair of hardware
 * first-level descriptors covering 1 MiB each — and PTE pages of 512 4-byte Linux PTEs. The page
 * that holds the Linux PTEs also holds the hardware PTEs (at +2048), which the MMU walks; the
 * emulator writes and walks the Linux PTEs only.
 */
import { PTE, type PgtableArch, type RawEntry } from '../pgtable.ts';

export const L_PTE_PRESENT = 1 << 0;
export const L_PTE_YOUNG = 1 << 1;
/** memory type field (bits 2..5): L_PTE_MT_WRITEBACK for normal memory */
export const L_PTE_MT_WRITEBACK = 0x03 << 2;
export const L_PTE_DIRTY = 1 << 6;
export const L_PTE_RDONLY = 1 << 7;
export const L_PTE_USER = 1 << 8;
export const L_PTE_XN = 1 << 9;
export const L_PTE_SHARED = 1 << 10;
export const L_PTE_NONE = 1 << 11;
/** _PAGE_USER_TABLE: PMD_TYPE_TABLE | PMD_BIT4 | PMD_DOMAIN(DOMAIN_USER) */
export const PMD_USER_TABLE = 0x1 | 0x10 | (1 << 5);
/** PTE_HWTABLE_OFF: the hardware PTEs start halfway into the PTE page */
export const PTE_HWTABLE_OFF = 2048;

export const armPgtable: PgtableArch = {
  levels: 2,
  levelNames: ['PGD (pmd pair)', 'PTE'],
  levelShift: [21, 12],
  levelBits: [11, 9],
  // TASK_SIZE = PAGE_OFFSET - 16 MiB (modules live below PAGE_OFFSET)
  taskSize: 0xbf000000,
  entryShift: (level) => (level === 0 ? 3 : 2),
  // the PGD is 16 KiB (2048 × 8 bytes)
  tableOrder: (level) => (level === 0 ? 2 : 0),
  isNone: (e) => e.lo === 0 && e.hi === 0,
  mkNone(_level, out) {
    out.lo = 0;
    out.hi = 0;
  },
  nonZeroEmpty: () => false,

  flags(e: RawEntry, level: number): number {
    const v = e.lo;
    if (level === 0) return v & 0x3 ? PTE.PRESENT | PTE.USER | PTE.WRITE | PTE.YOUNG : 0;
    let f = 0;
    if (v & L_PTE_PRESENT) f |= v & L_PTE_NONE ? PTE.PROTNONE : PTE.PRESENT;
    if (v & L_PTE_YOUNG) f |= PTE.YOUNG;
    if (v & L_PTE_DIRTY) f |= PTE.DIRTY;
    if (!(v & L_PTE_RDONLY)) f |= PTE.WRITE;
    if (v & L_PTE_USER) f |= PTE.USER;
    if (v & L_PTE_XN) f |= PTE.NX;
    return f;
  },

  pfn: (e: RawEntry) => e.lo >>> 12,
  // the entry points at the hardware table, PTE_HWTABLE_OFF into the PTE page
  tablePfn: (e: RawEntry) => e.lo >>> 12,

  mkLeaf(pfn: number, flags: number, _level: number, out: RawEntry): void {
    // There is no special bit in 2-level tables: vm_normal_page() recognises the zero page by pfn.
    let v = (pfn * 4096) >>> 0;
    v |= L_PTE_MT_WRITEBACK;
    if (flags & (PTE.PRESENT | PTE.PROTNONE)) v |= L_PTE_PRESENT;
    if (flags & PTE.PROTNONE) v |= L_PTE_NONE | L_PTE_RDONLY | L_PTE_XN;
    if (flags & PTE.YOUNG) v |= L_PTE_YOUNG;
    if (flags & PTE.DIRTY) v |= L_PTE_DIRTY;
    if (!(flags & PTE.WRITE)) v |= L_PTE_RDONLY;
    if (flags & PTE.USER) v |= L_PTE_USER;
    if (flags & PTE.NX) v |= L_PTE_XN;
    out.lo = v >>> 0;
    out.hi = 0;
  },

  mkTable(pfn: number, _level: number, out: RawEntry): void {
    // __pmd_populate(): two 1 MiB hardware descriptors pointing at the two hardware tables.
    const base = (pfn * 4096 + PTE_HWTABLE_OFF) >>> 0;
    out.lo = (base | PMD_USER_TABLE) >>> 0;
    out.hi = ((base + 1024) | PMD_USER_TABLE) >>> 0;
  },

  bitNames(e: RawEntry, level: number): string[] {
    const v = e.lo;
    if (level === 0)
      return v
        ? [
            'TYPE_TABLE',
            'DOMAIN_USER',
            `hw pair 0x${(v & ~0x3ff).toString(16)}/0x${(e.hi & ~0x3ff).toString(16)}`,
          ]
        : [];
    const names: [number, string][] = [
      [L_PTE_PRESENT, 'PRESENT'],
      [L_PTE_YOUNG, 'YOUNG'],
      [L_PTE_DIRTY, 'DIRTY'],
      [L_PTE_RDONLY, 'RDONLY'],
      [L_PTE_USER, 'USER'],
      [L_PTE_XN, 'XN'],
      [L_PTE_SHARED, 'SHARED'],
      [L_PTE_NONE, 'NONE'],
    ];
    const out = names.filter(([b]) => v & b).map(([, n]) => n);
    if ((v & (0xf << 2)) === L_PTE_MT_WRITEBACK) out.push('MT_WRITEBACK');
    return out;
  },
};
