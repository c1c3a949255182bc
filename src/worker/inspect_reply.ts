/**
 * The host's `inspectFrame` answer (protocol.ts InspectFrameCommand): the core's inspection of one
 * pfn, with the frame's bytes moved into a transferred buffer and the state named as the grid shows
 * it. Kept apart from host.ts so the inspector's wire format lives next to nothing else.
 */
import type { Machine } from '../core/machine.ts';
import { inspectFrame } from '../core/inspect_frame.ts';
import { frameStateName } from '../core/shared/frame_state.ts';
import type { FrameInspectionReply } from './protocol.ts';

export function inspectFrameReply(
  h: { m: Machine; generation: number },
  seq: number,
  pfnIn: unknown,
  transfer: Transferable[],
): FrameInspectionReply {
  const m = h.m;
  const pfn = Number(pfnIn);
  if (!Number.isInteger(pfn) || pfn < 0 || pfn >= m.pages.nrPages)
    throw new RangeError(
      `inspect: pfn ${String(pfnIn)} is not a frame of this machine (0..${m.pages.nrPages - 1})`,
    );
  const f = inspectFrame(m, pfn);
  // A tail frame of a free block knows its state only when read from the block's MAX_ORDER-aligned
  // start (frameStates walks block heads), as describePfn does.
  const from = pfn & ~((1 << m.arch.maxPageOrder) - 1);
  const states = new Uint8Array(pfn - from + 1);
  m.frameStates(states, from, pfn + 1);
  const bytes = f.bytes.buffer as ArrayBuffer;
  transfer.push(bytes);
  return {
    type: 'frameInspection',
    seq,
    generation: h.generation,
    pfn,
    page: { ...f.page, state: frameStateName(states[states.length - 1]!) },
    kpageflags: f.kpageflags,
    kpageflagNames: f.kpageflagNames,
    kpagecount: f.kpagecount,
    rmap: f.rmap,
    rmapTotal: f.rmapTotal,
    rmapComplete: f.rmapComplete,
    block: f.block,
    pageblock: f.pageblock,
    pageSize: f.pageSize,
    pageCache: f.pageCache,
    bytes,
  };
}
