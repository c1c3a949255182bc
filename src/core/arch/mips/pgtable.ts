/**
 * MIPS32 page tables (arch/mips/include/asm/pgtable-32.h, pgtable-bits.h), R4000-style PTE bits
 * (no RI/XI): two levels, a PGD of 1024 4-byte entries (VA[31:22]) and PTE tables of 1024 4-byte
 * PTEs (VA[21:12]). PGD entries hold the KSEG0 address of the PTE table, and an empty one points at
 * invalid_pte_table rather than holding 0. The TLB is refilled by software from these tables.
 */
import { PTE, type PgtableArch, type RawEntry } from '../pgtable.ts';

export const _PAGE_PRESENT = 1 << 0;
/** software "not readable" (no RI bit on these CPUs) */
export const _PAGE_NO_READ = 1 << 1;
export const _PAGE_WRITE = 1 << 2;
export const _PAGE_ACCESSED = 1 << 3;
export const _PAGE_MODIFIED = 1 << 4;
export const _PAGE_SPECIAL = 1 << 5;
export const _PAGE_GLOBAL = 1 << 6;
/** hardware V: set with ACCESSED on readable pages ("silent read") */
export const _PAGE_VALID = 1 << 7;
/** hardware D: set with MODIFIED on writable pages ("silent write") */
export const _PAGE_DIRTY = 1 << 8;
/** _CACHE_CACHABLE_NONCOHERENT (3) in bits 9..11 */
export const _CACHE_CACHABLE_NONCOHERENT = 3 << 9;
export const KSEG0 = 0x80000000;

export function mipsPgtable(invalidPteTablePhys: () => number): PgtableArch {
  const invalid = () => (KSEG0 + invalidPteTablePhys()) >>> 0;
  return {
    levels: 2,
    levelNames: ['PGD', 'PTE'],
    levelShift: [22, 12],
    levelBits: [10, 10],
    taskSize: 0x7fff8000,
    entryShift: () => 2,
    tableOrder: () => 0,
    isNone: (e, level) => (level === 0 ? e.lo === invalid() : (e.lo & ~_PAGE_GLOBAL) === 0),
    mkNone(level, out) {
      out.lo = level === 0 ? invalid() : 0;
      out.hi = 0;
    },
    // pgd_init(): every slot of a new PGD points at invalid_pte_table
    nonZeroEmpty: (level) => level === 0,

    flags(e: RawEntry, level: number): number {
      const v = e.lo >>> 0;
      if (level === 0) return v !== invalid() && v !== 0 ? PTE.PRESENT | PTE.USER | PTE.WRITE | PTE.YOUNG : 0;
      let f = 0;
      if (v & _PAGE_PRESENT) f |= v & _PAGE_NO_READ ? PTE.PROTNONE : PTE.PRESENT | PTE.USER | PTE.NX;
      if (v & _PAGE_WRITE) f |= PTE.WRITE;
      if (v & _PAGE_ACCESSED) f |= PTE.YOUNG;
      if (v & _PAGE_MODIFIED) f |= PTE.DIRTY;
      if (v & _PAGE_SPECIAL) f |= PTE.SPECIAL;
      if (v & _PAGE_GLOBAL) f |= PTE.GLOBAL;
      return f;
    },

    pfn: (e: RawEntry) => (e.lo >>> 0) >>> 12,
    // a PGD slot holds the KSEG0 address of the PTE table
    tablePfn: (e: RawEntry) => ((e.lo >>> 0) - KSEG0) >>> 12,

    mkLeaf(pfn: number, flags: number, _level: number, out: RawEntry): void {
      let v = (pfn * 4096) >>> 0;
      v |= _CACHE_CACHABLE_NONCOHERENT;
      if (flags & (PTE.PRESENT | PTE.PROTNONE)) v |= _PAGE_PRESENT;
      if (flags & PTE.PROTNONE) v |= _PAGE_NO_READ;
      if (flags & PTE.WRITE) v |= _PAGE_WRITE;
      // pte_mkyoung()/pte_mkdirty() also set the hardware V/D bits the TLB will see
      if (flags & PTE.YOUNG) v |= _PAGE_ACCESSED | (flags & PTE.PRESENT ? _PAGE_VALID : 0);
      if (flags & PTE.DIRTY) v |= _PAGE_MODIFIED | (flags & PTE.WRITE ? _PAGE_DIRTY : 0);
      if (flags & PTE.SPECIAL) v |= _PAGE_SPECIAL;
      if (flags & PTE.GLOBAL) v |= _PAGE_GLOBAL;
      out.lo = v >>> 0;
      out.hi = 0;
    },

    mkTable(pfn: number, _level: number, out: RawEntry): void {
      out.lo = (KSEG0 + pfn * 4096) >>> 0;
      out.hi = 0;
    },

    bitNames(e: RawEntry, level: number): string[] {
      const v = e.lo >>> 0;
      if (level === 0) return v === invalid() ? ['invalid_pte_table'] : ['PTE table (KSEG0 address)'];
      const names: [number, string][] = [
        [_PAGE_PRESENT, 'PRESENT'],
        [_PAGE_NO_READ, 'NO_READ'],
        [_PAGE_WRITE, 'WRITE'],
        [_PAGE_ACCESSED, 'ACCESSED'],
        [_PAGE_MODIFIED, 'MODIFIED'],
        [_PAGE_SPECIAL, 'SPECIAL'],
        [_PAGE_GLOBAL, 'G'],
        [_PAGE_VALID, 'V'],
        [_PAGE_DIRTY, 'D'],
      ];
      const out = names.filter(([b]) => v & b).map(([, n]) => n);
      if (((v >>> 9) & 7) === 3) out.push('C=3 (cacheable)');
      return out;
    },
  };
}
