/**
 * GFP flags (include/linux/gfp_types.h). Bit positions follow the kernel's ___GFP_*_BIT enum for a
 * kernel without lockdep or KASAN tagging, so `mode:0xcc0(GFP_KERNEL)` prints as it does on Linux.
 */
export const GFP = {
  __GFP_DMA: 0x1,
  __GFP_HIGHMEM: 0x2,
  __GFP_DMA32: 0x4,
  __GFP_MOVABLE: 0x8,
  __GFP_RECLAIMABLE: 0x10,
  __GFP_HIGH: 0x20,
  __GFP_IO: 0x40,
  __GFP_FS: 0x80,
  __GFP_ZERO: 0x100,
  /**
   * __GFP_UNMAPPED (the __GFP_UNMAPPED series v2, CONFIG_PAGE_ALLOC_UNMAPPED): pages absent from the
   * direct map. Its bit value is unverified [U]: no stored tree holds the series' gfp_types.h hunk.
   * 0x200 is mainline's unused slot (___GFP_UNUSED_BIT), which the emulator takes. v4 drops the GFP
   * flag for an alloc flag, ALLOC_UNMAPPED.
   */
  __GFP_UNMAPPED: 0x200,
  __GFP_DIRECT_RECLAIM: 0x400,
  __GFP_KSWAPD_RECLAIM: 0x800,
  __GFP_WRITE: 0x1000,
  __GFP_NOWARN: 0x2000,
  __GFP_RETRY_MAYFAIL: 0x4000,
  __GFP_NOFAIL: 0x8000,
  __GFP_NORETRY: 0x10000,
  __GFP_MEMALLOC: 0x20000,
  __GFP_COMP: 0x40000,
  __GFP_NOMEMALLOC: 0x80000,
  __GFP_HARDWALL: 0x100000,
  __GFP_THISNODE: 0x200000,
  __GFP_ACCOUNT: 0x400000,
  __GFP_ZEROTAGS: 0x800000,
  __GFP_SKIP_ZERO: 0x1000000,
  __GFP_SKIP_KASAN: 0x2000000,
} as const;

const G = GFP;
export const __GFP_RECLAIM = G.__GFP_DIRECT_RECLAIM | G.__GFP_KSWAPD_RECLAIM;

/** Composite masks, as defined in gfp_types.h. */
export const GFP_MASKS: Record<string, number> = {
  GFP_ATOMIC: G.__GFP_HIGH | G.__GFP_KSWAPD_RECLAIM,
  GFP_KERNEL: __GFP_RECLAIM | G.__GFP_IO | G.__GFP_FS,
  GFP_KERNEL_ACCOUNT: __GFP_RECLAIM | G.__GFP_IO | G.__GFP_FS | G.__GFP_ACCOUNT,
  GFP_NOWAIT: G.__GFP_KSWAPD_RECLAIM | G.__GFP_NOWARN,
  GFP_NOIO: __GFP_RECLAIM,
  GFP_NOFS: __GFP_RECLAIM | G.__GFP_IO,
  GFP_USER: __GFP_RECLAIM | G.__GFP_IO | G.__GFP_FS | G.__GFP_HARDWALL,
  GFP_DMA: G.__GFP_DMA,
  GFP_DMA32: G.__GFP_DMA32,
  GFP_HIGHUSER: __GFP_RECLAIM | G.__GFP_IO | G.__GFP_FS | G.__GFP_HARDWALL | G.__GFP_HIGHMEM,
  GFP_HIGHUSER_MOVABLE:
    __GFP_RECLAIM |
    G.__GFP_IO |
    G.__GFP_FS |
    G.__GFP_HARDWALL |
    G.__GFP_HIGHMEM |
    G.__GFP_MOVABLE |
    G.__GFP_SKIP_KASAN,
  GFP_TRANSHUGE_LIGHT:
    (__GFP_RECLAIM |
      G.__GFP_IO |
      G.__GFP_FS |
      G.__GFP_HARDWALL |
      G.__GFP_HIGHMEM |
      G.__GFP_MOVABLE |
      G.__GFP_SKIP_KASAN |
      G.__GFP_COMP |
      G.__GFP_NOMEMALLOC |
      G.__GFP_NOWARN) &
    ~__GFP_RECLAIM,
  GFP_TRANSHUGE:
    ((__GFP_RECLAIM |
      G.__GFP_IO |
      G.__GFP_FS |
      G.__GFP_HARDWALL |
      G.__GFP_HIGHMEM |
      G.__GFP_MOVABLE |
      G.__GFP_SKIP_KASAN |
      G.__GFP_COMP |
      G.__GFP_NOMEMALLOC |
      G.__GFP_NOWARN) &
      ~__GFP_RECLAIM) |
    G.__GFP_DIRECT_RECLAIM,
};

export const ALL_GFP_NAMES: Record<string, number> = { ...GFP_MASKS, ...GFP };

/** Parse `GFP_KERNEL|__GFP_ZERO`. Throws with the unknown name. */
export function parseGfp(text: string): number {
  let mask = 0;
  for (const part of text.split('|')) {
    const name = part.trim();
    if (/^0x[0-9a-f]+$/i.test(name)) {
      mask |= parseInt(name, 16);
      continue;
    }
    // own keys only: 'constructor' is not a GFP flag (it once meant gfp 0)
    const v = Object.hasOwn(ALL_GFP_NAMES, name) ? ALL_GFP_NAMES[name] : undefined;
    if (v === undefined) throw new Error(`unknown GFP flag '${name}'`);
    mask |= v;
  }
  return mask;
}

/** %pGg: the composite name that matches, then the remaining single flags, as the kernel prints. */
export function formatGfp(mask: number): string {
  const parts: string[] = [];
  let rest = mask;
  const composites = [
    'GFP_TRANSHUGE',
    'GFP_TRANSHUGE_LIGHT',
    'GFP_HIGHUSER_MOVABLE',
    'GFP_HIGHUSER',
    'GFP_USER',
    'GFP_KERNEL_ACCOUNT',
    'GFP_KERNEL',
    'GFP_NOFS',
    'GFP_NOIO',
    'GFP_NOWAIT',
    'GFP_ATOMIC',
  ];
  for (const c of composites) {
    const v = GFP_MASKS[c]!;
    if ((rest & v) === v && v !== 0) {
      parts.push(c);
      rest &= ~v;
      break;
    }
  }
  for (const [name, v] of Object.entries(GFP)) {
    if (rest & v) {
      parts.push(name);
      rest &= ~v;
    }
  }
  return parts.join('|') || '0';
}

/** gfp_migratetype(): __GFP_MOVABLE → MOVABLE (1), __GFP_RECLAIMABLE → RECLAIMABLE (2), else UNMOVABLE (0). */
export function gfpMigratetype(gfp: number): number {
  if (gfp & GFP.__GFP_MOVABLE) return 1;
  if (gfp & GFP.__GFP_RECLAIMABLE) return 2;
  return 0;
}

/**
 * gfp_zone() before it is mapped onto the zones an architecture has (PageAllocator.gfpZone):
 * indices of mmzone.ts (DMA 0, DMA32 1, NORMAL 2, HIGHMEM 3, MOVABLE 4).
 */
export function gfpZone(gfp: number): number {
  if (gfp & GFP.__GFP_DMA) return 0;
  if (gfp & GFP.__GFP_DMA32) return 1;
  // __GFP_HIGHMEM|__GFP_MOVABLE may use ZONE_MOVABLE.
  if ((gfp & (GFP.__GFP_HIGHMEM | GFP.__GFP_MOVABLE)) === (GFP.__GFP_HIGHMEM | GFP.__GFP_MOVABLE)) return 4;
  if (gfp & GFP.__GFP_HIGHMEM) return 3;
  return 2;
}
