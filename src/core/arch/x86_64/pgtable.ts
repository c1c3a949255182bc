/**
 * x86-64 page-table entries (arch/x86/include/asm/pgtable_types.h), 4 levels with 4 KiB pages:
 * PGD [47:39], PUD [38:30], PMD [29:21], PTE [20:12]; 512 entries of 8 bytes per table.
 */
import { PTE, type PgtableArch, type RawEntry } from '../pgtable.ts';

/** PTE's flag bits as module constants, for the decode/encode tables below. */
const F_DIRTY = PTE.DIRTY;
const F_GLOBAL = PTE.GLOBAL;
const F_HUGE = PTE.HUGE;
const F_NX = PTE.NX;
const F_PRESENT = PTE.PRESENT;
const F_PROTNONE = PTE.PROTNONE;
const F_SOFT_DIRTY = PTE.SOFT_DIRTY;
const F_SPECIAL = PTE.SPECIAL;
const F_USER = PTE.USER;
const F_WRITE = PTE.WRITE;
const F_YOUNG = PTE.YOUNG;

export const _PAGE_PRESENT = 1 << 0;
export const _PAGE_RW = 1 << 1;
export const _PAGE_USER = 1 << 2;
export const _PAGE_PWT = 1 << 3;
export const _PAGE_PCD = 1 << 4;
export const _PAGE_ACCESSED = 1 << 5;
export const _PAGE_DIRTY = 1 << 6;
/** PSE on PMD/PUD entries (a huge leaf); PAT on 4 KiB PTEs */
export const _PAGE_PSE = 1 << 7;
export const _PAGE_GLOBAL = 1 << 8;
/** _PAGE_BIT_SOFTW1 = _PAGE_BIT_SPECIAL */
export const _PAGE_SPECIAL = 1 << 9;
export const _PAGE_UFFD_WP = 1 << 10;
export const _PAGE_SOFT_DIRTY = 1 << 11;
/** When P is clear, the G bit means PROT_NONE (_PAGE_PROTNONE = _PAGE_GLOBAL). */
export const _PAGE_PROTNONE = _PAGE_GLOBAL;
/** NX is bit 63: bit 31 of the high half. */
export const _PAGE_NX_HI = 0x80000000;

/** _PAGE_TABLE: what a table entry holds besides the pfn (P|RW|US|A|D). */
const _PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;

const LO_BITS: [number, string][] = [
  [_PAGE_PRESENT, 'P'],
  [_PAGE_RW, 'RW'],
  [_PAGE_USER, 'US'],
  [_PAGE_PWT, 'PWT'],
  [_PAGE_PCD, 'PCD'],
  [_PAGE_ACCESSED, 'A'],
  [_PAGE_DIRTY, 'D'],
  [_PAGE_PSE, 'PSE'],
  [_PAGE_GLOBAL, 'G'],
  [_PAGE_SPECIAL, 'SPECIAL'],
  [_PAGE_UFFD_WP, 'UFFD_WP'],
  [_PAGE_SOFT_DIRTY, 'SOFT_DIRTY'],
];

/** The PTE flags an entry's low 12 bits stand for (the NX bit is in the high half). */
function decodeLo(lo: number, level: number): number {
  let f = 0;
  if (lo & _PAGE_PRESENT) f |= F_PRESENT;
  else if (lo & _PAGE_PROTNONE) f |= F_PROTNONE;
  if (lo & _PAGE_RW) f |= F_WRITE;
  if (lo & _PAGE_USER) f |= F_USER;
  if (lo & _PAGE_ACCESSED) f |= F_YOUNG;
  if (lo & _PAGE_DIRTY) f |= F_DIRTY;
  if (lo & _PAGE_SPECIAL) f |= F_SPECIAL;
  if (lo & _PAGE_SOFT_DIRTY) f |= F_SOFT_DIRTY;
  if (lo & _PAGE_PRESENT && lo & _PAGE_GLOBAL) f |= F_GLOBAL;
  if (level < 3 && lo & _PAGE_PSE) f |= F_HUGE;
  return f;
}

/** The low 12 bits of a leaf entry with these PTE flags (NX goes to the high half). */
function encodeLo(flags: number, level: number): number {
  let lo = 0;
  if (flags & F_PRESENT) lo |= _PAGE_PRESENT;
  else if (flags & F_PROTNONE) lo |= _PAGE_PROTNONE;
  if (flags & F_WRITE) lo |= _PAGE_RW;
  if (flags & F_USER) lo |= _PAGE_USER;
  if (flags & F_YOUNG) lo |= _PAGE_ACCESSED;
  if (flags & F_DIRTY) lo |= _PAGE_DIRTY;
  if (flags & F_SPECIAL) lo |= _PAGE_SPECIAL;
  if (flags & F_SOFT_DIRTY) lo |= _PAGE_SOFT_DIRTY;
  if (flags & F_GLOBAL && flags & F_PRESENT) lo |= _PAGE_GLOBAL;
  if (level < 3 && flags & F_HUGE) lo |= _PAGE_PSE;
  return lo;
}

/**
 * decodeLo()/encodeLo() for every value, PTE level and upper levels apart (PSE is PAT on a PTE):
 * fork and exit decode and encode one entry per 4 KiB mapped, and a table lookup is a fraction of
 * the ten tests.
 */
const FLAG_MASK = Object.values(PTE).reduce((a: number, b: number) => a | b, 0); // every PTE.* bit
const FLAGS_PTE = new Uint16Array(4096);
const FLAGS_UPPER = new Uint16Array(4096);
const LEAF_PTE = new Uint16Array(FLAG_MASK + 1);
const LEAF_UPPER = new Uint16Array(FLAG_MASK + 1);
for (let v = 0; v < 4096; v++) {
  FLAGS_PTE[v] = decodeLo(v, 3);
  FLAGS_UPPER[v] = decodeLo(v, 0);
}
for (let f = 0; f <= FLAG_MASK; f++) {
  LEAF_PTE[f] = encodeLo(f, 3);
  LEAF_UPPER[f] = encodeLo(f, 0);
}

export const x86_64_pgtable: PgtableArch = {
  levels: 4,
  levelNames: ['PGD', 'PUD', 'PMD', 'PTE'],
  levelShift: [39, 30, 21, 12],
  levelBits: [9, 9, 9, 9],
  // TASK_SIZE_MAX for 4-level paging: 2^47 - PAGE_SIZE
  taskSize: 2 ** 47 - 4096,
  entryShift: () => 3,
  tableOrder: () => 0,
  isNone: (e: RawEntry) => e.lo === 0 && e.hi === 0,
  mkNone(_level: number, out: RawEntry): void {
    out.lo = 0;
    out.hi = 0;
  },
  nonZeroEmpty: () => false,

  flags(e: RawEntry, level: number): number {
    return (level < 3 ? FLAGS_UPPER : FLAGS_PTE)[e.lo & 0xfff]! | (e.hi & _PAGE_NX_HI ? F_NX : 0);
  },

  pfn(e: RawEntry): number {
    // PA bits [51:12]: lo[31:12] and hi[19:0]
    return (e.hi & 0xfffff) * 0x100000 + (e.lo >>> 12);
  },
  tablePfn(e: RawEntry): number {
    return (e.hi & 0xfffff) * 0x100000 + (e.lo >>> 12);
  },

  mkLeaf(pfn: number, flags: number, level: number, out: RawEntry): void {
    const lo = (level < 3 ? LEAF_UPPER : LEAF_PTE)[flags & FLAG_MASK]!;
    out.lo = ((pfn % 0x100000) * 4096 + lo) >>> 0;
    out.hi = ((Math.floor(pfn / 0x100000) & 0xfffff) | (flags & F_NX ? _PAGE_NX_HI : 0)) >>> 0;
  },

  mkTable(pfn: number, _level: number, out: RawEntry): void {
    out.lo = ((pfn % 0x100000) * 4096 + _PAGE_TABLE) >>> 0;
    out.hi = Math.floor(pfn / 0x100000) & 0xfffff;
  },

  bitNames(e: RawEntry, level: number): string[] {
    const out: string[] = [];
    for (const [bit, name] of LO_BITS) {
      if (!(e.lo & bit)) continue;
      if (bit === _PAGE_PSE && level === 3) out.push('PAT');
      else if (bit === _PAGE_GLOBAL && !(e.lo & _PAGE_PRESENT)) out.push('PROTNONE');
      else out.push(name);
    }
    if (e.hi & _PAGE_NX_HI) out.push('NX');
    return out;
  },
};

/** The 64-bit value of an entry, for display and hexdumps. */
export function entryValue(e: RawEntry): bigint {
  return (BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0);
}
