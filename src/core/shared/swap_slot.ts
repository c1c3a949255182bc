/**
 * What the Swap panel draws for one swap slot: a class computed by the core (inspect_swap.ts
 * slotClass) from the slot's si->swap_map byte, its zeromap bit and whether zswap holds its page. Shared by the core and the UI
 * (no dependencies).
 */
export const SlotClass = {
  /** swap_map 0: free */
  Free: 0,
  /** SWAP_MAP_BAD: the header page (slot 0), never handed out */
  Bad: 1,
  /** referred to by swap PTEs only; its bytes were written to the device (pswpout) */
  Written: 2,
  /** referred to by swap PTEs only; zero-filled, so only its zeromap bit was set (swpout_zero) */
  Zero: 3,
  /** swap PTEs and SWAP_HAS_CACHE: a folio in the swap cache stands for the slot too */
  Cached: 4,
  /** SWAP_HAS_CACHE only: no PTE holds the entry any more, the swap cache still does */
  CacheOnly: 5,
  /** referred to by swap PTEs only; its page is held compressed by zswap, the device was not written */
  Zswap: 6,
} as const;

export const SLOT_CLASS_NAMES = [
  'free',
  'header (SWAP_MAP_BAD)',
  'swap PTEs, written to the device',
  'swap PTEs, zero-filled (zeromap)',
  'swap PTEs + swap cache (SWAP_HAS_CACHE)',
  'swap cache only (SWAP_HAS_CACHE)',
  'swap PTEs, held compressed in zswap',
] as const;
