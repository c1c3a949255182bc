/**
 * What the frame grid shows for one pfn: a byte per frame, computed by the core and drawn by the
 * renderer. Shared by the core and the UI (this file has no dependencies).
 */
export const FrameState = {
  /** struct page not initialised yet (before free_area_init), or beyond the memmap */
  Uninit: 0,
  /** a pfn with a struct page but no RAM behind it (firmware hole) */
  Hole: 1,
  /** free in the buddy allocator, in a block of order 0..10: Free0 + order */
  Free0: 2,
  /** free, parked on a per-CPU list */
  Pcp: 16,
  Firmware: 17,
  KernelImage: 18,
  Memmap: 19,
  Memblock: 20,
  ZeroPage: 21,
  KernelAlloc: 22,
  PageTable: 23,
  Anon: 24,
  Shmem: 25,
  /** in memblock.memory, not reserved, memmap initialised, not yet given to the buddy allocator */
  BootFree: 26,
} as const;

export const FRAME_STATE_COUNT = 27;

export function frameStateName(s: number): string {
  if (s >= FrameState.Free0 && s < FrameState.Pcp) return `free (order ${s - FrameState.Free0})`;
  switch (s) {
    case FrameState.Uninit:
      return 'no struct page yet';
    case FrameState.Hole:
      return 'hole (no RAM)';
    case FrameState.Pcp:
      return 'free on a per-CPU list';
    case FrameState.Firmware:
      return 'reserved (firmware / low 1 MiB)';
    case FrameState.KernelImage:
      return 'kernel image';
    case FrameState.Memmap:
      return 'memmap (struct pages)';
    case FrameState.Memblock:
      return 'other memblock allocation';
    case FrameState.ZeroPage:
      return 'the zero page';
    case FrameState.KernelAlloc:
      return 'kernel allocation';
    case FrameState.PageTable:
      return 'page table';
    case FrameState.Anon:
      return 'anonymous page';
    case FrameState.Shmem:
      return 'page cache (shmem or file)';
    case FrameState.BootFree:
      return 'memblock free (not yet in buddy)';
    default:
      return `state ${s}`;
  }
}
