/**
 * The frame grid and the one selection: attaching the mounted grid (deltas, markers, outlines), hover,
 * the grid's view, the selected frame and its buddy block, the patterns switch, and the reads the
 * inspector and the free-list view make.
 */
import { FRAME_STATE_COUNT } from '../../core/shared/frame_state.ts';
import type { FrameGrid } from '../../render/frame_grid.ts';
import type { GridMarker } from '../../render/frame_grid.ts';
import { raf } from '../../render/raf_scheduler.ts';
import {
  type FrameInspectionReply,
  type FreeListsReply,
  type HugeInfo,
  type MachineInfo,
  type PageInfo,
} from '../../worker/protocol.ts';
import { type AppState, type HoverState } from '../store.ts';
import { ControllerCore, inBlock, PATTERNS_KEY } from './core.ts';

/** THP folios marked on the frame grid (the panel gives the total). */
export const MAX_THP_MARKERS = 8;

export abstract class SelectionController extends ControllerCore {
  /** Connect a mounted grid; returns the function that disconnects it. */
  attachGrid(grid: FrameGrid): () => void {
    this.grid = grid;
    if (this.queued.length) {
      for (const d of this.queued) grid.applyDelta(d);
      this.queued = [];
    } else if (this.machine) {
      // A grid mounted after the machine's deltas went by (a remount): ask for every frame's state.
      void this.fetchAllFrames(grid);
    }
    const sync = (s: AppState) => {
      grid.setPatterns(s.patterns);
      grid.setSelection(s.selection);
      grid.setSelectedBlock(blockRange(s));
      // In the past, the frames the shown step changed (a boot step's); else the last allocation.
      grid.setHighlight(
        s.timelinePos && s.stepMark
          ? s.stepMark
          : s.lastAllocation
            ? { from: s.lastAllocation.pfn, to: s.lastAllocation.pfn + 2 ** s.lastAllocation.order }
            : null,
      );
      const m = s.machine;
      grid.setMarkers([...zeroMarkers(m), ...hugeMarkers(s.huge)]);
      grid.setBoundaries(
        (m?.zones ?? []).map((z) => ({ pfn: z.startPfn, label: `ZONE_${z.name.toUpperCase()} starts` })),
      );
    };
    sync(this.store.getState());
    this.syncLink();
    const unsubscribe = this.store.subscribe((s, prev) => {
      if (
        s.selection !== prev.selection ||
        s.selectedBlock !== prev.selectedBlock ||
        s.patterns !== prev.patterns ||
        s.lastAllocation !== prev.lastAllocation ||
        s.stepMark !== prev.stepMark ||
        s.timelinePos !== prev.timelinePos ||
        s.machine !== prev.machine ||
        s.huge !== prev.huge
      ) {
        sync(s);
      }
    });
    this.updateCounts();
    this.setView(grid.view);
    return () => {
      unsubscribe();
      if (this.grid === grid) this.grid = null;
    };
  }

  protected async fetchAllFrames(grid: FrameGrid): Promise<void> {
    const m = this.machine!;
    try {
      const r = await this.client.frames(0, m.nrPages);
      if (this.grid !== grid || r.generation !== this.machine?.generation) return;
      grid.applyDelta({
        type: 'frameDelta',
        seq: r.seq,
        generation: r.generation,
        nrPages: m.nrPages,
        ranges: Uint32Array.of(r.from, r.to),
        states: new Uint8Array(r.states),
      });
    } catch (e) {
      this.fail(e);
    }
  }

  get frameGrid(): FrameGrid | null {
    return this.grid;
  }

  /** Copy the grid's per-state frame counts into the store (the legend shows them). */
  updateCounts(): void {
    if (!this.grid) return;
    this.set({ counts: Array.from(this.grid.counts().subarray(0, FRAME_STATE_COUNT)) });
  }

  describe(pfn: number): Promise<PageInfo> {
    return this.track(this.client.describePfn(pfn).then((r) => r.info));
  }

  setHover(hover: HoverState | null): void {
    const cur = this.store.getState().hover;
    if (
      cur === hover ||
      (cur &&
        hover &&
        cur.pfn === hover.pfn &&
        cur.clientX === hover.clientX &&
        cur.clientY === hover.clientY)
    )
      return;
    this.set({ hover });
  }

  /** The grid's view changed; the caption follows once per frame. */
  setView(view: AppState['view']): void {
    this.pendingView = view;
    if (this.viewQueued) return;
    this.viewQueued = true;
    raf.scheduleAction(() => {
      this.viewQueued = false;
      const v = this.pendingView;
      const cur = this.store.getState().view;
      if (v && (v.cellPx !== cur.cellPx || v.framesPerTexel !== cur.framesPerTexel)) this.set({ view: v });
    });
  }

  /**
   * Select a frame, and with `block` the buddy block or folio around it (a free-list entry, or what
   * the inspector found): every view follows the one selection in the store.
   */
  select(pfn: number | null, block?: { pfn: number; order: number } | null): void {
    this.set({ selection: pfn, ...(block !== undefined ? { selectedBlock: block } : {}) });
  }

  /** Patterns over the grid colours on or off, remembered for the next visit. */
  setPatterns(on: boolean): void {
    this.set({ patterns: on });
    try {
      localStorage.setItem(PATTERNS_KEY, on ? '1' : '0');
    } catch {
      // storage may be disabled (private mode, Node): the setting then lasts for this visit only
    }
  }

  /** The inspector learned the selected frame's block: outline it everywhere (if still selected). */
  setSelectedBlock(block: { pfn: number; order: number } | null): void {
    const s = this.store.getState();
    if (block && !inBlock(s.selection, block)) return;
    if (block?.pfn === s.selectedBlock?.pfn && block?.order === s.selectedBlock?.order) return;
    this.set({ selectedBlock: block });
  }

  /** Everything the inspector shows about a frame (errors go to the caller). */
  inspectFrame(pfn: number): Promise<FrameInspectionReply> {
    return this.track(this.client.inspectFrame(pfn));
  }

  /** The buddy and per-CPU free lists of every zone (errors go to the caller). */
  freeLists(): Promise<FreeListsReply> {
    return this.track(this.client.freeLists());
  }
}

/** The zero page(s) marked on the grid: one marker at the first (MIPS and s390 have several). */
export function zeroMarkers(m: MachineInfo | null): { pfn: number; label: string; count?: number }[] {
  const z = m?.arch.zeroPages;
  if (z)
    return [{ pfn: z.basePfn, label: z.count > 1 ? `${z.count} zero pages` : 'zero page', count: z.count }];
  return m?.zeroPagePfn != null ? [{ pfn: m.zeroPagePfn, label: 'zero page' }] : [];
}

/** The huge zero folio and the first THPs as 512-frame blocks on the frame grid, head outlined. */
function hugeMarkers(h: HugeInfo | null): GridMarker[] {
  if (!h?.supported) return [];
  const out: GridMarker[] = [];
  if (h.pfn !== null)
    out.push({ pfn: h.pfn, count: h.hpageNr, head: true, label: `huge zero folio (${h.kind})` });
  for (const f of h.folios.slice(0, MAX_THP_MARKERS))
    out.push({
      pfn: f.pfn,
      count: f.nr,
      head: true,
      label: `THP: head pfn 0x${f.pfn.toString(16)} + ${f.nr - 1} tails`,
    });
  return out;
}

/** The selected block as a pfn range, for the frame grid's outline (none for a single page). */
function blockRange(s: AppState): { from: number; to: number } | null {
  const b = s.selectedBlock;
  return b && b.order > 0 ? { from: b.pfn, to: b.pfn + 2 ** b.order } : null;
}
