/**
 * The app's one controller: it owns the machine client, the store and (once mounted) the frame grid,
 * and turns the learner's actions into protocol commands. React views call its methods and read the
 * store; the grid is fed frame deltas and store changes here, never through React re-renders
 * (tldraw's single reactor instead of N component subscriptions).
 */
import { FRAME_STATE_COUNT } from '../core/shared/frame_state.ts';
import type { FrameGrid } from '../render/frame_grid.ts';
import { raf } from '../render/raf_scheduler.ts';
import { MachineError, type MachineClient } from '../worker/client.ts';
import type { FrameDeltaNotice, MachineInfo, PageInfo } from '../worker/protocol.ts';
import { createAppStore, type AppState, type ConfigDraft, type HoverState } from './store.ts';

export class AppController {
  readonly store = createAppStore();
  private grid: FrameGrid | null = null;
  /** deltas that arrived before the grid was mounted */
  private queued: FrameDeltaNotice[] = [];
  private readyResolve: (() => void) | undefined;
  /** resolves once the first machine is booted and its frames are on the grid */
  readonly ready: Promise<void>;
  /** async work the UI started and has not finished (tooltip fetches, /proc refreshes) */
  private uiWork = 0;
  private pendingView: AppState['view'] | undefined;
  private viewQueued = false;

  constructor(readonly client: MachineClient) {
    this.ready = new Promise((resolve) => (this.readyResolve = resolve));
    client.onFrameDelta((d) => {
      if (this.grid) this.grid.applyDelta(d);
      else this.queued.push(d);
    });
    client.onPrintk((n) => {
      if (n.generation !== this.store.getState().machine?.generation) return;
      this.store.setState((s) => ({ log: [...s.log, ...n.lines] }));
    });
  }

  private set(patch: Partial<AppState>): void {
    this.store.setState(patch);
  }

  /** Boot the first machine. */
  start(): Promise<void> {
    return this.reboot();
  }

  // --- the grid --------------------------------------------------------------------------------

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
      grid.setSelection(s.selection);
      grid.setHighlight(
        s.lastAllocation
          ? { from: s.lastAllocation.pfn, to: s.lastAllocation.pfn + 2 ** s.lastAllocation.order }
          : null,
      );
      const m = s.machine;
      grid.setMarkers(m?.zeroPagePfn != null ? [{ pfn: m.zeroPagePfn, label: 'zero page' }] : []);
      grid.setBoundaries(
        (m?.zones ?? []).map((z) => ({ pfn: z.startPfn, label: `ZONE_${z.name.toUpperCase()} starts` })),
      );
    };
    sync(this.store.getState());
    const unsubscribe = this.store.subscribe((s, prev) => {
      if (
        s.selection !== prev.selection ||
        s.lastAllocation !== prev.lastAllocation ||
        s.machine !== prev.machine
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

  private async fetchAllFrames(grid: FrameGrid): Promise<void> {
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

  // --- learner actions -----------------------------------------------------------------------------

  setDraft(patch: Partial<ConfigDraft>): void {
    this.store.setState((s) => ({ draft: { ...s.draft, ...patch } }));
  }

  /** Create and boot a machine from the draft config; on failure the current machine stays. */
  async reboot(): Promise<void> {
    const { draft, machine } = this.store.getState();
    this.set({ status: 'booting', error: null });
    try {
      const r = await this.client.init({ ram: draft.ram, cpus: draft.cpus }, !draft.stepBoot);
      this.set({
        machine: r.info,
        log: r.log,
        allocations: [],
        lastAllocation: null,
        selection: null,
        hover: null,
        lastStep: null,
      });
      this.bump();
      this.readyResolve?.();
    } catch (e) {
      this.fail(e);
    } finally {
      this.set({ status: machine || this.store.getState().machine ? 'ready' : 'starting' });
    }
  }

  /** Run the next boot step. */
  async bootStep(): Promise<void> {
    await this.op(async () => {
      const r = await this.client.bootStep();
      this.set({ machine: r.info, lastStep: r.step });
    });
  }

  /** Run the remaining boot steps one by one (the grid follows each). */
  async finishBoot(): Promise<void> {
    await this.op(async () => {
      for (;;) {
        const r = await this.client.bootStep();
        this.set({ machine: r.info, lastStep: r.step ?? this.store.getState().lastStep });
        if (r.info.booted || !r.step) break;
      }
    });
  }

  async alloc(name: string, order: number, gfp: string): Promise<boolean> {
    return this.op(async () => {
      const r = await this.client.alloc(name, order, gfp);
      this.set({ allocations: r.allocations, lastAllocation: r.allocation, selection: r.allocation.pfn });
    });
  }

  async free(name: string): Promise<boolean> {
    return this.op(async () => {
      const r = await this.client.free(name);
      const last = this.store.getState().lastAllocation;
      this.set({ allocations: r.allocations, lastAllocation: last?.name === name ? null : last });
    });
  }

  /** Read a /proc file (errors are thrown to the caller: the panel shows them in place). */
  readProc(path: string): Promise<string> {
    return this.track(this.client.readProc(path).then((r) => r.text));
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

  select(pfn: number | null): void {
    this.set({ selection: pfn });
  }

  showError(message: string): void {
    this.set({ error: message });
  }

  dismissError(): void {
    this.set({ error: null });
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** A machine-changing operation: busy while it runs, errors to the banner, views refresh after. */
  private async op(body: () => Promise<void>): Promise<boolean> {
    this.set({ status: 'busy', error: null });
    try {
      await body();
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.bump();
      this.set({ status: 'ready' });
    }
  }

  private fail(e: unknown): void {
    const message = e instanceof MachineError || e instanceof Error ? e.message : String(e);
    this.set({ error: message });
  }

  /** The machine changed: /proc panels and the tooltip refetch. */
  private bump(): void {
    this.store.setState((s) => ({ opVersion: s.opVersion + 1 }));
  }

  /** Count UI-started work so that `idle()` waits for it. */
  track<T>(p: Promise<T>): Promise<T> {
    this.uiWork++;
    return p.finally(() => this.uiWork--);
  }

  /** Mark a stretch of UI work (a debounce timer) that idle() should wait for. */
  beginWork(): () => void {
    this.uiWork++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.uiWork--;
    };
  }

  /**
   * Resolves when the worker is quiet, the UI has nothing in flight and two animation frames in a row
   * had nothing to draw (perfetto's "wait for idle" before a screenshot).
   */
  async idle(): Promise<void> {
    let quietFrames = 0;
    while (quietFrames < 2) {
      await this.client.whenQuiet();
      await raf.nextFrame();
      await raf.whenIdle();
      if (this.client.pendingCount === 0 && this.uiWork === 0 && raf.idle) quietFrames++;
      else quietFrames = 0;
    }
  }

  get machine(): MachineInfo | null {
    return this.store.getState().machine;
  }
}
