/**
 * sparc64 page tables (arch/sparc/include/asm/pgtable_64.h): 8 KiB pages, four levels of 1024
 * 8-byte entries — PGD VA[52:43], PUD [42:33], PMD [32:23], PTE [22:13]. Upper levels hold the
 * physical address of the next table; PTEs are sun4v TTEs with Linux's software bits on top.
 */
import { PTE, type PgtableArch, type RawEntry } from '../pgtable.ts';

// high word (bit - 32)
export const _PAGE_VALID_HI = 1 << (63 - 32);
export const _PAGE_MODIFIED_4V_HI = 1 << (61 - 32);
export const _PAGE_ACCESSED_4V_HI = 1 << (60 - 32);
export const _PAGE_READ_4V_HI = 1 << (59 - 32);
export const _PAGE_WRITE_4V_HI = 1 << (58 - 32);
export const _PAGE_SPECIAL_4V_HI = 1 << (57 - 32);
// low word
export const _PAGE_CP_4V = 1 << 10;
export const _PAGE_CV_4V = 1 << 9;
/** privileged: kernel only */
export const _PAGE_P_4V = 1 << 8;
export const _PAGE_EXEC_4V = 1 << 7;
/** the hardware write-enable, set only once the page is dirty (software WRITE lives in bit 58) */
export const _PAGE_W_4V = 1 << 6;
export const _PAGE_PRESENT_4V = 1 << 4;

export const sparc64Pgtable: PgtableArch = {
  levels: 4,
  levelNames: ['PGD', 'PUD', 'PMD', 'PTE'],
  levelShift: [43, 33, 23, 13],
  levelBits: [10, 10, 10, 10],
  // 64-bit tasks end at the bottom of the VA hole (sun4u spitfire: 2^43)
  taskSize: 2 ** 43,
  entryShift: () => 3,
  tableOrder: () => 0,
  isNone: (e) => e.lo === 0 && e.hi === 0,
  mkNone(_level, out) {
    out.lo = 0;
    out.hi = 0;
  },
  nonZeroEmpty: () => false,

  flags(e: RawEntry, level: number): number {
    if (level < 3) return e.lo || e.hi ? PTE.PRESENT | PTE.USER | PTE.WRITE | PTE.YOUNG : 0;
    const lo = e.lo;
    const hi = e.hi;
    let f = 0;
    if (lo & _PAGE_PRESENT_4V) f |= hi & _PAGE_VALID_HI ? PTE.PRESENT : PTE.PROTNONE;
    if (!(lo & _PAGE_P_4V)) f |= PTE.USER;
    if (hi & _PAGE_WRITE_4V_HI) f |= PTE.WRITE;
    if (hi & _PAGE_MODIFIED_4V_HI) f |= PTE.DIRTY;
    if (hi & _PAGE_ACCESSED_4V_HI) f |= PTE.YOUNG;
    if (hi & _PAGE_SPECIAL_4V_HI) f |= PTE.SPECIAL;
    if (!(lo & _PAGE_EXEC_4V)) f |= PTE.NX;
    return f;
  },

  pfn(e: RawEntry): number {
    // PADDR bits [55:13]
    return (e.hi & 0xffffff) * 2 ** 19 + (e.lo >>> 13);
  },

  tablePfn(e: RawEntry): number {
    return (e.hi & 0xffffff) * 2 ** 19 + (e.lo >>> 13);
  },

  mkLeaf(pfn: number, flags: number, level: number, out: RawEntry): void {
    const pa = pfn * 8192;
    let lo = (pa % 2 ** 32) >>> 0;
    let hi = Math.floor(pa / 2 ** 32) & 0xffffff;
    if (level < 3) {
      out.lo = lo;
      out.hi = hi;
      return;
    }
    lo |= _PAGE_CP_4V | _PAGE_CV_4V;
    if (flags & (PTE.PRESENT | PTE.PROTNONE)) lo |= _PAGE_PRESENT_4V;
    if (flags & PTE.PRESENT) hi |= _PAGE_VALID_HI | _PAGE_READ_4V_HI;
    if (!(flags & PTE.USER)) lo |= _PAGE_P_4V;
    // page_copy/page_readonly/page_shared all carry _PAGE_EXEC_4V: no NX for user mappings here.
    if (!(flags & PTE.NX) || flags & PTE.USER) lo |= _PAGE_EXEC_4V;
    if (flags & PTE.WRITE) hi |= _PAGE_WRITE_4V_HI;
    if (flags & PTE.DIRTY) {
      hi |= _PAGE_MODIFIED_4V_HI;
      if (flags & PTE.WRITE) lo |= _PAGE_W_4V;
    }
    if (flags & PTE.YOUNG) hi |= _PAGE_ACCESSED_4V_HI;
    if (flags & PTE.SPECIAL) hi |= _PAGE_SPECIAL_4V_HI;
    out.lo = lo >>> 0;
    out.hi = hi >>> 0;
  },

  mkTable(pfn: number, _level: number, out: RawEntry): void {
    // pmd_set()/pud_set(): the physical address of the next table, nothing else
    const pa = pfn * 8192;
    out.lo = (pa % 2 ** 32) >>> 0;
    out.hi = Math.floor(pa / 2 ** 32) >>> 0;
  },

  bitNames(e: RawEntry, level: number): string[] {
    if (level < 3) return e.lo || e.hi ? ['next table (phys)'] : [];
    const out: string[] = [];
    const hiNames: [number, string][] = [
      [_PAGE_VALID_HI, 'VALID'],
      [_PAGE_MODIFIED_4V_HI, 'MODIFIED'],
      [_PAGE_ACCESSED_4V_HI, 'ACCESSED'],
      [_PAGE_READ_4V_HI, 'READ'],
      [_PAGE_WRITE_4V_HI, 'WRITE'],
      [_PAGE_SPECIAL_4V_HI, 'SPECIAL'],
    ];
    const loNames: [number, string][] = [
      [_PAGE_CP_4V, 'CP'],
      [_PAGE_CV_4V, 'CV'],
      [_PAGE_P_4V, 'P'],
      [_PAGE_EXEC_4V, 'EXEC'],
      [_PAGE_W_4V, 'W'],
      [_PAGE_PRESENT_4V, 'PRESENT'],
    ];
    for (const [b, n] of hiNames) if (e.hi & b) out.push(n);
    for (const [b, n] of loNames) if (e.lo & b) out.push(n);
    out.push('SZ=8K');
    return out;
  },
};
