/**
 * arm64 stage-1 descriptors (arch/arm64/include/asm/pgtable-hwdef.h, pgtable-prot.h) for the three
 * translation granules. Levels and index bits follow the Kconfig defaults the lab uses:
 * 4K with 48-bit VAs (4 levels), 16K with 47-bit VAs (3 levels), 64K with 48-bit VAs (3 levels).
 */
import { PTE, type PgtableArch, type RawEntry } from '../pgtable.ts';

// low word
export const PTE_VALID = 1 << 0;
/** bit 1: table descriptor above the last level, page descriptor at it (block when clear) */
export const PTE_TABLE_BIT = 1 << 1;
export const PTE_USER = 1 << 6; // AP[1]
export const PTE_RDONLY = 1 << 7; // AP[2]
export const PTE_SHARED = 3 << 8; // inner shareable
export const PTE_AF = 1 << 10;
/** nG; when VALID is clear it means "present but invalid" (PROT_NONE), v6.10+ */
export const PTE_NG = 1 << 11;
// high word (bit - 32)
export const PTE_DBM_HI = 1 << (51 - 32); // also the software PTE_WRITE
export const PTE_CONT_HI = 1 << (52 - 32);
export const PTE_PXN_HI = 1 << (53 - 32);
export const PTE_UXN_HI = 1 << (54 - 32);
export const PTE_DIRTY_HI = 1 << (55 - 32); // software
export const PTE_SPECIAL_HI = 1 << (56 - 32); // software
export const PMD_TABLE_PXN_HI = 1 << (59 - 32);

export type Granule = 4 | 16 | 64;

interface Geometry {
  vaBits: number;
  shifts: number[];
  bits: number[];
}

const GEOMETRY: Record<Granule, Geometry> = {
  4: { vaBits: 48, shifts: [39, 30, 21, 12], bits: [9, 9, 9, 9] },
  16: { vaBits: 47, shifts: [36, 25, 14], bits: [11, 11, 11] },
  64: { vaBits: 48, shifts: [42, 29, 16], bits: [6, 13, 13] },
};

const NAMES: Record<number, string[]> = {
  4: ['PGD (L0)', 'PUD (L1)', 'PMD (L2)', 'PTE (L3)'],
  3: ['PGD (L1)', 'PMD (L2)', 'PTE (L3)'],
};

export function arm64Geometry(granule: Granule): Geometry {
  return GEOMETRY[granule];
}

export function arm64Pgtable(granule: Granule): PgtableArch {
  const g = GEOMETRY[granule];
  const shift = g.shifts[g.shifts.length - 1]!;
  const levels = g.shifts.length;
  const last = levels - 1;
  // Output address bits [47:shift]: the low word holds [31:shift], the high word [47:32].
  const lowMask = (0xffffffff << shift) >>> 0;
  return {
    levels,
    levelNames: NAMES[levels]!,
    levelShift: g.shifts,
    levelBits: g.bits,
    taskSize: 2 ** g.vaBits,
    entryShift: () => 3,
    tableOrder: () => 0,
    isNone: (e) => e.lo === 0 && e.hi === 0,
    mkNone(_level, out) {
      out.lo = 0;
      out.hi = 0;
    },
    nonZeroEmpty: () => false,

    flags(e: RawEntry, level: number): number {
      const lo = e.lo;
      const hi = e.hi;
      let f = 0;
      // A table descriptor restricts nothing (APTable/PXNTable aside): the walk goes on.
      if (level < last && (lo & 3) === 3) return PTE.PRESENT | PTE.USER | PTE.WRITE | PTE.YOUNG;
      if (lo & PTE_VALID) {
        f |= PTE.PRESENT;
        if (level < last && !(lo & PTE_TABLE_BIT)) f |= PTE.HUGE; // block descriptor
        if (!(lo & PTE_NG)) f |= PTE.GLOBAL;
      } else if (lo & PTE_NG && lo !== 0) {
        f |= PTE.PROTNONE;
        // a PROT_NONE huge PMD: pmd_mkhuge() cleared the table bit, as for a valid block
        if (level < last && !(lo & PTE_TABLE_BIT)) f |= PTE.HUGE;
      }
      if (lo & PTE_USER) f |= PTE.USER;
      if (lo & PTE_AF) f |= PTE.YOUNG;
      if (hi & PTE_DBM_HI) f |= PTE.WRITE;
      // pte_dirty(): the software bit, or hardware-dirty (writable and no longer read-only)
      if (hi & PTE_DIRTY_HI || (hi & PTE_DBM_HI && !(lo & PTE_RDONLY))) f |= PTE.DIRTY;
      if (hi & PTE_SPECIAL_HI) f |= PTE.SPECIAL;
      if (hi & PTE_UXN_HI) f |= PTE.NX;
      return f;
    },

    pfn(e: RawEntry): number {
      return (e.hi & 0xffff) * 2 ** (32 - shift) + ((e.lo & lowMask) >>> shift);
    },
    tablePfn(e: RawEntry): number {
      return (e.hi & 0xffff) * 2 ** (32 - shift) + ((e.lo & lowMask) >>> shift);
    },

    mkLeaf(pfn: number, flags: number, level: number, out: RawEntry): void {
      const pa = pfn * 2 ** shift;
      let lo = (pa % 2 ** 32) >>> 0;
      let hi = Math.floor(pa / 2 ** 32) & 0xffff;
      // _PROT_DEFAULT: type, shareable, AF comes from YOUNG
      lo |= PTE_SHARED;
      if (flags & PTE.PRESENT) lo |= PTE_VALID | (level === last ? PTE_TABLE_BIT : 0);
      // PTE_PRESENT_INVALID (nG without VALID); PAGE_NONE keeps PTE_TYPE_PAGE's bit 1 in a PTE, and
      // pmd_mkhuge() clears it in a huge PMD
      else if (flags & PTE.PROTNONE) lo |= (level === last ? PTE_TABLE_BIT : 0) | PTE_NG;
      if (flags & PTE.YOUNG) lo |= PTE_AF;
      if (flags & PTE.USER)
        lo |= PTE_USER | PTE_NG; // user mappings are never global
      else if (!(flags & PTE.GLOBAL)) lo |= PTE_NG;
      // RDONLY unless writable and dirty: a writable-clean entry is DBM + RDONLY, and a store
      // clears RDONLY in hardware (FEAT_HAFDBS) instead of faulting.
      if (!(flags & PTE.WRITE && flags & PTE.DIRTY)) lo |= PTE_RDONLY;
      if (flags & PTE.WRITE) hi |= PTE_DBM_HI;
      if (flags & PTE.DIRTY) hi |= PTE_DIRTY_HI;
      if (flags & PTE.SPECIAL) hi |= PTE_SPECIAL_HI;
      if (flags & PTE.USER) hi |= PTE_PXN_HI; // the kernel never executes user pages
      if (flags & PTE.NX) hi |= PTE_UXN_HI;
      out.lo = lo >>> 0;
      out.hi = hi >>> 0;
    },

    mkTable(pfn: number, _level: number, out: RawEntry): void {
      // user tables: PMD_TYPE_TABLE | PMD_TABLE_AF | PMD_TABLE_PXN (pmd_populate for mm != init_mm)
      const pa = pfn * 2 ** shift;
      out.lo = (((pa % 2 ** 32) >>> 0) | PTE_VALID | PTE_TABLE_BIT | PTE_AF) >>> 0;
      out.hi = ((Math.floor(pa / 2 ** 32) & 0xffff) | PMD_TABLE_PXN_HI) >>> 0;
    },

    bitNames(e: RawEntry, level: number): string[] {
      const out: string[] = [];
      const lo = e.lo;
      const hi = e.hi;
      if (lo & PTE_VALID) out.push('VALID', level < last ? (lo & PTE_TABLE_BIT ? 'TABLE' : 'BLOCK') : 'PAGE');
      else if (lo & PTE_NG) out.push('PRESENT_INVALID');
      if (lo & PTE_USER) out.push('USER(AP1)');
      if (lo & PTE_RDONLY) out.push('RDONLY(AP2)');
      if ((lo & PTE_SHARED) === PTE_SHARED) out.push('SH=IS');
      if (lo & PTE_AF) out.push('AF');
      if (lo & PTE_NG && lo & PTE_VALID) out.push('nG');
      if (hi & PTE_DBM_HI) out.push('DBM(WRITE)');
      if (hi & PTE_CONT_HI) out.push('CONT');
      if (hi & PTE_PXN_HI) out.push('PXN');
      if (hi & PTE_UXN_HI) out.push('UXN');
      if (hi & PTE_DIRTY_HI) out.push('DIRTY');
      if (hi & PTE_SPECIAL_HI) out.push('SPECIAL');
      if (hi & PMD_TABLE_PXN_HI) out.push('PXNTable');
      return out;
    },
  };
}
