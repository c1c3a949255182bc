/**
 * Swap PTEs (include/linux/swapops.h and each architecture's __swp_entry / __pte_to_swp_entry):
 * a non-present, non-none PTE that holds a swap entry in the architecture's own layout.
 *
 * - x86-64 (arch/x86/include/asm/pgtable_64.h): bits 0 (P) and 8 (PROTNONE) clear, the type in
 *   bits 59-63, the offset INVERTED in bits 9-58 (so a swap PTE never looks like a PTE of a low
 *   physical address, the L1TF mitigation), _PAGE_SWP_EXCLUSIVE = bit 7 (_PAGE_PSE).
 * - arm64 (arch/arm64/include/asm/pgtable.h, v6.10+): bits 0-1 clear, PTE_SWP_EXCLUSIVE bit 2, the
 *   type in bits 6-10, bit 11 (PTE_PRESENT_INVALID) clear, the offset in bits 12-61.
 *
 * Other architectures are not modelled: swapon refuses them (swapfile.ts SWAP_ARCHES).
 */
import type { RawEntry } from '../arch/pgtable.ts';
import type { Machine } from '../machine.ts';
import { swpKey, swpOffset, swpType } from './swapfile.ts';

const X86_TYPE_SHIFT = 59;
const X86_OFFSET_SHIFT = 9;
const X86_OFFSET_BITS = 50;
const X86_EXCLUSIVE = 1n << 7n;
const ARM64_TYPE_SHIFT = 6;
const ARM64_OFFSET_SHIFT = 12;
const ARM64_EXCLUSIVE = 1n << 2n;
const M64 = (1n << 64n) - 1n;

const toBig = (e: RawEntry): bigint => (BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0);
function fromBig(v: bigint, out: RawEntry): void {
  out.lo = Number(v & 0xffffffffn);
  out.hi = Number((v >> 32n) & 0xffffffffn);
}

/** The raw 64-bit value of a swap PTE for swap entry `key` (swp_entry_to_pte + pte_swp_mkexclusive). */
export function swpEntryToPteVal(m: Machine, key: number, exclusive: boolean): bigint {
  const type = BigInt(swpType(key));
  const off = BigInt(swpOffset(key));
  if (m.arch.name === 'arm64')
    return (
      (type << BigInt(ARM64_TYPE_SHIFT)) |
      (off << BigInt(ARM64_OFFSET_SHIFT)) |
      (exclusive ? ARM64_EXCLUSIVE : 0n)
    );
  // (~offset << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS) | (type << (64 - SWP_TYPE_BITS))
  const inv = (~off & ((1n << BigInt(X86_OFFSET_BITS)) - 1n)) << BigInt(X86_OFFSET_SHIFT);
  return ((inv | (type << BigInt(X86_TYPE_SHIFT))) & M64) | (exclusive ? X86_EXCLUSIVE : 0n);
}

export function mkSwapPte(m: Machine, key: number, exclusive: boolean, out: RawEntry): void {
  fromBig(swpEntryToPteVal(m, key, exclusive), out);
}

/** is_swap_pte(): !pte_none && !pte_present, and not a PROT_NONE entry. Only on swap arches. */
export function isSwapPte(m: Machine, e: RawEntry): boolean {
  if (e.lo === 0 && e.hi === 0) return false;
  if (m.arch.name === 'x86_64') return (e.lo & 0x101) === 0;
  if (m.arch.name === 'arm64') return (e.lo & 0x803) === 0;
  return false;
}

/** pte_to_swp_entry(): the swap entry key of a swap PTE. */
export function pteToSwpEntry(m: Machine, e: RawEntry): number {
  const v = toBig(e);
  if (m.arch.name === 'arm64')
    return swpKey(
      Number((v >> BigInt(ARM64_TYPE_SHIFT)) & 31n),
      Number((v >> BigInt(ARM64_OFFSET_SHIFT)) & ((1n << 50n) - 1n)),
    );
  const type = Number(v >> BigInt(X86_TYPE_SHIFT));
  const off = ~(v >> BigInt(X86_OFFSET_SHIFT)) & ((1n << BigInt(X86_OFFSET_BITS)) - 1n);
  return swpKey(type, Number(off));
}

/** pte_swp_exclusive() */
export function pteSwpExclusive(m: Machine, e: RawEntry): boolean {
  return m.arch.name === 'arm64' ? (e.lo & 4) !== 0 : (e.lo & 0x80) !== 0;
}
