/**
 * The emulator's own memory use, for the app's memory meter and the memory budget (issue #13: a tab
 * that emulated 8 GiB of written RAM held 9 GB and crashed). What a machine costs the host:
 * - the RAM chunks it backed (src/core/phys/ram.ts: only written RAM holds memory, and chunks
 *   with equal bytes share one buffer once compacted: each buffer counts once);
 * - its per-frame metadata — struct page as typed arrays, pageblock bits, the chunk table —
 *   fixed by the RAM size;
 * - what the timeline's checkpoints hold apart from the live machine (counted exactly by the
 *   timeline's ledger, bounded by its own budget).
 */
import type { Machine } from '../core/machine.ts';
import { CHUNK_SIZE } from '../core/phys/ram.ts';
import type { MemoryUse } from './protocol.ts';

/** Bytes of per-frame metadata a machine holds: struct page arrays, pageblock bits, chunk table. */
export function metadataBytes(m: Machine): number {
  const p = m.pages;
  const arrays = [p.flags, p.refcount, p.mapcount, p.order, p.owner, p.next, p.prev, m.pageblocks.bits];
  return arrays.reduce((n, a) => n + a.byteLength, 0) + m.ram.tableBytes();
}

/**
 * The figures for the live machine, the timeline's past and a machine the view replays (null when
 * the view is live). The replayed machine shares its RAM with the checkpoint it came from: it costs
 * its metadata and the chunks it copied since. `pooled`: the metadata buffers kept for the next
 * replayed machine (Snapshotter.recycle), counted with the view.
 */
export function memoryUse(
  live: Machine,
  view: Machine | null,
  past: { bytes: number; checkpoints: number; budget: number },
  budget: number,
  pooled = 0,
): MemoryUse {
  const ram = live.ram.backedChunks * CHUNK_SIZE;
  const metadata = metadataBytes(live);
  const viewBytes =
    (view && view !== live ? metadataBytes(view) + view.ram.cowCopies * CHUNK_SIZE : 0) + pooled;
  return {
    ram,
    ramChunks: live.ram.backedChunks,
    chunkSize: CHUNK_SIZE,
    ramSize: live.ram.size,
    past: past.bytes,
    checkpoints: past.checkpoints,
    pastBudget: past.budget,
    metadata,
    view: viewBytes,
    total: ram + metadata + past.bytes + viewBytes,
    budget,
    zeroedChunks: live.ram.zeroedChunks,
    dedupedChunks: live.ram.dedupedChunks,
  };
}
